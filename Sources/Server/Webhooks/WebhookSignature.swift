import Crypto
public import Foundation
public import Definitions
import Execution

/// Signed webhooks, GitHub-compatible: `X-Hub-Signature-256: sha256=<hex HMAC-SHA256 of the raw
/// body>` with the job's webhook secret.
///
/// The secret of job `reports/paid-search` is the secret named `WEBHOOK_REPORTS_PAID_SEARCH`
/// in the secrets store: the environment variable `JOBCTL_SECRET_WEBHOOK_REPORTS_PAID_SEARCH`, or
/// that name in the secrets file (the id upper-cased, `/` and `-` as `_`).
public enum WebhookSignature {
    /// The secret name for `job`: `WEBHOOK_` and the id upper-cased with `/` and `-` as `_`.
    public static func secretName(for job: JobID) -> String {
        "WEBHOOK_" + String(job.rawValue.uppercased().map { $0 == "/" || $0 == "-" ? "_" : $0 })
    }

    /// `sha256=<hex>` for `body` signed with `secret`.
    public static func header(body: [UInt8], secret: String) -> String {
        "sha256=" + hex(Array(HMAC<SHA256>.authenticationCode(for: body, using: SymmetricKey(data: Array(secret.utf8)))))
    }

    /// Whether `header` is the signature of `body` with `secret`, compared in constant time.
    public static func isValid(header: String?, body: [UInt8], secret: String) -> Bool {
        guard let header, header.hasPrefix("sha256="),
              let presented = TokenAuthenticator.bytes(hex: String(header.dropFirst(7))) else { return false }
        let expected = Array(HMAC<SHA256>.authenticationCode(for: body, using: SymmetricKey(data: Array(secret.utf8))))
        return TokenAuthenticator.constantTimeEqual(presented, expected)
    }

    /// jobctl's own scheme, `X-Jobctl-Signature: sha256=<hex HMAC-SHA256 of "<timestamp>.<type>.<body>">`
    /// with `X-Jobctl-Timestamp: <unix seconds>`: the event type and the time are signed too, so a
    /// captured delivery cannot be replayed later or under another type.
    public static func jobctlHeader(timestamp: Int, type: String, body: [UInt8], secret: String) -> String {
        header(body: Array("\(timestamp).\(type).".utf8) + body, secret: secret)
    }

    /// How far a jobctl-scheme timestamp may be from the receiver's clock.
    public static let window: TimeInterval = 300

    static func hex(_ bytes: [UInt8]) -> String {
        bytes.map { $0 < 16 ? "0" + String($0, radix: 16) : String($0, radix: 16) }.joined()
    }
}
