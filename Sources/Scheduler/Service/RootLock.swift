public import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// One daemon per root: an exclusive `flock` on `.jobctl/serve.lock`, held for the process's life.
/// The kernel releases it when the process dies, so a crash never leaves a stale lock.
public final class RootLock: Sendable {
    public let path: String
    private let descriptor: Int32

    public struct Held: Error, CustomStringConvertible {
        public var description: String
    }

    /// - Throws: `Held` when another process holds the lock (its pid is in the message).
    public init(root: String) throws {
        let folder = root + "/.jobctl"
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        path = folder + "/serve.lock"
        let descriptor = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0o644)
        guard descriptor >= 0 else {
            throw Held(description: "cannot open \(path): \(String(cString: strerror(errno)))")
        }
        guard flock(descriptor, LOCK_EX | LOCK_NB) == 0 else {
            let holder = (try? String(contentsOfFile: path, encoding: .utf8))?.trimmingCharacters(in: .whitespacesAndNewlines) ?? ""
            close(descriptor)
            throw Held(description: "another jobctl serve is already running on this root\(holder.isEmpty ? "" : " (pid \(holder))"); one daemon per root (lock: \(path))")
        }
        ftruncate(descriptor, 0)
        let pid = "\(getpid())\n"
        _ = pid.withCString { write(descriptor, $0, strlen($0)) }
        self.descriptor = descriptor
    }

    deinit {
        flock(descriptor, LOCK_UN)
        close(descriptor)
    }
}
