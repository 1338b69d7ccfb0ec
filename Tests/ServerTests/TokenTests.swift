import Foundation
import Server
import Testing
import TestSupport

@Suite("Tokens: the store, scopes, globs, reloading")
struct TokenTests {
    @Test func storesOnlyTheHashInAPrivateFile() throws {
        let root = try TemporaryRoot()
        let store = TokenStore(root: root.path)
        let (token, secret) = try store.create(scope: .run, jobs: "reports/*", name: "ci")
        #expect(secret.hasPrefix("jct_"))
        #expect(secret.count > 40)
        let text = try #require(root.read(".jobctl/tokens.json"))
        #expect(!text.contains(secret))
        #expect(text.contains(TokenStore.sha256Hex(secret)))
        let mode = try FileManager.default.attributesOfItem(atPath: store.path)[.posixPermissions] as? Int
        #expect(mode == 0o600)
        #expect(try store.tokens() == [token])
        #expect(throws: TokenStoreError.self) { try store.create(scope: .read, jobs: nil, name: "ci") }
        #expect(throws: TokenStoreError.self) { try store.create(scope: .read, jobs: "Reports/*", name: nil) }
        #expect(try store.revoke("ci").id == token.id)
        #expect(try store.tokens().isEmpty)
        #expect(throws: TokenStoreError.self) { try store.revoke("ci") }
    }

    @Test func theAuthenticatorSeesNewAndRevokedTokensWithoutARestart() throws {
        let root = try TemporaryRoot()
        let store = TokenStore(root: root.path)
        let authenticator = TokenAuthenticator(store: store)
        #expect(authenticator.token(forSecret: "jct_x") == nil)
        let (first, secret) = try store.create(scope: .read, jobs: nil, name: "a")
        #expect(authenticator.token(forAuthorization: "Bearer \(secret)") == first)
        #expect(authenticator.token(forAuthorization: "bearer  \(secret)") == first)
        #expect(authenticator.token(forAuthorization: "Bearer \(secret)x") == nil)
        #expect(authenticator.token(forAuthorization: secret) == nil)
        let (second, other) = try store.create(scope: .admin, jobs: nil, name: "b")
        #expect(authenticator.token(forSecret: other) == second)
        try store.revoke("a")
        #expect(authenticator.token(forSecret: secret) == nil)
        #expect(authenticator.token(forSecret: other) == second)
    }

    @Test func scopesAreOrderedAndGlobsMatchSegments() {
        #expect(Scope.read < .run && Scope.run < .admin)
        let token = Token(id: "tok_1", name: "t", scope: .run, jobs: "reports/*", sha256: "", createdAt: "")
        #expect(token.allows(.read, job: "reports/daily"))
        #expect(token.allows(.run, job: "reports/daily"))
        #expect(!token.allows(.admin, job: "reports/daily"))
        #expect(!token.allows(.run, job: "reports/eu/daily"))
        #expect(!token.allows(.run, job: "other"))
        #expect(JobGlob("reports/**").matches("reports/eu/daily"))
        #expect(JobGlob("*").matches("slow") && !JobGlob("*").matches("a/b"))
        #expect(JobGlob("**").matches("a/b/c"))
        #expect(JobGlob("re?orts/*-x").matches("reports/a-x"))
        #expect(!JobGlob("reports/*").matches("reports"))
    }

    @Test func listenAddresses() throws {
        #expect(try ListenAddress("127.0.0.1:8080") == ListenAddress("127.0.0.1:8080"))
        #expect(try ListenAddress("[::1]:0").host == "::1")
        #expect(try ListenAddress("[::1]:0").description == "[::1]:0")
        #expect(throws: ListenAddressError.self) { try ListenAddress("8080") }
        #expect(throws: ListenAddressError.self) { try ListenAddress("localhost:99999") }
    }
}
