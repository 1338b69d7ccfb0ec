import Foundation
import History
import Testing
import TestSupport

/// A busy daemon killed with SIGKILL at random moments, many times over, then restarted once more
/// and stopped: the history must account for every fire exactly once, every run that was in flight
/// at a kill must be recorded `interrupted` (once), no line is torn, no marker and no child is left.
@Suite("crash loop", .serialized)
struct CrashLoopTests {
    static let kills = 15

    @Test func killedAtRandomMomentsTheHistoryAccountsForEveryFireOnce() async throws {
        let seed = UInt64(ProcessInfo.processInfo.environment["JOBCTL_CRASH_SEED"] ?? "") ?? UInt64.random(in: 1...UInt64.max)
        var random = SeededGenerator(seed: seed)
        let repo = try TemporaryGitRepository(files: [
            // Short runs every second, every missed fire caught up.
            "jobs/tick.yaml": "schedule:\n  cron: \"* * * * * *\"\n  catchup: all\nsteps:\n  - run: [sh, -c, 'sleep 0.2']\n",
            // Longer than a second (fires skipped while it runs), with a child in the background
            // that outlives the step unless jobctl ends it.
            "jobs/slow.yaml": "schedule: \"* * * * * *\"\nsteps:\n  - run: [sh, -c, 'sleep 30 & sleep 1.5']\n",
            // Concurrent runs of one job.
            "jobs/overlap.yaml": "schedule: \"* * * * * *\"\nconcurrency: allow\nsteps:\n  - run: [sh, -c, 'sleep 1.2']\n",
        ])
        let apply = try await JobctlProcess.run(["apply", "--root", repo.path])
        #expect(apply.status == 0, "\(apply.stdout)\(apply.stderr)")

        var inFlightAtKills: [String] = []
        var recordedAtKills: Set<String> = []
        for round in 1...Self.kills {
            let daemon = try DaemonProcess(["serve", "--root", repo.path, "--listen", "off"])
            try await eventually("daemon \(round) starts (seed \(seed))") { daemon.output.contains("running 3 applied jobs") }
            // A random moment of a busy daemon: 0 to 1.5 s after it started firing.
            try await Task.sleep(for: .milliseconds(Int.random(in: 0...1500, using: &random)))
            daemon.signal(SIGKILL)
            _ = try await eventually("daemon \(round) dies") { try await daemon.waitForExit(within: 0) != nil }
            // What was in flight at the kill, and what was already recorded.
            inFlightAtKills += inFlightRuns(repo)
            recordedAtKills.formUnion(HistoryAudit(root: repo.path, everySecond: []).records.map(\.run))
        }
        let last = try DaemonProcess(["serve", "--root", repo.path, "--listen", "off"])
        try await eventually("the last daemon starts") { last.output.contains("running 3 applied jobs") }
        let started = Date()
        // It recovered the killed daemons' runs, caught up, and fired on its own for a while.
        try await eventually("the last daemon fires (seed \(seed))") {
            HistoryAudit(root: repo.path, everySecond: []).records.contains { $0.job == "tick" && $0.status == "completed" && ($0.scheduledFor ?? .distantPast) > started.addingTimeInterval(2) }
        }
        last.signal(SIGTERM)
        #expect(try await last.waitForExit(within: 90) == 0, "\(last.output)")

        let audit = HistoryAudit(root: repo.path, everySecond: ["tick", "slow", "overlap"])
        #expect(audit.problems.isEmpty, "seed \(seed): \(audit.problems.joined(separator: "\n"))")
        #expect(!inFlightAtKills.isEmpty, "no kill landed while a run was in flight (seed \(seed))")
        for run in inFlightAtKills where !recordedAtKills.contains(run) {
            let records = audit.records(ofRun: run)
            #expect(records.map(\.status) == ["interrupted"], "seed \(seed): run \(run) in flight at a kill is recorded \(records.map(\.status))")
        }
        let runs = Set(audit.records.map(\.run))
        #expect(try await eventually("no child outlives its run") { liveProcesses(ofRuns: runs).isEmpty })
    }

    @Test func theAuditFindsADoubledFireAGapATornLineAndAWrongMissedCount() throws {
        func line(_ run: String, _ status: String, _ second: Int, extra: String = "") -> String {
            "{\"run\":\"\(run)\",\"job\":\"j\",\"status\":\"\(status)\",\"scheduledFor\":\"2026-12-01T07:00:\(String(format: "%02d", second)).000Z\"\(extra)}\n"
        }
        let missed = line("m", "missed", 3, extra: ",\"count\":3,\"firstScheduledFor\":\"2026-12-01T07:00:01.000Z\",\"lastScheduledFor\":\"2026-12-01T07:00:03.000Z\"")
        let good = line("a", "completed", 0) + missed + line("b", "interrupted", 4) + line("c", "skipped", 5)
        let repo = try TemporaryGitRepository(files: ["history/j.jsonl": good])
        #expect(HistoryAudit(root: repo.path, everySecond: ["j"]).problems.isEmpty)

        let broken = try TemporaryGitRepository(files: [
            "history/j.jsonl": line("a", "completed", 0) + missed.replacingOccurrences(of: "\"count\":3", with: "\"count\":2")
                + line("b", "interrupted", 3) + line("a", "completed", 7) + "{\"run\":\"torn",
        ])
        let problems = HistoryAudit(root: broken.path, everySecond: ["j"]).problems
        #expect(problems.contains { $0.contains("run a recorded 2 times") })
        #expect(problems.contains { $0.contains("says count 2 for 3 seconds") })
        #expect(problems.contains { $0.contains("claimed by 2 records") })
        #expect(problems.contains { $0.contains("is not accounted for") })
        #expect(problems.contains { $0.contains("torn last line") })
        #expect(problems.contains { $0.contains("history/j.jsonl:5: not a whole record") })
    }

    /// The runs the in-flight markers name.
    func inFlightRuns(_ repo: TemporaryGitRepository) -> [String] {
        ((try? FileInFlightRegistry(root: repo.path).list()) ?? []).map(\.run)
    }
}
