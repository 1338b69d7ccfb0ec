import Foundation
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The process group (and session) a step's child leads: `kill(-pgid, ...)` reaches the whole
/// tree it started, unless a descendant moved itself to a session of its own.
struct ProcessGroup: Sendable {
    let id: pid_t

    /// Whether any process of the group is still there. Zombies that this process is the
    /// parent of (orphans handed to it as the subreaper) are reaped first, so a dead group reads
    /// as dead.
    func isAlive() -> Bool {
        reapOrphans()
        if kill(-id, 0) == 0 { return true }
        return errno == EPERM
    }

    /// Ends whatever of the group is still running: SIGTERM, then SIGKILL after `grace`, waiting
    /// (on the real clock, not cancellable) until the group is gone.
    ///
    /// - Returns: true when something was still running and had to be signalled.
    @discardableResult
    func terminate(grace: Duration) async -> Bool {
        guard isAlive() else { return false }
        let group = self
        // Detached so that a cancelled caller still waits for the group to be gone.
        await Task.detached {
            kill(-group.id, SIGTERM)
            if await group.waitUntilGone(within: grace) { return }
            kill(-group.id, SIGKILL)
            _ = await group.waitUntilGone(within: .seconds(5))
        }.value
        return true
    }

    /// Polls until the group has no process left, or `limit` passes. Returns whether it is gone.
    private func waitUntilGone(within limit: Duration) async -> Bool {
        let clock = ContinuousClock()
        let deadline = clock.now.advanced(by: limit)
        var interval = Duration.milliseconds(1)
        while clock.now < deadline {
            if !isAlive() { return true }
            try? await Task.sleep(for: interval)
            interval = min(interval * 2, .milliseconds(50))
        }
        return !isAlive()
    }

    /// Reaps this group's children that have exited. Only orphans of the group are this process's
    /// children (the leader is reaped by Subprocess before the group is examined).
    private func reapOrphans() {
        var status: Int32 = 0
        while waitpid(-id, &status, WNOHANG) > 0 {}
    }
}

/// Process-wide settings every executor needs, applied once.
enum ProcessSetup {
    /// - Ignores SIGPIPE, so a step that closes its stdin before reading the whole prompt makes
    ///   the write fail with EPIPE instead of killing jobctl. (Children get default signal
    ///   dispositions back: Subprocess resets them at spawn.)
    /// - On Linux, makes this process a child subreaper: processes a step left behind are
    ///   re-parented here instead of to PID 1, so they can be reaped and their group seen to be
    ///   gone. (Many container init processes never reap orphans.)
    static let once: Void = {
        signal(SIGPIPE, SIG_IGN)
        #if os(Linux)
        // prctl is variadic in C, which Swift cannot call directly; glibc reads its arguments as
        // unsigned longs, so a fixed five-argument signature is the documented calling shape.
        typealias Prctl = @convention(c) (Int32, UInt, UInt, UInt, UInt) -> Int32
        if let symbol = dlsym(nil, "prctl") {  // nil is RTLD_DEFAULT
            let prctl = unsafeBitCast(symbol, to: Prctl.self)
            _ = prctl(36 /* PR_SET_CHILD_SUBREAPER */, 1, 0, 0, 0)
        }
        #endif
    }()
}
