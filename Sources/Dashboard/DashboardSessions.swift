public import Foundation
import Locks
public import Server

/// Signed-in dashboard sessions: a token holder signs in once with the token's secret and gets
/// a session cookie; the session carries the token's identity (never its secret), a CSRF token
/// for its forms, and when it was last used. A session ends when it is idle for
/// ``idleTimeout``, when its owner signs out, and as soon as its token is revoked (every request
/// looks the token up again by id and hash in the token file).
public final class DashboardSessions: Sendable {
    public struct Session: Sendable, Hashable {
        public var id: String
        /// Proves a form came from a page of this session (a hidden `_csrf` field).
        public var csrf: String
        public var tokenID: String
        public var tokenHash: String
        public var lastUsed: Date
    }

    public static let cookieName = "jobctl_session"
    public let idleTimeout: TimeInterval
    private let tokens: TokenAuthenticator
    private let now: @Sendable () -> Date
    private let sessions = Locked([String: Session]())

    /// - Parameter now: the clock (tests pass a test clock's reading).
    public init(tokens: TokenAuthenticator, idleTimeout: TimeInterval = 30 * 60, now: @escaping @Sendable () -> Date = { Date() }) {
        self.tokens = tokens
        self.idleTimeout = idleTimeout
        self.now = now
    }

    /// A new session for the token whose secret this is; nil when no token has it.
    public func signIn(secret: String) -> (Session, Token)? {
        guard let token = tokens.token(forSecret: secret.trimmingCharacters(in: .whitespacesAndNewlines)) else { return nil }
        let session = Session(id: Self.randomHex(32), csrf: Self.randomHex(32), tokenID: token.id, tokenHash: token.sha256, lastUsed: now())
        sessions.withLock { sessions in
            // Forget idle sessions on the way, so the table cannot grow without bound.
            let cutoff = now().addingTimeInterval(-idleTimeout)
            sessions = sessions.filter { $0.value.lastUsed > cutoff }
            sessions[session.id] = session
        }
        return (session, token)
    }

    /// The live session with this id and its token, marked as used now; nil when there is none,
    /// it went idle, or its token was revoked (the session is then forgotten).
    public func session(id: String?) -> (Session, Token)? {
        guard let id, !id.isEmpty else { return nil }
        let at = now()
        guard let session = sessions.withLock({ sessions -> Session? in
            guard var session = sessions[id] else { return nil }
            guard at.timeIntervalSince(session.lastUsed) < idleTimeout else {
                sessions[id] = nil
                return nil
            }
            session.lastUsed = at
            sessions[id] = session
            return session
        }) else { return nil }
        guard let token = tokens.token(id: session.tokenID, sha256: session.tokenHash) else {
            sessions.withLock { $0[id] = nil }
            return nil
        }
        return (session, token)
    }

    public func signOut(id: String) {
        sessions.withLock { $0[id] = nil }
    }

    /// Whether `presented` is the session's CSRF token (compared in constant time).
    public static func csrfMatches(_ session: Session, _ presented: String?) -> Bool {
        guard let presented else { return false }
        let a = Array(session.csrf.utf8), b = Array(presented.utf8)
        guard a.count == b.count else { return false }
        var difference: UInt8 = 0
        for index in a.indices { difference |= a[index] ^ b[index] }
        return difference == 0
    }

    /// `count` random bytes from the system's generator (getrandom), as hex.
    static func randomHex(_ count: Int) -> String {
        var generator = SystemRandomNumberGenerator()
        return (0..<count).map { _ in String(format: "%02x", UInt8.random(in: .min ... .max, using: &generator)) }.joined()
    }
}
