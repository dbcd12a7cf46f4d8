import Crypto
import Foundation

/// Signs requests as the Standard Webhooks specification says (standardwebhooks.com): the
/// `webhook-signature` header is `v1,` and the base64 of HMAC-SHA256 over
/// `{webhook-id}.{webhook-timestamp}.{body}`, keyed with the secret's bytes (the base64 after
/// its `whsec_` prefix).
///
/// ```swift
/// let signer = try #require(WebhookSigner(secret: "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"))
/// signer.signature(id: "msg_p5jXN8AQM9LWM0D4loKWxJek", timestamp: 1614265330, body: Data(#"{"test": 2432232314}"#.utf8))
/// // "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE="
/// ```
public struct WebhookSigner: Sendable {
    /// The prefix of a secret's text.
    public static let prefix = "whsec_"
    /// Key lengths the specification allows, in bytes.
    public static let keyLengths = 24...64

    private let key: SymmetricKey

    /// A signer for `secret` (`whsec_` and base64); nil for text that is not such a secret.
    public init?(secret: String) {
        guard Self.secretProblem(secret) == nil, let bytes = Data(base64Encoded: String(secret.dropFirst(Self.prefix.count))) else {
            return nil
        }
        key = SymmetricKey(data: bytes)
    }

    /// What is wrong with `secret`, without repeating it (it is a secret); nil when it is usable.
    public static func secretProblem(_ secret: String) -> String? {
        guard secret.hasPrefix(prefix) else { return "must start with whsec_ (then base64 of 24 to 64 random bytes)" }
        guard let bytes = Data(base64Encoded: String(secret.dropFirst(prefix.count))) else {
            return "the text after whsec_ is not base64"
        }
        return keyLengths.contains(bytes.count) ? nil : "must hold 24 to 64 bytes after whsec_, holds \(bytes.count)"
    }

    /// The `webhook-signature` header's value for one attempt.
    public func signature(id: String, timestamp: Int, body: Data) -> String {
        var content = Data("\(id).\(timestamp).".utf8)
        content.append(body)
        let mac = HMAC<SHA256>.authenticationCode(for: content, using: key)
        return "v1," + Data(mac).base64EncodedString()
    }
}
