import Crypto
import Foundation
import Locks
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Checks bearer tokens against the hashes in the token file, re-reading it whenever it changes
/// (by inode, size or modification time), so `jobctl token create|revoke` takes effect on the
/// next request without a restart.
///
/// The presented secret is hashed (SHA-256) and compared with every stored hash in constant time:
/// no early exit on the first differing byte, nor on the first match.
public final class TokenAuthenticator: Sendable {
    public let store: TokenStore
    private let log: @Sendable (String) -> Void

    private struct Loaded {
        var signature: FileSignature?
        var tokens: [(token: Token, hash: [UInt8])] = []
    }

    private struct FileSignature: Equatable {
        var inode: UInt64
        var size: Int64
        var seconds: Int
        var nanoseconds: Int
    }

    private let loaded = Locked(Loaded())

    public init(store: TokenStore, log: @escaping @Sendable (String) -> Void = { _ in }) {
        self.store = store
        self.log = log
    }

    /// The token whose secret is `secret`, or nil.
    public func token(forSecret secret: String) -> Token? {
        let presented = Array(SHA256.hash(data: Array(secret.utf8)))
        let tokens = current()
        var found: Token?
        for entry in tokens {
            if Self.constantTimeEqual(entry.hash, presented) && found == nil { found = entry.token }
        }
        return found
    }

    /// The token of an `Authorization: Bearer <secret>` header value, or nil.
    /// The token with this id and hash, when it is still in the token file (not revoked):
    /// how a dashboard session, which keeps no secret, checks its token on every request.
    public func token(id: String, sha256: String) -> Token? {
        current().first { $0.token.id == id && $0.token.sha256 == sha256 }?.token
    }

    public func token(forAuthorization header: String?) -> Token? {
        guard let header else { return nil }
        let parts = header.split(separator: " ", maxSplits: 1, omittingEmptySubsequences: true)
        guard parts.count == 2, parts[0].lowercased() == "bearer" else { return nil }
        return token(forSecret: parts[1].trimmingCharacters(in: .whitespaces))
    }

    private func current() -> [(token: Token, hash: [UInt8])] {
        let signature = Self.signature(of: store.path)
        return loaded.withLock { state in
            if state.signature == signature && (signature != nil || state.tokens.isEmpty) { return state.tokens }
            state.signature = signature
            do {
                state.tokens = try store.tokens().compactMap { token in
                    Self.bytes(hex: token.sha256).map { (token, $0) }
                }
            } catch {
                log("error: \(error); no token is accepted until it is fixed")
                state.tokens = []
            }
            return state.tokens
        }
    }

    private static func signature(of path: String) -> FileSignature? {
        var info = stat()
        guard stat(path, &info) == 0 else { return nil }
        #if canImport(Darwin)
        return FileSignature(inode: UInt64(info.st_ino), size: Int64(info.st_size), seconds: info.st_mtimespec.tv_sec, nanoseconds: info.st_mtimespec.tv_nsec)
        #else
        return FileSignature(inode: UInt64(info.st_ino), size: Int64(info.st_size), seconds: info.st_mtim.tv_sec, nanoseconds: info.st_mtim.tv_nsec)
        #endif
    }

    static func bytes(hex: String) -> [UInt8]? {
        let digits = Array(hex.utf8)
        guard digits.count % 2 == 0 else { return nil }
        var bytes: [UInt8] = []
        bytes.reserveCapacity(digits.count / 2)
        var index = 0
        while index < digits.count {
            guard let high = nibble(digits[index]), let low = nibble(digits[index + 1]) else { return nil }
            bytes.append(high << 4 | low)
            index += 2
        }
        return bytes
    }

    private static func nibble(_ c: UInt8) -> UInt8? {
        switch c {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): c - UInt8(ascii: "0")
        case UInt8(ascii: "a")...UInt8(ascii: "f"): c - UInt8(ascii: "a") + 10
        case UInt8(ascii: "A")...UInt8(ascii: "F"): c - UInt8(ascii: "A") + 10
        default: nil
        }
    }

    /// Equal length and bytes, in time that depends only on the length.
    static func constantTimeEqual(_ a: [UInt8], _ b: [UInt8]) -> Bool {
        guard a.count == b.count else { return false }
        var difference: UInt8 = 0
        for index in a.indices { difference |= a[index] ^ b[index] }
        return difference == 0
    }
}
