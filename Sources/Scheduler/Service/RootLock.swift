public import Foundation
public import History

/// One daemon per root: an exclusive ``FileLock`` on `.jobctl/serve.lock`, held for the process's
/// life. The kernel releases it when the process dies, so a crash never leaves a stale lock.
public final class RootLock: Sendable {
    public let path: String
    private let lock: FileLock

    public struct Held: Error, CustomStringConvertible {
        public var description: String
    }

    /// - Throws: `Held` when another process holds the lock (its pid is in the message).
    public init(root: String) throws {
        path = root + "/.jobctl/serve.lock"
        do {
            lock = try FileLock(path: path)
            guard try lock.tryExclusive() else {
                let holder = (try? String(contentsOfFile: path, encoding: .utf8))?.trimmingCharacters(in: .whitespacesAndNewlines) ?? ""
                throw Held(description: "another jobctl serve is already running on this root\(holder.isEmpty ? "" : " (pid \(holder))"); one daemon per root (lock: \(path))")
            }
        } catch let error as HistoryError {
            throw Held(description: "cannot open \(path): \(error)")
        }
        lock.writeHolder("\(getpid())\n")
    }
}
