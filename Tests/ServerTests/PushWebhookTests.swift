import Crypto
import Foundation
import Server
import Testing

@Suite("Push webhooks from GitHub, Gitea and GitLab")
struct PushWebhookTests {
    let body = Array(#"{"ref":"refs/heads/main","after":"1234"}"#.utf8)

    func hex(_ secret: String) -> String {
        HMAC<SHA256>.authenticationCode(for: body, using: SymmetricKey(data: Array(secret.utf8))).map { String(format: "%02x", $0) }.joined()
    }

    func verify(_ headers: [String: String], secret: String = "s3cret") -> PushWebhook.Forge? {
        PushWebhook.verify(header: { name in headers.first { $0.key.lowercased() == name.lowercased() }?.value }, body: body, secret: secret)
    }

    @Test func eachForgesSchemeIsVerifiedAgainstTheSecret() {
        #expect(verify(["X-Hub-Signature-256": "sha256=" + hex("s3cret")]) == .github)
        #expect(verify(["x-gitea-signature": hex("s3cret")]) == .gitea)
        #expect(verify(["X-Gitlab-Token": "s3cret"]) == .gitlab)
    }

    @Test func aWrongOrMissingSignatureIsRefused() {
        #expect(verify([:]) == nil)
        #expect(verify(["X-Hub-Signature-256": "sha256=" + hex("other")]) == nil)
        #expect(verify(["X-Hub-Signature-256": hex("s3cret")]) == nil)
        #expect(verify(["X-Gitea-Signature": hex("other")]) == nil)
        #expect(verify(["X-Gitlab-Token": "s3cre"]) == nil)
        // A bad GitHub signature is not rescued by a good GitLab token beside it.
        #expect(verify(["X-Hub-Signature-256": "sha256=00", "X-Gitlab-Token": "s3cret"]) == nil)
    }

    @Test func theBranchComesFromThePayload() {
        #expect(PushWebhook.branch(ofPayload: body) == "main")
        #expect(PushWebhook.branch(ofPayload: Array(#"{"ref":"refs/heads/release/1.0"}"#.utf8)) == "release/1.0")
        #expect(PushWebhook.branch(ofPayload: Array(#"{"ref":"refs/tags/v1"}"#.utf8)) == nil)
        #expect(PushWebhook.branch(ofPayload: Array("not json".utf8)) == nil)
    }
}
