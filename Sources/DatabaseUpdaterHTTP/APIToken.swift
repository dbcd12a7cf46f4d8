import DatabaseUpdater
import Foundation

/// The bearer token that guards mutating routes.
public struct APIToken: Sendable {
    /// Where a generated token is kept: `data/api-token`, mode 0600.
    public static let fileName = "api-token"

    let value: String
    /// Where the token came from, to tell the user (never the token itself).
    public let origin: String

    /// The configured token (`api.token` or `DATABASE_UPDATER_API_TOKEN`), else the one in
    /// `dataDirectory/api-token`, created with 32 random bytes on first use.
    public static func resolve(config: UpdaterConfig) throws -> APIToken {
        if let token = config.api.token { return APIToken(value: token, origin: "configuration") }
        let url = URL(fileURLWithPath: config.dataDirectory).appendingPathComponent(fileName)
        if let existing = try? String(contentsOf: url, encoding: .utf8).trimmingCharacters(in: .whitespacesAndNewlines), !existing.isEmpty {
            return APIToken(value: existing, origin: url.path)
        }
        try FileManager.default.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
        var generator = SystemRandomNumberGenerator()
        let token = (0..<32).map { _ in String(format: "%02x", UInt8.random(in: 0...255, using: &generator)) }.joined()
        guard FileManager.default.createFile(atPath: url.path, contents: Data((token + "\n").utf8), attributes: [.posixPermissions: 0o600]) else {
            throw CocoaError(.fileWriteNoPermission, userInfo: [NSFilePathErrorKey: url.path])
        }
        return APIToken(value: token, origin: "\(url.path) (generated)")
    }

    /// Reads the token a client should send: the environment's, else the service's token file.
    public static func forClient(dataDirectory: String) -> String? {
        if let token = ProcessInfo.processInfo.environment["DATABASE_UPDATER_API_TOKEN"], !token.isEmpty { return token }
        let url = URL(fileURLWithPath: dataDirectory).appendingPathComponent(fileName)
        return (try? String(contentsOf: url, encoding: .utf8))?.trimmingCharacters(in: .whitespacesAndNewlines)
    }

    /// Compares in time independent of where the strings differ.
    func matches(_ candidate: String) -> Bool {
        let a = Array(value.utf8), b = Array(candidate.utf8)
        var difference = UInt8(truncatingIfNeeded: a.count ^ b.count)
        for i in 0..<max(a.count, b.count) {
            difference |= (i < a.count ? a[i] : 0) ^ (i < b.count ? b[i] : 0)
        }
        return difference == 0
    }
}
