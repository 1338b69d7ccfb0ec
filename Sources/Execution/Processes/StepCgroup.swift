import Foundation
import History
import Locks
#if canImport(Glibc)
import Glibc
#endif

/// A cgroup (v2) of its own for each step's child, where the machine lets jobctl make one: every
/// process the step starts stays in it whatever it does — a new process group, a new session
/// (`setsid`), an empty environment — so `cgroup.kill` ends all of them at once, and what is left
/// after the step is found by reading `cgroup.procs`.
///
/// Available when a cgroup2 hierarchy with `cgroup.kill` (Linux 5.14) is mounted and this
/// process may create a cgroup below its own (root, or a delegated subtree such as systemd's
/// `Delegate=yes`). Otherwise ``base`` is nil and the session sweep (``ProcessGroup``) and the
/// `JOBCTL_RUN` sweep (``SessionEscapes``) are what account for a step's processes.
///
/// The child enters its cgroup before it runs anything: it is started through `/bin/sh -c 'echo $$
/// > PROCS && exec "$@"'`, whose arguments are passed as positional parameters, never parsed by
/// the shell.
public struct StepCgroup: Sendable {
    let path: String

    /// `<cgroup2 mount><this process's cgroup>/jobctl-<pid>`, made once; nil where unavailable.
    static let base: String? = {
        #if os(Linux)
        guard let mount = cgroup2Mount(), let own = ownCgroup() else { return nil }
        let parent = mount + (own == "/" ? "" : own)
        removeStale(in: parent)
        let folder = parent + "/jobctl-\(getpid())"
        guard mkdir(folder, 0o755) == 0 || errno == EEXIST, access(folder + "/cgroup.kill", W_OK) == 0 else { return nil }
        atexit { if let base = StepCgroup.base { rmdir(base) } }
        return folder
        #else
        return nil
        #endif
    }()

    private static let counter = Locked(0)

    /// Where step cgroups are in use and the cgroup2 hierarchy is mounted without
    /// `favordynmods`: a note that each step's move into its cgroup waits for the kernel (an RCU
    /// grace period, 5–16 ms measured here; ~0.4 ms with the option), and how to change that.
    /// nil otherwise.
    public static var slowMigrationNote: String? {
        #if os(Linux)
        guard base != nil, let mount = cgroup2MountEntry(), !mount.options.contains("favordynmods") else { return nil }
        return "note: cgroup2 at \(mount.point) is mounted without favordynmods, so moving each step into its own cgroup waits for the kernel (5-16 ms measured); `mount -o remount,favordynmods \(mount.point)` (or systemd's cgroup settings) makes it ~0.4 ms"
        #else
        return nil
        #endif
    }

    /// A new, empty cgroup under ``base``; nil where cgroups are unavailable (or making it failed).
    static func make() -> StepCgroup? {
        guard let base else { return nil }
        let number = counter.withLock { count in
            count += 1
            return count
        }
        let path = base + "/step-\(number)"
        guard mkdir(path, 0o755) == 0 else { return nil }
        return StepCgroup(path: path)
    }

    /// `program arguments…` started so that it first moves itself into this cgroup.
    func entering(_ program: String, _ arguments: [String]) -> (program: String, arguments: [String]) {
        ("/bin/sh", ["-c", "echo $$ > \"$0\" && exec \"$@\"", path + "/cgroup.procs", program] + arguments)
    }

    /// The pids in the cgroup now.
    func members() -> [pid_t] {
        StepCgroupFolder.members(of: path)
    }

    /// Ends every process still in the cgroup — SIGTERM, then after `grace` SIGKILL to all at once
    /// through `cgroup.kill` — waits until it is empty and reaps those that were this process's
    /// children (orphans handed to it as the subreaper). Returns the pids that were there.
    func endAll(grace: Duration) async -> [pid_t] {
        let found = members()
        guard !found.isEmpty else { return [] }
        for pid in found { kill(pid, SIGTERM) }
        if await !waitUntilEmpty(within: grace) {
            StepCgroupFolder.killEveryProcess(in: path)
            _ = await waitUntilEmpty(within: .seconds(5))
        }
        var status: Int32 = 0
        for pid in found { waitpid(pid, &status, WNOHANG) }
        return found
    }

    private func waitUntilEmpty(within limit: Duration) async -> Bool {
        await ProcessGroup.poll(within: limit) { members().isEmpty }
    }

    /// Removes the (empty) cgroup.
    func remove() {
        rmdir(path)
    }

    /// Removes the empty cgroups of earlier jobctl processes that are gone (killed before they
    /// could). Processes still in one are left alone: the recovery of that root kills the process
    /// groups its markers recorded, and a jobctl of another root must not touch them.
    private static func removeStale(in parent: String) {
        guard let names = try? FileManager.default.contentsOfDirectory(atPath: parent) else { return }
        for name in names where name.hasPrefix("jobctl-") {
            guard let pid = pid_t(name.dropFirst("jobctl-".count)), pid != getpid(), kill(pid, 0) != 0, errno == ESRCH else { continue }
            let folder = parent + "/" + name
            for step in (try? FileManager.default.contentsOfDirectory(atPath: folder)) ?? [] where step.hasPrefix("step-") {
                rmdir(folder + "/" + step)
            }
            rmdir(folder)
        }
    }

    /// Where the cgroup2 hierarchy is mounted (`/sys/fs/cgroup`, or `/sys/fs/cgroup/unified` on a
    /// hybrid system), from `/proc/self/mountinfo`.
    private static func cgroup2Mount() -> String? {
        cgroup2MountEntry()?.point
    }

    /// The cgroup2 mount point and its super-block options (where `favordynmods` shows).
    private static func cgroup2MountEntry() -> (point: String, options: [Substring])? {
        guard let bytes = ProcFiles.contents(of: "/proc/self/mountinfo") else { return nil }
        for line in String(decoding: bytes, as: UTF8.self).split(separator: "\n") {
            // "id parent major:minor root mountpoint options... - fstype source super-options"
            let halves = line.components(separatedBy: " - ")
            guard halves.count == 2, halves[1].hasPrefix("cgroup2 ") else { continue }
            let fields = halves[0].split(separator: " ")
            let tail = halves[1].split(separator: " ")
            if fields.count > 4 { return (String(fields[4]), tail.count > 2 ? tail[2].split(separator: ",") : []) }
        }
        return nil
    }

    /// This process's cgroup2 path (`0::/path` in `/proc/self/cgroup`).
    private static func ownCgroup() -> String? {
        guard let bytes = ProcFiles.contents(of: "/proc/self/cgroup") else { return nil }
        for line in String(decoding: bytes, as: UTF8.self).split(separator: "\n") where line.hasPrefix("0::") {
            return String(line.dropFirst(3))
        }
        return nil
    }
}
