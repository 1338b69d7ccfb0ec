import Foundation
#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// A child process as an in-flight marker records it: enough to tell, after a crash and
/// restart, whether a process with that pid is still the same process (pids are reused).
///
/// Identity is (boot, pid, start time): the start time is field 22 of `/proc/<pid>/stat`, in
/// clock ticks since boot, and the boot id is `/proc/sys/kernel/random/boot_id`.
public struct ProcessIdentity: Sendable, Hashable, Codable {
    public var pid: Int32
    /// The child's process group (its own session: equal to `pid` for a session leader).
    public var processGroup: Int32
    public var session: Int32?
    /// Clock ticks after boot at which `pid` started; nil where `/proc` is not available.
    public var startTime: UInt64?
    public var bootID: String?
    /// The step's own cgroup (a folder of the cgroup2 hierarchy), where the machine lets jobctl
    /// make one: it holds every process the step started, also those that left its session.
    public var cgroup: String?

    public init(pid: Int32, processGroup: Int32, session: Int32? = nil, startTime: UInt64? = nil, bootID: String? = nil) {
        self.pid = pid
        self.processGroup = processGroup
        self.session = session
        self.startTime = startTime
        self.bootID = bootID
    }

    /// Reads the identity of a running process from `/proc`; nil when it does not exist.
    /// Call it right after spawning the child (its process group must already be set).
    public static func of(pid: Int32) -> ProcessIdentity? {
        guard let stat = ProcStat(pid: pid) else {
            #if os(Linux)
            return nil
            #else
            let group = getpgid(pid)
            return group < 0 ? nil : ProcessIdentity(pid: pid, processGroup: group)
            #endif
        }
        return ProcessIdentity(pid: pid, processGroup: stat.processGroup, session: stat.session, startTime: stat.startTime, bootID: currentBootID)
    }

    /// This process.
    public static let current: ProcessIdentity = of(pid: getpid()) ?? ProcessIdentity(pid: getpid(), processGroup: getpgrp())

    static var currentBootID: String? {
        guard let data = ProcFiles.contents(of: "/proc/sys/kernel/random/boot_id") else { return nil }
        return String(decoding: data, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
    }

    /// Whether this exact process (same boot, pid and start time) is still running.
    public var isRunning: Bool {
        if let bootID, let current = Self.currentBootID, bootID != current { return false }
        guard let stat = ProcStat(pid: pid) else { return false }
        if let startTime { return stat.startTime == startTime && !stat.isZombie }
        return !stat.isZombie
    }
}

/// Kills a run's process group that outlived the jobctl that started it.
public enum OrphanedProcessGroup {
    public enum Outcome: Sendable, Hashable {
        /// Nothing of it is running.
        case gone
        /// The group was ours and got SIGKILL.
        case killed
        /// Something runs under that pid or group, but it is not the recorded process (the pid
        /// was reused after a reboot or wrap-around); left alone.
        case notOurs
    }

    /// Sends SIGKILL to everything left of a crashed jobctl's step: its process group (see
    /// ``kill(processGroupOf:)``) and every process in the step's cgroup when one was recorded —
    /// also those that left the session (`setsid`), which no group or session sweep can find.
    /// The cgroup is only touched when it is a jobctl step cgroup whose jobctl is gone.
    public static func kill(_ identity: ProcessIdentity) -> Outcome {
        let group = kill(processGroupOf: identity)
        guard let cgroup = identity.cgroup, let escaped = StepCgroupFolder.killOrphans(in: cgroup), escaped > 0 else { return group }
        return .killed
    }

    /// Sends SIGKILL to the recorded process group if it is still the one the marker recorded.
    ///
    /// - The leader (pid = group id) still runs with the recorded start time: kill the group.
    /// - The leader is gone but members of the group remain: the group id cannot have been
    ///   reused while they live, so they are ours when they started no earlier than the leader
    ///   and sit in the recorded session; kill the group.
    /// - Otherwise the pid was reused, or nothing runs: leave it.
    public static func kill(processGroupOf identity: ProcessIdentity) -> Outcome {
        let group = identity.processGroup
        guard group > 1, group != getpgrp() else { return .notOurs }
        if let bootID = identity.bootID, let current = ProcessIdentity.currentBootID, bootID != current { return .gone }
        if let leader = ProcStat(pid: group), !leader.isZombie {
            let ours = identity.pid == group ? (identity.startTime.map { $0 == leader.startTime } ?? true) : leader.processGroup == group
            guard ours, leader.processGroup == group else { return .notOurs }
            return signal(group)
        }
        // The leader exited (or is a zombie): look for members left behind.
        let members = groupMembers(group)
        guard !members.isEmpty else { return .gone }
        let ours = members.allSatisfy { member in
            (identity.startTime.map { member.startTime >= $0 } ?? true) && (identity.session.map { member.session == $0 } ?? true)
        }
        guard ours else { return .notOurs }
        return signal(group)
    }

    private static func signal(_ group: Int32) -> Outcome {
        if SystemCalls.signalGroup(group, SIGKILL) == 0 { return .killed }
        return errno == ESRCH ? .gone : .notOurs
    }

    /// Live processes whose process group is `group`, from `/proc`.
    static func groupMembers(_ group: Int32) -> [ProcStat] {
        ProcFiles.processIDs().compactMap { pid -> ProcStat? in
            guard let stat = ProcStat(pid: pid), stat.processGroup == group, !stat.isZombie else { return nil }
            return stat
        }
    }
}

/// The cgroup folder of one step (`…/jobctl-<pid>/step-<n>`): killing what is in it, and
/// reading its members. The one place that writes `cgroup.kill`.
public enum StepCgroupFolder {
    /// The pids in the cgroup now.
    public static func members(of folder: String) -> [Int32] {
        guard let bytes = ProcFiles.contents(of: folder + "/cgroup.procs") else { return [] }
        return bytes.split(separator: UInt8(ascii: "\n")).compactMap { Int32(String(decoding: $0, as: UTF8.self)) }
    }

    /// SIGKILL to every process of the cgroup at once (`cgroup.kill`).
    public static func killEveryProcess(in folder: String) {
        let descriptor = open(folder + "/cgroup.kill", O_WRONLY | O_CLOEXEC)
        guard descriptor >= 0 else { return }
        _ = write(descriptor, "1", 1)
        close(descriptor)
    }

    /// After a crash: kills what is left in a step cgroup of a jobctl process that is gone;
    /// returns how many processes were in it, nil when `folder` is not such a cgroup (or its
    /// jobctl still runs: then it is not an orphan).
    public static func killOrphans(in folder: String) -> Int? {
        let parts = folder.split(separator: "/")
        guard parts.count >= 2, parts.last!.hasPrefix("step-"),
              let owner = pid_t(parts[parts.count - 2].dropFirst("jobctl-".count)), parts[parts.count - 2].hasPrefix("jobctl-") else { return nil }
        if owner != getpid(), Glibc.kill(owner, 0) == 0 || errno != ESRCH { return nil }
        let found = members(of: folder)
        guard !found.isEmpty else { return 0 }
        killEveryProcess(in: folder)
        return found.count
    }
}
