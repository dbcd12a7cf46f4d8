import Foundation

extension ConfigKeyTable {
    /// `webhooks`: a list replaced whole, each entry an endpoint (``WebhookConfig``); the secret
    /// is never shown.
    static let webhooks = ConfigKey(
        path: "webhooks",
        type: "list of `url`, and optional `batchSize`, `intervalMs`, `secret`, `filter` (`tables`, `tenants`, `operations`), `queueLimit` and `timeoutSeconds`",
        liveUpdate: .restart, documentedDefault: "none",
        summary: "Endpoints the change log is POSTed to as `{\"events\":[…]}`: at most `batchSize` (50) events per request, "
            + "at least every `intervalMs` (100) while events wait, signed (Standard Webhooks) when a `secret` (`whsec_…`) is set.",
        apply: { builder, raw, source in
            guard let list = raw as? [Any] else {
                builder.problems.append("webhooks: wrong type: expected a list, got \(ConfigLoader.describe(raw))")
                return
            }
            var webhooks: [WebhookConfig] = []
            for (index, item) in list.enumerated() {
                if let webhook = builder.webhook(item, "webhooks[\(index)]") { webhooks.append(webhook) }
            }
            builder.config.webhooks = webhooks
            builder.sources["webhooks"] = source
        },
        check: { config, _ in
            config.webhooks.enumerated().flatMap { index, webhook in webhook.problems(at: "webhooks[\(index)]") }
        },
        show: { config, _ in
            .list(config.webhooks.flatMap { webhook in
                let filter = [("tables", webhook.filter.tables.sorted()), ("tenants", webhook.filter.tenants.sorted()),
                              ("operations", webhook.filter.operations.map(\.rawValue).sorted())]
                    .filter { !$0.1.isEmpty }.map { "\($0.0): [\($0.1.joined(separator: ", "))]" }
                return ["- url: \(webhook.displayURL)", "  batchSize: \(webhook.batchSize)", "  intervalMs: \(webhook.intervalMs)",
                        "  secret: \(webhook.secret == nil ? "none (unsigned)" : "set, hidden")",
                        "  filter: {\(filter.joined(separator: ", "))}", "  queueLimit: \(webhook.queueLimit)",
                        "  timeoutSeconds: \(webhook.timeoutSeconds)"]
            })
        },
        isUnchanged: { $0.webhooks == $1.webhooks })
}

extension ConfigBuilder {
    /// One `webhooks` entry, or nil with its problems recorded.
    mutating func webhook(_ value: Any, _ path: String) -> WebhookConfig? {
        guard let map = value as? [String: Any] else {
            problems.append("\(path): wrong type: expected a mapping with url, got \(ConfigLoader.describe(value))")
            return nil
        }
        guard let url = map["url"].flatMap({ string($0, "\(path).url") }) else {
            if map["url"] == nil { problems.append("\(path).url: missing") }
            return nil
        }
        var webhook = WebhookConfig(url: url)
        if let raw = map["batchSize"], let n = int(raw, "\(path).batchSize") { webhook.batchSize = n }
        if let raw = map["intervalMs"], let n = int(raw, "\(path).intervalMs") { webhook.intervalMs = n }
        if let raw = map["queueLimit"], let n = int(raw, "\(path).queueLimit") { webhook.queueLimit = n }
        if let raw = map["timeoutSeconds"], let n = number(raw, "\(path).timeoutSeconds") { webhook.timeoutSeconds = n }
        if let raw = map["secret"], !(raw is NSNull) { webhook.secret = string(raw, "\(path).secret") }
        if let raw = map["filter"], let filter = streamFilter(raw, "\(path).filter") { webhook.filter = filter }
        for key in map.keys.sorted() where !["url", "batchSize", "intervalMs", "secret", "filter", "queueLimit", "timeoutSeconds"].contains(key) {
            unknown("\(path).\(key)")
        }
        return webhook
    }

    /// A filter: `tables`, `tenants` and `operations`, each a list (or comma-separated text).
    private mutating func streamFilter(_ value: Any, _ path: String) -> StreamFilter? {
        guard let map = value as? [String: Any] else {
            problems.append("\(path): wrong type: expected a mapping of tables, tenants and operations, got \(ConfigLoader.describe(value))")
            return nil
        }
        func list(_ name: String) -> String? {
            switch map[name] {
            case nil: return nil
            case let text as String: return text
            case let items as [Any]:
                let texts = items.compactMap { string($0, "\(path).\(name)") }
                return texts.count == items.count ? texts.joined(separator: ",") : nil
            case let other?:
                problems.append("\(path).\(name): wrong type: expected a list, got \(ConfigLoader.describe(other))")
                return nil
            }
        }
        for key in map.keys.sorted() where !["tables", "tenants", "operations"].contains(key) { unknown("\(path).\(key)") }
        do {
            return try StreamFilter(tables: list("tables"), tenants: list("tenants"), operations: list("operations"))
        } catch {
            problems.append("\(path).operations: \(error)")
            return nil
        }
    }
}
