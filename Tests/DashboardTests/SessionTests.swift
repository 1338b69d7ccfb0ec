import Dashboard
import Foundation
import Locks
import Server
import Testing
import TestSupport

@Suite("Dashboard sessions: signed in with a token, ended by idleness or revocation")
struct SessionTests {
    final class TestTime: Sendable {
        let now = Locked(Date(timeIntervalSince1970: 1_780_000_000))
        func advance(_ seconds: TimeInterval) { now.withLock { $0 += seconds } }
    }

    static func sessions(idle: TimeInterval = 60) throws -> (DashboardSessions, TokenStore, TestTime, TemporaryRoot) {
        let root = try TemporaryRoot()
        let store = TokenStore(root: root.path)
        let time = TestTime()
        return (DashboardSessions(tokens: TokenAuthenticator(store: store), idleTimeout: idle, now: { time.now.withLock { $0 } }), store, time, root)
    }

    @Test func aTokensSecretOpensASessionThatKeepsNoSecretAndAnUnknownOneDoesNot() throws {
        let (sessions, store, _, root) = try Self.sessions()
        let secret = try store.create(scope: .read, jobs: nil, name: "viewer").secret
        #expect(sessions.signIn(secret: "not-a-token") == nil)
        let (session, token) = try #require(sessions.signIn(secret: " \(secret)\n"))
        #expect(token.name == "viewer")
        #expect(session.id.count == 64 && session.csrf.count == 64 && session.id != session.csrf)
        #expect(![session.id, session.csrf, session.tokenHash].contains(secret))
        #expect(sessions.session(id: session.id)?.1.name == "viewer")
        let other = (session.id.first == "0" ? "1" : "0") + session.id.dropFirst()
        #expect(sessions.session(id: other) == nil, "an id one digit off opens nothing")
        withExtendedLifetime(root) {}
    }

    @Test func aSessionEndsWhenIdleLongerThanTheTimeoutButUseKeepsItAlive() throws {
        let (sessions, store, time, root) = try Self.sessions(idle: 60)
        let secret = try store.create(scope: .run, jobs: nil, name: nil).secret
        let (session, _) = try #require(sessions.signIn(secret: secret))
        time.advance(50)
        #expect(sessions.session(id: session.id) != nil, "used within the timeout")
        time.advance(50)
        #expect(sessions.session(id: session.id) != nil, "50 s after its last use")
        time.advance(61)
        #expect(sessions.session(id: session.id) == nil, "idle for 61 s")
        time.advance(-61)
        #expect(sessions.session(id: session.id) == nil, "an ended session stays ended")
        withExtendedLifetime(root) {}
    }

    @Test func revokingTheTokenEndsItsSessionsAtTheirNextRequest() throws {
        let (sessions, store, _, root) = try Self.sessions()
        let secret = try store.create(scope: .admin, jobs: nil, name: "ops").secret
        let (session, _) = try #require(sessions.signIn(secret: secret))
        _ = try store.revoke("ops")
        #expect(sessions.session(id: session.id) == nil)
        // A new token of the same name is another token: the old session does not come back.
        _ = try store.create(scope: .admin, jobs: nil, name: "ops")
        #expect(sessions.session(id: session.id) == nil)
        withExtendedLifetime(root) {}
    }

    @Test func signingOutEndsTheSessionAndCSRFTokensAreComparedExactly() throws {
        let (sessions, store, _, root) = try Self.sessions()
        let (session, _) = try #require(sessions.signIn(secret: try store.create(scope: .run, jobs: nil, name: nil).secret))
        #expect(DashboardSessions.csrfMatches(session, session.csrf))
        #expect(!DashboardSessions.csrfMatches(session, nil))
        #expect(!DashboardSessions.csrfMatches(session, ""))
        #expect(!DashboardSessions.csrfMatches(session, String(session.csrf.dropLast()) + "x"))
        sessions.signOut(id: session.id)
        #expect(sessions.session(id: session.id) == nil)
        withExtendedLifetime(root) {}
    }
}
