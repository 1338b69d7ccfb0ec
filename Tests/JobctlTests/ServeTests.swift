import Foundation
import History
import Testing
import TestSupport

/// The daemon as users run it: a real `jobctl serve` process on a real git repository.
@Suite("jobctl serve end to end", .serialized)
struct ServeTests {
    struct Record {
        var run: String
        var status: String
        var trigger: String
        var scheduledFor: String?
        var error: String?
    }

    func records(_ repo: TemporaryGitRepository, _ job: String) -> [Record] {
        guard let text = try? String(contentsOfFile: repo.path + "/history/\(job).jsonl", encoding: .utf8) else { return [] }
        return text.split(separator: "\n").compactMap { line in
            guard let object = try? JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any] else { return nil }
            return Record(run: object["run"] as! String, status: object["status"] as! String, trigger: object["trigger"] as! String,
                          scheduledFor: object["scheduledFor"] as? String, error: object["error"] as? String)
        }
    }

    func inFlightMarkers(_ repo: TemporaryGitRepository) -> [[String: Any]] {
        let encoder = JSONEncoder()
        return ((try? FileInFlightRegistry(root: repo.path).list()) ?? []).compactMap { marker in
            (try? encoder.encode(marker)).flatMap { try? JSONSerialization.jsonObject(with: $0) as? [String: Any] }
        }
    }

    @Test func killedMidRunAndRestartedRecordsTheRunInterruptedOnceAndNeverRunsAFireTwice() async throws {
        let repo = try TemporaryGitRepository(files: [
            "jobs/slow.yaml": "schedule: \"*/2 * * * * *\"\nsteps:\n  - run: [sh, -c, 'sleep 60 & sleep 60']\n",
        ])
        let apply = try await JobctlProcess.run(["apply", "--root", repo.path])
        #expect(apply.status == 0, "\(apply.stdout)\(apply.stderr)")

        let first = try DaemonProcess(["serve", "--root", repo.path, "--listen", "off"])
        var marker: [String: Any] = [:]
        let running = try await eventually {
            marker = inFlightMarkers(repo).first { ($0["process"] as? [String: Any]) != nil } ?? [:]
            return !marker.isEmpty
        }
        #expect(running, "no run started: \(first.output)")
        let killedRun = try #require(marker["run"] as? String)
        let groupNumber = try #require((marker["process"] as? [String: Any])?["processGroup"] as? Int)
        let group = Int32(groupNumber)
        first.signal(SIGKILL)
        #expect(try await first.waitForExit(within: 90) != nil)
        #expect(!liveProcesses(inGroup: group).isEmpty, "the orphaned process group outlives the daemon until recovery")

        let second = try DaemonProcess(["serve", "--root", repo.path, "--listen", "off"])
        let recovered = try await eventually { records(repo, "slow").contains { $0.run == killedRun } }
        #expect(recovered, "\(second.output)")
        let interrupted = records(repo, "slow").first { $0.run == killedRun }
        #expect(interrupted?.status == "interrupted")
        #expect(try await eventually { liveProcesses(inGroup: group).isEmpty }, "the orphaned process group was killed")
        // Let the restarted daemon decide a few fires (skipped while its own run is in progress).
        #expect(try await eventually { records(repo, "slow").count >= 3 })
        second.signal(SIGTERM)
        #expect(try await second.waitForExit(within: 90) == 0, "\(second.output)")

        let all = records(repo, "slow")
        #expect(Set(all.map(\.run)).count == all.count, "a run recorded twice")
        let fires = all.compactMap(\.scheduledFor)
        #expect(Set(fires).count == fires.count, "a fire decided twice: \(fires)")
        #expect(inFlightMarkers(repo).isEmpty)
        #expect(all.filter { $0.status == "interrupted" }.map(\.run) == [killedRun])
    }

    /// A step's child that left its session (`setsid`, `env -i`) is out of reach of the process
    /// group and of a session sweep; after a crash, the next daemon kills it through the step's
    /// cgroup, which the marker recorded.
    @Test(.enabled(if: getuid() == 0 && ServeTests.cgroup2Mount != nil))
    func aCrashedDaemonsEscapedProcessIsKilledByTheNextThroughItsCgroup() async throws {
        let pidFile = FileManager.default.temporaryDirectory.appendingPathComponent("jobctl-escaped-\(UUID().uuidString).pid").path
        defer { try? FileManager.default.removeItem(atPath: pidFile) }
        let repo = try TemporaryGitRepository(files: [
            "jobs/escape.yaml": "schedule: \"*/2 * * * * *\"\nconcurrency: skip\nsteps:\n  - run: [sh, -c, \"setsid env -i sh -c 'echo $$ > \(pidFile); exec sleep 300' & sleep 60\"]\n",
        ])
        _ = try await JobctlProcess.run(["apply", "--root", repo.path])
        let first = try DaemonProcess(["serve", "--root", repo.path, "--listen", "off"])
        var marker: [String: Any] = [:]
        var escaped: Int32 = 0
        #expect(try await eventually("the step started its escaped child") {
            marker = inFlightMarkers(repo).first { ($0["process"] as? [String: Any])?["cgroup"] != nil } ?? [:]
            escaped = (try? String(contentsOfFile: pidFile, encoding: .utf8)).flatMap { Int32($0.trimmingCharacters(in: .whitespacesAndNewlines)) } ?? 0
            return !marker.isEmpty && escaped > 0
        }, "\(first.output)")
        let run = try #require(marker["run"] as? String)
        first.signal(SIGKILL)
        #expect(try await first.waitForExit(within: 90) != nil)
        #expect(ProcStat(pid: escaped).map { !$0.isZombie } == true, "the escaped child outlives the crash")
        #expect(ProcStat(pid: escaped)?.session != (marker["process"] as? [String: Any])?["session"] as? Int32, "it left the step's session")

        let second = try DaemonProcess(["serve", "--root", repo.path, "--listen", "off"])
        #expect(try await eventually("the crashed run is recorded") { records(repo, "escape").contains { $0.run == run } }, "\(second.output)")
        #expect(records(repo, "escape").first { $0.run == run }?.status == "interrupted")
        #expect(try await eventually("the escaped child is killed") { ProcStat(pid: escaped).map { $0.isZombie } ?? true })
        second.signal(SIGTERM)
        #expect(try await second.waitForExit(within: 90) == 0, "\(second.output)")
    }

    /// Where cgroup2 is mounted (`/sys/fs/cgroup`, or `/sys/fs/cgroup/unified` on a hybrid host),
    /// when it has `cgroup.kill`; nil elsewhere (step cgroups are then not made).
    static let cgroup2Mount: String? = {
        let mounts = (try? String(contentsOfFile: "/proc/mounts", encoding: .utf8)) ?? ""
        for line in mounts.split(separator: "\n") {
            let fields: [String] = line.split(separator: " ").map(String.init)
            if fields.count > 2, fields[2] == "cgroup2", FileManager.default.fileExists(atPath: fields[1] + "/cgroup.procs") { return fields[1] }
        }
        return nil
    }()

    @Test func aSecondDaemonOnTheSameRootExitsOne() async throws {
        let repo = try TemporaryGitRepository(files: ["jobs/a.yaml": "steps:\n  - run: [\"true\"]\n"])
        _ = try await JobctlProcess.run(["apply", "--root", repo.path])
        let first = try DaemonProcess(["serve", "--root", repo.path, "--listen", "off"])
        #expect(try await eventually { FileManager.default.fileExists(atPath: repo.path + "/.jobctl/serve.lock") && first.output.contains("running") })
        let second = try await JobctlProcess.run(["serve", "--root", repo.path, "--listen", "off"])
        #expect(second.status == 1)
        #expect(second.stderr.contains("another jobctl serve is already running on this root (pid \(first.pid))"))
        first.signal(SIGTERM)
        #expect(try await first.waitForExit(within: 90) == 0)
    }

    @Test func sigtermCancelsRunsAfterTheGraceAndExitsZero() async throws {
        let repo = try TemporaryGitRepository(files: ["jobs/long.yaml": "schedule: \"* * * * * *\"\nsteps:\n  - run: [sleep, \"600\"]\n"])
        _ = try await JobctlProcess.run(["apply", "--root", repo.path])
        let daemon = try DaemonProcess(["serve", "--root", repo.path, "--grace", "1s", "--listen", "off"])
        #expect(try await eventually { inFlightMarkers(repo).contains { $0["process"] != nil } }, "\(daemon.output)")
        daemon.signal(SIGTERM)
        #expect(try await daemon.waitForExit(within: 90) == 0, "\(daemon.output)")
        let cancelled = records(repo, "long").filter { $0.status == "cancelled" }
        #expect(cancelled.count == 1)
        #expect(inFlightMarkers(repo).isEmpty)
    }

    @Test func autoApplyRunsANewCommitAndKeepsTheLastGoodStateForABrokenOne() async throws {
        let repo = try TemporaryGitRepository(files: ["jobs/tick.yaml": "schedule: \"* * * * * *\"\nsteps:\n  - run: [\"true\"]\n"])
        let daemon = try DaemonProcess(["serve", "--root", repo.path, "--auto-apply", "--listen", "off"])
        #expect(try await eventually { !records(repo, "tick").isEmpty }, "\(daemon.output)")
        try repo.write("jobs/tick.yaml", "schedule: \"61 * * * *\"\nsteps:\n  - run: [\"true\"]\n")
        try repo.commit("broken")
        #expect(try await eventually { daemon.output.contains("auto-apply: refused") }, "\(daemon.output)")
        let before = records(repo, "tick").count
        #expect(try await eventually { records(repo, "tick").count >= before + 2 }, "the last good state keeps running")
        // Polled every 2 s; reported once for the commit, not at every poll.
        let seen = records(repo, "tick").count
        #expect(try await eventually { records(repo, "tick").count >= seen + 5 })
        #expect(daemon.output.components(separatedBy: "auto-apply: refused").count == 2, "\(daemon.output)")
        daemon.signal(SIGTERM)
        #expect(try await daemon.waitForExit(within: 90) == 0)
    }

    @Test func manualRunRecordsTriggerManualAndRefusesBadParameters() async throws {
        let repo = try TemporaryGitRepository(files: [
            "jobs/echo.yaml": "params:\n  market: {default: NL, allowed: [NL, BE]}\nsteps:\n  - run: [sh, -c, 'printf \"%s\" \"$1\" > out.txt', x, \"{{params.market}}\"]\n",
        ])
        _ = try await JobctlProcess.run(["apply", "--root", repo.path])
        let bad = try await JobctlProcess.run(["run", "echo", "--root", repo.path, "--param", "market=FR"])
        #expect(bad.status == 1)
        #expect(bad.stderr.contains("not one of the allowed values (NL, BE)"))
        let unknown = try await JobctlProcess.run(["run", "echo", "--root", repo.path, "--param", "markt=NL"])
        #expect(unknown.stderr.contains("error: unknown parameter 'markt'; 'echo' has market"))
        let good = try await JobctlProcess.run(["run", "echo", "--root", repo.path, "--param", "market=BE", "--wait"])
        #expect(good.status == 0, "\(good.stderr)")
        #expect(try String(contentsOfFile: repo.path + "/out.txt", encoding: .utf8) == "BE")
        let recorded = records(repo, "echo")
        #expect(recorded.map(\.trigger) == ["manual"])
        #expect(recorded.map(\.status) == ["completed"])
        let missing = try await JobctlProcess.run(["run", "nope", "--root", repo.path])
        #expect(missing.status == 1)
    }

    @Test func theRateLimitCountsRunsOfTheCLIAndOfEarlierDaemonsAndForceOverridesIt() async throws {
        let repo = try TemporaryGitRepository(files: [
            "jobs/limited.yaml": "schedule: \"* * * * * *\"\nrateLimit: {max: 2, per: 1h}\nconcurrency: allow\nsteps:\n  - run: [\"true\"]\n",
        ])
        _ = try await JobctlProcess.run(["apply", "--root", repo.path])
        let first = try await JobctlProcess.run(["run", "limited", "--root", repo.path, "--wait"])
        #expect(first.status == 0, "\(first.stderr)")
        // The daemon fires every second: one more run fits in the hour, then each fire is refused.
        var daemon = try DaemonProcess(["serve", "--root", repo.path, "--listen", "off"])
        #expect(try await eventually { records(repo, "limited").filter { $0.status == "rate_limited" }.count >= 2 }, "\(daemon.output)")
        daemon.signal(SIGTERM)
        #expect(try await daemon.waitForExit(within: 90) == 0)
        #expect(records(repo, "limited").filter { $0.status == "completed" }.count == 2)
        // A new daemon counts the runs in history: still refused.
        let before = records(repo, "limited").count
        daemon = try DaemonProcess(["serve", "--root", repo.path, "--listen", "off"])
        #expect(try await eventually { records(repo, "limited").count >= before + 2 }, "\(daemon.output)")
        daemon.signal(SIGTERM)
        #expect(try await daemon.waitForExit(within: 90) == 0)
        #expect(records(repo, "limited").filter { $0.status == "completed" }.count == 2, "a restart does not reset the limit")
        // And so is the CLI, unless forced (which the record says).
        let refused = try await JobctlProcess.run(["run", "limited", "--root", repo.path, "--wait"])
        #expect(refused.status != 0)
        #expect(refused.stderr.contains("rate limit of 2 per 1h reached"), "\(refused.stderr)")
        let forced = try await JobctlProcess.run(["run", "limited", "--root", repo.path, "--wait", "--force"])
        #expect(forced.status == 0, "\(forced.stderr)")
        let last = try #require(try String(contentsOfFile: repo.path + "/history/limited.jsonl", encoding: .utf8).split(separator: "\n").last)
        #expect(last.contains("\"status\":\"completed\"") && last.contains("started with --force: the rate limit was not applied"), "\(last)")
    }

    @Test func aRefusedCommitReachesTheNotifiersThatListenForItOnce() async throws {
        let ops = try await RecordingHTTPServer()
        let repo = try TemporaryGitRepository(files: [
            ".gitignore": "/.jobctl/\n/history/\n",
            "jobctl.yaml": "notifiers:\n  ops: {webhook: \"${secrets.OPS_HOOK}\", format: slack, on: [apply_refused]}\n",
            "jobs/tick.yaml": "schedule: \"* * * * * *\"\nsteps:\n  - run: [\"true\"]\n",
        ])
        let daemon = try DaemonProcess(["serve", "--root", repo.path, "--auto-apply", "--listen", "off"],
                                       environment: ["JOBCTL_SECRET_OPS_HOOK": ops.url("/slack/ops")])
        #expect(try await eventually { daemon.output.contains("auto-apply: applied") }, "\(daemon.output)")
        try repo.write("jobs/tick.yaml", "schedule: \"61 * * * *\"\nsteps:\n  - run: [\"true\"]\n")
        try repo.commit("broken")
        #expect(try await eventually { ops.requests.count == 1 }, "\(daemon.output)")
        let body = try #require(try JSONSerialization.jsonObject(with: Data(ops.requests[0].body.utf8)) as? [String: Any])
        let text = try #require(body["text"] as? String)
        #expect(text.contains("apply refused") && text.contains("jobs/tick.yaml:1:12: error: minute field: 61 is out of range 0-59"), "\(text)")
        #expect(body["blocks"] is [Any])
        // Polled again and again: told once for the commit.
        #expect(try await eventually { daemon.output.components(separatedBy: "notifier ops on apply_refused: attempt 1 delivered").count == 2 })
        // The last good state ticks every second; over 5 more ticks (2 s polls) nothing new arrives.
        let seen = records(repo, "tick").count
        #expect(try await eventually { records(repo, "tick").count >= seen + 5 })
        #expect(ops.requests.count == 1)
        daemon.signal(SIGTERM)
        #expect(try await daemon.waitForExit(within: 90) == 0, "\(daemon.output)")
    }

    @Test func historyThatCannotBeWrittenReachesTheNotifiersThatListenForIt() async throws {
        let ops = try await RecordingHTTPServer()
        let repo = try TemporaryGitRepository(files: [
            ".gitignore": "/.jobctl/\n/history/\n",
            "jobctl.yaml": "notifiers:\n  ops: {webhook: \"${secrets.OPS_HOOK}\", on: [history_write_failed]}\n",
            "jobs/tick.yaml": "schedule: \"* * * * * *\"\nsteps:\n  - run: [\"true\"]\n",
        ])
        _ = try await JobctlProcess.run(["apply", "--root", repo.path])
        let daemon = try DaemonProcess(["serve", "--root", repo.path, "--listen", "off"], environment: ["JOBCTL_SECRET_OPS_HOOK": ops.url("/ops")])
        #expect(try await eventually { !records(repo, "tick").isEmpty }, "\(daemon.output)")
        // A folder where the history file should be: every append fails until it goes.
        try FileManager.default.removeItem(atPath: repo.path + "/history/tick.jsonl")
        try FileManager.default.createDirectory(atPath: repo.path + "/history/tick.jsonl", withIntermediateDirectories: false)
        #expect(try await eventually { ops.requests.count == 1 }, "\(daemon.output)")
        let body = try #require(try JSONSerialization.jsonObject(with: Data(ops.requests[0].body.utf8)) as? [String: Any])
        #expect(body["event"] as? String == "history_write_failed")
        #expect((body["message"] as? String)?.contains("history cannot be written") == true)
        // A run that ended meanwhile keeps its record in its marker: `logs --follow` ends on it.
        var kept: String?
        #expect(try await eventually {
            for marker in (try? FileInFlightRegistry(root: repo.path).list()) ?? [] where marker.final != nil { kept = marker.run }
            return kept != nil
        })
        let follow = try await JobctlProcess.run(["logs", try #require(kept), "--root", repo.path, "--follow"])
        #expect(follow.status == 0 && follow.stderr.contains("its record waits in its marker because history cannot be written"), "\(follow.stderr)")
        try FileManager.default.removeItem(atPath: repo.path + "/history/tick.jsonl")
        #expect(try await eventually { daemon.output.contains("history is written again") }, "\(daemon.output)")
        daemon.signal(SIGTERM)
        #expect(try await daemon.waitForExit(within: 90) == 0, "\(daemon.output)")
    }
}
