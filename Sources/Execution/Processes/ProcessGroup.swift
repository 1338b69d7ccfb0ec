import Foundation
import History
import Locks
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The session a step's child leads (its process group too, with the same id): every process
/// the step starts stays in it unless it calls `setsid`. `kill(-id, ...)` reaches the group; the
/// members that moved to a process group of their own (`timeout`, `setpgid`, Python's
/// `process_group=0`) are found by their session id — among the step's cgroup's processes when
/// the step has one (a few), else in all of `/proc`.
struct ProcessGroup: Sendable {
    let id: pid_t
    /// The step's cgroup (``StepCgroup``), which holds every live process of the session: where
    /// the session's members are looked for instead of all of `/proc`.
    var cgroup: String?

    init(id: pid_t, cgroup: String? = nil) {
        self.id = id
        self.cgroup = cgroup
    }

    /// Whether any process of the session is still there. The group's exited processes that this
    /// process is the parent of (orphans handed to it as the subreaper) are reaped first, so a
    /// dead group reads as dead; orphans of the session's other groups are reaped by
    /// ``OrphanReaper``.
    func isAlive() -> Bool {
        var status: Int32 = 0
        while waitpid(-id, &status, WNOHANG) > 0 {}
        OrphanReaper.reapIfDue()
        if kill(-id, 0) == 0 || errno == EPERM { return true }
        return !members().isEmpty
    }

    /// The session's live processes outside its own group (the group itself is reached with
    /// `kill(-id, …)`).
    private func members() -> [pid_t] {
        guard let cgroup else { return ProcessTable.members(ofSession: id).map(\.pid) }
        // Zombies are not listed in cgroup.procs.
        return StepCgroupFolder.members(of: cgroup).filter { ProcStat(pid: $0).map { $0.session == id && !$0.isZombie } ?? false }
    }

    /// Ends whatever of the session is still running: SIGTERM, then SIGKILL after `grace`,
    /// waiting (on the real clock, not cancellable) until the session is gone.
    ///
    /// - Returns: true when something was still running and had to be signalled.
    @discardableResult
    func terminate(grace: Duration) async -> Bool {
        guard isAlive() else { return false }
        let group = self
        // Detached so that a cancelled caller still waits for the session to be gone.
        await Task.detached {
            group.signal(SIGTERM)
            if await group.waitUntilGone(within: grace) { return }
            group.signal(SIGKILL)
            _ = await group.waitUntilGone(within: .seconds(5))
        }.value
        return true
    }

    /// `signal` to the group and to each member of the session in another group.
    private func signal(_ signal: Int32) {
        kill(-id, signal)
        for member in members() { kill(member, signal) }
    }

    /// Polls until the session has no process left, or `limit` passes. Returns whether it is gone.
    private func waitUntilGone(within limit: Duration) async -> Bool {
        await ProcessGroup.poll(within: limit) { !isAlive() }
    }

    /// Checks `condition` with a backoff from 1 ms to 50 ms (real clock) until it holds or
    /// `limit` passes; returns whether it held. How jobctl waits for processes to be gone.
    static func poll(within limit: Duration, until condition: () -> Bool) async -> Bool {
        let clock = ContinuousClock()
        let deadline = clock.now.advanced(by: limit)
        var interval = Duration.milliseconds(1)
        while clock.now < deadline {
            if condition() { return true }
            try? await Task.sleep(for: interval)
            interval = min(interval * 2, .milliseconds(50))
        }
        return condition()
    }

}

/// Reaps orphans a step left behind in a process group of their own, handed to jobctl as the
/// subreaper, that exited after their step's group was swept: this process's exited children
/// whose session is a step's (one that runs, or one of the last 4,096 that ended) and that do not
/// lead it. No other child is touched: another part of jobctl (or a library) that started a
/// process waits for it itself. It reads every child's `/proc` entry, so it runs at most once a
/// second.
enum OrphanReaper {
    private struct State {
        var last: ContinuousClock.Instant?
        /// Sessions of steps that ended, oldest first.
        var ended: [pid_t] = []
        var endedSet: Set<pid_t> = []
    }

    private static let state = Locked(State())

    /// A step's session ended: its orphans are still looked for.
    static func sessionEnded(_ session: pid_t) {
        state.withLock { state in
            guard state.endedSet.insert(session).inserted else { return }
            state.ended.append(session)
            if state.ended.count > 4_096 { state.endedSet.remove(state.ended.removeFirst()) }
        }
    }

    static func reapIfDue() {
        let now = ContinuousClock.now
        let sessions: Set<pid_t>? = state.withLock { state in
            if let previous = state.last, previous.duration(to: now) < .seconds(1) { return nil }
            state.last = now
            return state.endedSet
        }
        guard var sessions else { return }
        sessions.formUnion(ChildProcess.liveLeaders.withLock { $0 })
        var status: Int32 = 0
        for child in ProcessTable.children() {
            guard let entry = ProcStat(pid: child), entry.isZombie, entry.session != child, sessions.contains(entry.session),
                  entry.parent == getpid() else { continue }
            waitpid(child, &status, WNOHANG)
        }
    }
}

/// What `/proc` says about processes (read through History's `ProcFiles` and `ProcStat`, the
/// one reader of `/proc`): session members, and this process's children.
enum ProcessTable {
    /// The processes whose session id is `session` (zombies left out unless asked for).
    static func members(ofSession session: pid_t, includingZombies: Bool = false) -> [ProcStat] {
        ProcFiles.processIDs().compactMap(ProcStat.init(pid:)).filter { $0.session == session && (includingZombies || !$0.isZombie) }
    }

    /// This process's children, from `/proc/self/task/*/children`.
    static func children() -> [pid_t] {
        ProcFiles.processIDs(in: "/proc/self/task").flatMap { task in
            (ProcFiles.contents(of: "/proc/self/task/\(task)/children") ?? []).split(separator: UInt8(ascii: " ")).compactMap { pid_t(String(decoding: $0, as: UTF8.self)) }
        }
    }

    /// Whether the process's environment holds every one of `entries` (`NAME=value`): how a
    /// process that left its session is still known to belong to a run.
    static func environment(of pid: pid_t, holds entries: [String]) -> Bool {
        guard let data = ProcFiles.contents(of: "/proc/\(pid)/environ") else { return false }
        let variables = Set(data.split(separator: 0).map { String(decoding: $0, as: UTF8.self) })
        return entries.allSatisfy(variables.contains)
    }
}

/// Processes a step started that left its session (`setsid`): re-parented to jobctl (the child
/// subreaper) once their parent in the session is gone, and known by the `JOBCTL_RUN` and
/// `JOBCTL_STEP` they inherited. Found after the step's session is swept, and ended the same way.
enum SessionEscapes {
    /// Ends this step's escaped processes; returns their pids (empty when none).
    static func sweep(run: String, step: String, grace: Duration) async -> [pid_t] {
        let tags = ["JOBCTL_RUN=" + run, "JOBCTL_STEP=" + step]
        let leaders = ChildProcess.liveLeaders.withLock { $0 }
        let escaped = ProcessTable.children().filter { pid in
            guard !leaders.contains(pid), let entry = ProcStat(pid: pid), !entry.isZombie, entry.session == pid else { return false }
            return ProcessTable.environment(of: pid, holds: tags)
        }
        // Each leads a session of its own now: end it (and whatever it started) as a step's.
        for pid in escaped { await ProcessGroup(id: pid).terminate(grace: grace) }
        return escaped
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
        Prctl.call(Prctl.setChildSubreaper, 1)
    }()
}
