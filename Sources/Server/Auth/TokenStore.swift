public import Foundation
import Crypto
import History
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The tokens of a root, in `<root>/.jobctl/tokens.json` (mode 0600, in the git-ignored local
/// state): ids, names, scopes, job globs and the SHA-256 of each secret, never a secret itself.
///
/// ```swift
/// let store = TokenStore(root: ".")
/// let (token, secret) = try store.create(scope: .run, jobs: "reports/*", name: "ci")
/// ```
/// Changes are read-modify-write under an exclusive `flock` of `.jobctl/tokens.lock` and land by
/// rename, so a daemon reading the file never sees half of it.
public struct TokenStore: Sendable {
    public let path: String

    public init(root: String) {
        self.path = URL(fileURLWithPath: root).standardizedFileURL.path + "/.jobctl/tokens.json"
    }

    public init(path: String) {
        self.path = path
    }

    struct File: Codable {
        var version = 1
        var tokens: [Token]
    }

    /// Every token, oldest first; none when the file does not exist.
    /// - Throws: ``TokenStoreError`` when the file exists but cannot be read or parsed.
    public func tokens() throws(TokenStoreError) -> [Token] {
        guard let data = FileManager.default.contents(atPath: path) else {
            if FileManager.default.fileExists(atPath: path) { throw TokenStoreError("\(path) cannot be read") }
            return []
        }
        do {
            return try JSONDecoder().decode(File.self, from: data).tokens
        } catch {
            throw TokenStoreError("\(path) is not a tokens file: \(error)")
        }
    }

    /// Makes a token and stores its hash; returns it with the secret (shown once, never stored).
    /// - Throws: ``TokenStoreError`` for a name already in use, an invalid glob, or a file that cannot be written.
    public func create(scope: Scope, jobs: String?, name: String?) throws(TokenStoreError) -> (token: Token, secret: String) {
        if let jobs, let problem = JobGlob.problem(with: jobs) { throw TokenStoreError("--jobs \(problem)") }
        if let name, name.isEmpty || name.contains(where: { $0.isWhitespace || $0.isNewline }) {
            throw TokenStoreError("--name: '\(name)' must be non-empty, without spaces")
        }
        let secret = "jct_" + Self.randomText(bytes: 32)
        let id = "tok_" + Self.randomText(bytes: 6).lowercased().filter { $0.isLetter || $0.isNumber }.prefix(8)
        let token = Token(id: String(id), name: name ?? String(id), scope: scope, jobs: jobs,
                          sha256: Self.sha256Hex(secret), createdAt: ISO8601DateFormatter().string(from: Date()))
        try modify { (tokens: inout [Token]) throws(TokenStoreError) in
            if tokens.contains(where: { $0.name == token.name || $0.id == token.name }) {
                throw TokenStoreError("a token named '\(token.name)' exists; revoke it first or pick another --name")
            }
            tokens.append(token)
        }
        return (token, secret)
    }

    /// Removes the token with this name or id; returns it.
    /// - Throws: ``TokenStoreError`` when there is no such token.
    @discardableResult
    public func revoke(_ nameOrID: String) throws(TokenStoreError) -> Token {
        var removed: Token?
        try modify { (tokens: inout [Token]) throws(TokenStoreError) in
            guard let index = tokens.firstIndex(where: { $0.id == nameOrID }) ?? tokens.firstIndex(where: { $0.name == nameOrID }) else {
                throw TokenStoreError("no token named '\(nameOrID)' (see `jobctl token list`)")
            }
            removed = tokens.remove(at: index)
        }
        return removed!
    }

    private func modify(_ change: (inout [Token]) throws(TokenStoreError) -> Void) throws(TokenStoreError) {
        let folder = (path as NSString).deletingLastPathComponent
        do {
            try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700])
        } catch {
            throw TokenStoreError("cannot create \(folder): \(error)")
        }
        let lock: FileLock
        do { lock = try FileLock(path: folder + "/tokens.lock", mode: 0o600) } catch { throw TokenStoreError("cannot open \(folder)/tokens.lock: \(error)") }
        try lock.withExclusiveLock { () throws(TokenStoreError) in try rewrite(change) }
    }

    /// The read-modify-write of `modify`, under its lock.
    private func rewrite(_ change: (inout [Token]) throws(TokenStoreError) -> Void) throws(TokenStoreError) {
        var tokens = try self.tokens()
        try change(&tokens)
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        let data: Data
        do { data = try encoder.encode(File(tokens: tokens)) } catch { throw TokenStoreError("cannot encode the tokens: \(error)") }
        let temporary = path + ".tmp-\(getpid())"
        let fd = open(temporary, O_CREAT | O_TRUNC | O_WRONLY | O_CLOEXEC, 0o600)
        guard fd >= 0 else { throw TokenStoreError("cannot write \(temporary): \(String(cString: strerror(errno)))") }
        let bytes = [UInt8](data) + [0x0A]
        let written = bytes.withUnsafeBytes { write(fd, $0.baseAddress, $0.count) }
        fchmod(fd, 0o600)
        fsync(fd)
        close(fd)
        guard written == bytes.count, rename(temporary, path) == 0 else {
            unlink(temporary)
            throw TokenStoreError("cannot write \(path): \(String(cString: strerror(errno)))")
        }
    }

    /// Lower-case hex SHA-256 of `text`'s UTF-8 bytes.
    public static func sha256Hex(_ text: String) -> String {
        SHA256.hash(data: Array(text.utf8)).map { byte in
            let hex = String(byte, radix: 16)
            return byte < 16 ? "0" + hex : hex
        }.joined()
    }

    /// base64url without padding of `bytes` random bytes from the system's CSPRNG.
    static func randomText(bytes count: Int) -> String {
        var generator = SystemRandomNumberGenerator()
        let bytes = (0..<count).map { _ in UInt8.random(in: .min ... .max, using: &generator) }
        return Data(bytes).base64EncodedString()
            .replacingOccurrences(of: "+", with: "-").replacingOccurrences(of: "/", with: "_").replacingOccurrences(of: "=", with: "")
    }
}

/// A token file that cannot be read or changed, or a request to it that makes no sense.
public struct TokenStoreError: Error, Sendable, CustomStringConvertible {
    public var message: String
    public init(_ message: String) { self.message = message }
    public var description: String { message }
}
