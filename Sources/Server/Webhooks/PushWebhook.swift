public import Foundation
import Expressions

/// Push events from a forge (`POST /api/git/push`), verified against one shared secret:
///
/// - GitHub: `X-Hub-Signature-256: sha256=<hex HMAC-SHA256 of the body>`;
/// - Gitea (and Forgejo): `X-Gitea-Signature: <hex HMAC-SHA256 of the body>`;
/// - GitLab: `X-Gitlab-Token: <the secret itself>` (GitLab does not sign bodies).
///
/// The branch is read from the payload's `ref` (`refs/heads/main`), which the signature covers;
/// the event-type headers are not trusted.
public enum PushWebhook {
    /// The secret's name in the secrets store unless `serve --push-secret` names another.
    public static let defaultSecretName = "GIT_PUSH_WEBHOOK"

    public enum Forge: String, Sendable {
        case github, gitea, gitlab
    }

    /// Which forge's scheme the request is verified by; nil when none matches.
    /// - Parameter header: the request's header of that name (case-insensitive), nil when absent.
    public static func verify(header: (String) -> String?, body: [UInt8], secret: String) -> Forge? {
        if let signature = header("X-Hub-Signature-256") {
            return WebhookSignature.isValid(header: signature, body: body, secret: secret) ? .github : nil
        }
        if let signature = header("X-Gitea-Signature") {
            return WebhookSignature.isValid(header: "sha256=" + signature, body: body, secret: secret) ? .gitea : nil
        }
        if let token = header("X-Gitlab-Token") {
            return TokenAuthenticator.constantTimeEqual(Array(token.utf8), Array(secret.utf8)) ? .gitlab : nil
        }
        return nil
    }

    /// The branch a push payload names (`ref: refs/heads/<branch>`); nil for a tag, or a body
    /// that is not a push.
    public static func branch(ofPayload body: [UInt8]) -> String? {
        guard case .object(let members)? = try? Value(parsingJSON: body),
              case .string(let ref)? = members["ref"], ref.hasPrefix("refs/heads/") else { return nil }
        return String(ref.dropFirst("refs/heads/".count))
    }
}
