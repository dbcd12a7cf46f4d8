import Foundation
import Testing
@testable import DatabaseUpdater

/// The `webhooks` key, the signer and the message a batch becomes.
struct WebhookConfigTests {
    private func load(_ yaml: String) throws -> LoadedConfig {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("updater-webhooks-\(UUID().uuidString).yaml")
        try yaml.write(to: url, atomically: true, encoding: .utf8)
        defer { try? FileManager.default.removeItem(at: url) }
        return try ConfigLoader.load(file: url.path, environment: [:])
    }

    /// The Standard Webhooks specification's own example.
    @Test func theSignatureIsTheSpecificationsExample() throws {
        let signer = try #require(WebhookSigner(secret: "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"))
        #expect(signer.signature(id: "msg_p5jXN8AQM9LWM0D4loKWxJek", timestamp: 1614265330, body: Data(#"{"test": 2432232314}"#.utf8))
            == "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=")
    }

    @Test func anEndpointIsReadWithItsDefaultsAndShownWithoutItsSecret() throws {
        let loaded = try load("""
            webhooks:
              - url: http://user:pw@127.0.0.1:8000/api/viz/emit
                secret: whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw
                filter: { tables: [service_tickets], operations: [insert, update] }
            """)
        let webhook = try #require(loaded.config.webhooks.first)
        #expect(webhook.batchSize == 50 && webhook.intervalMs == 100 && webhook.queueLimit == 10_000)
        #expect(webhook.filter == StreamFilter(tables: ["service_tickets"], operations: [.insert, .update]))
        let shown = ConfigKeyTable.standard.describe(loaded)
        let json = String(decoding: try JSONEncoder().encode(loaded.config.redacted), as: UTF8.self)
        for text in [shown, json] {
            #expect(!text.contains("MfKQ9r8") && !text.contains(":pw@"), "\(text)")
        }
        #expect(shown.contains("- url: http://127.0.0.1:8000/api/viz/emit") && shown.contains("secret: set, hidden"))
        #expect(UpdaterConfig.restartOnlyKeys.contains("webhooks"))
    }

    @Test func badEndpointsAreOneLineEach() throws {
        let error = #expect(throws: ConfigurationError.self) {
            try load("""
                webhooks:
                  - url: ftp://example.com/x
                    batchSize: 1001
                    intervalMs: 5
                    secret: hunter2
                    filter: { operations: [upsert] }
                  - batchSize: 0
                """)
        }
        #expect(Set(error?.problems ?? []) == [
            "webhooks[0].filter.operations: operation 'upsert' is not insert, update or delete",
            "webhooks[1].url: missing",
            "webhooks[0].url: 'ftp://example.com/x' is not an http or https URL",
            "webhooks[0].batchSize: out of range: must be from 1 to 1000, got 1001",
            "webhooks[0].intervalMs: out of range: must be at least 10, got 5",
            "webhooks[0].secret: must start with whsec_ (then base64 of 24 to 64 random bytes)",
        ])
        let problems = (error?.problems ?? []).joined(separator: "\n")
        #expect(problems.contains("hunter2") == false, "the secret is not repeated")
    }

    /// The id names the log entries a message spans (so a retry, or a resend after a restart,
    /// has the same one); the body holds the events and the records in order.
    @Test func aMessageIsNamedByItsFirstAndLastEntry() throws {
        func entry(_ seq: Int64) -> ChangeEvent {
            var event = ChangeEvent(change: RowChange(table: "leads", operation: .insert, key: "k\(seq)", after: "h"),
                                    tenant: Tenant.default.id, updater: "u", execution: UUID(), committedAt: Date())
            event.seq = seq
            event.transaction = "\(seq)"
            return event
        }
        let items: [StreamItem] = [.event(entry(4)), .gap(5...9), .event(entry(5)), .externalDropped(2)]
        let message = WebhookMessage(items, endpoint: "abc")
        #expect(message.id == "msg_abc_4_9" && message.events == 2)
        #expect(WebhookMessage(items, endpoint: "abc").id == message.id)
        let body = try #require(try JSONSerialization.jsonObject(with: message.body) as? [String: [[String: Any]]])
        #expect(body["events"]?.map { $0["type"] as? String } == ["db_write", "gap", "db_write", "external_dropped"])
        #expect(body["events"]?[1]["from"] as? Int == 5 && body["events"]?[1]["to"] as? Int == 9)
    }
}
