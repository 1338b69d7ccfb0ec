public import Foundation
#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// An advisory lock on a file (`flock(2)`): the one way jobctl's processes take turns — one daemon
/// per root (`.jobctl/serve.lock`), token and rate-limit changes (read-modify-write under a lock),
/// and appends to a history file (locked on the file itself).
///
/// The kernel drops the lock when the descriptor is closed or the process dies, so a crash never
/// leaves a stale lock. A `FileLock` holds its descriptor from `init` to `deinit`.
///
/// ```swift
/// let lock = try FileLock(path: root + "/.jobctl/tokens.lock")
/// try lock.withExclusiveLock { try rewriteTheTokenFile() }
/// ```
public final class FileLock: Sendable {
    public let path: String
    private let descriptor: Int32

    /// Opens (creating it and its folder when missing) the lock file.
    /// - Throws: ``HistoryError`` (`.io`) when it cannot be opened.
    public init(path: String, mode: mode_t = 0o644) throws(HistoryError) {
        self.path = path
        try SystemCalls.createFolders((path as NSString).deletingLastPathComponent)
        descriptor = try SystemCalls.open(path, O_RDWR | O_CREAT, mode)
    }

    deinit {
        close(descriptor)
    }

    /// Takes the lock exclusively without waiting.
    /// - Returns: false when another descriptor (another process, or another `FileLock` on the
    ///   same file) holds it.
    public func tryExclusive() throws(HistoryError) -> Bool {
        try FileLock.tryLock(descriptor, path: path)
    }

    /// Releases a lock taken with ``tryExclusive()`` (closing the descriptor in `deinit` releases it too).
    public func unlock() {
        flock(descriptor, LOCK_UN)
    }

    /// Runs `body` holding the lock exclusively (waiting for it), then releases it.
    public func withExclusiveLock<T, E: Error>(_ body: () throws(E) -> T) throws(E) -> T {
        // A lock that cannot be taken at all (EBADF, ENOLCK) is not a reason to lose the change.
        try? FileLock.lock(descriptor, LOCK_EX, path: path)
        defer { flock(descriptor, LOCK_UN) }
        return try body()
    }

    /// Replaces the file's content with `text` (for a lock file that names its holder, e.g. a pid).
    public func writeHolder(_ text: String) {
        ftruncate(descriptor, 0)
        let bytes = Array(text.utf8)
        _ = bytes.withUnsafeBytes { pwrite(descriptor, $0.baseAddress, $0.count, 0) }
    }

    /// `flock(LOCK_EX | LOCK_NB)` on an open descriptor: false when another descriptor holds it.
    static func tryLock(_ fd: Int32, path: String) throws(HistoryError) -> Bool {
        while flock(fd, LOCK_EX | LOCK_NB) != 0 {
            if errno == EWOULDBLOCK { return false }
            if errno != EINTR { throw SystemCalls.failure("flock", path) }
        }
        return true
    }

    /// `flock(2)` on an open descriptor, waiting; EINTR retried.
    static func lock(_ fd: Int32, _ operation: Int32, path: String) throws(HistoryError) {
        while flock(fd, operation) != 0 {
            if errno != EINTR { throw SystemCalls.failure("flock", path) }
        }
    }
}
