import Foundation
import Testing
import TestSupport
@testable import History

/// The `history`, `check`, `logs` and `schema --history` commands, run as real processes.
@Suite(.enabled(if: FileManager.default.isExecutableFile(atPath: JobctlProcess.executable.path), "needs the built jobctl"))
struct CommandTests {
    func root(_ records: [RunRecord], config: String? = nil, folder: String = "history") throws -> TemporaryRoot {
        let root = try TemporaryRoot()
        if let config { try root.write("jobctl.yaml", config) }
        let recorder = FileRunRecorder(folder: HistoryFolder(root: root.path, folder: folder), durability: .unsynced)
        for r in records { try recorder.append(r) }
        return root
    }

    @Test func historyListsFiltersAndPrintsJSONLines() async throws {
        let records = (0..<5).map { record("reports/x", $0, status: $0 == 3 ? .failed : .completed, error: $0 == 3 ? "boom" : nil) }
        let root = try root(records + [record("other", 9)])
        let jsonl = try await JobctlProcess.run(["history", "reports/x", "--root", root.path, "--last", "2", "--format", "jsonl"])
        #expect(jsonl.status == 0)
        #expect(jsonl.stdout == records.suffix(2).map { $0.jsonLine + "\n" }.joined())
        let failed = try await JobctlProcess.run(["history", "--root", root.path, "--status", "failed,timed_out", "--format", "json"])
        let decoded = try JSONDecoder().decode([RunRecord].self, from: Data(failed.stdout.utf8))
        #expect(decoded == [records[3]])
        let table = try await JobctlProcess.run(["history", "--root", root.path, "--last", "2"])
        #expect(table.stdout == """
            RUN                            JOB        TRIGGER   STATUS     FINISHED              DURATION  EXIT  NOTE
            \(records[4].run)  reports/x  schedule  completed  2026-11-22T08:19:00Z  1s        0
            \(record("other", 9).run)  other      schedule  completed  2026-11-22T08:24:00Z  1s        0

            """)
        let bad = try await JobctlProcess.run(["history", "--root", root.path, "--status", "running"])
        #expect(bad.status == 64)
        #expect(bad.stderr.contains("--status: unknown status 'running'"))
    }

    @Test func historyStatsAsJSON() async throws {
        let root = try root([record("a", 0, durationMs: 100), record("a", 1, status: .failed, durationMs: 300), record("a", 2, status: .skipped, durationMs: nil)])
        let result = try await JobctlProcess.run(["history", "a", "--root", root.path, "--stats", "--format", "json"])
        #expect(result.status == 0)
        let stats = try JSONDecoder().decode(HistoryStats.self, from: Data(result.stdout.utf8))
        #expect(stats.counts == ["completed": 1, "failed": 1, "skipped": 1])
        #expect(stats.successRate == 0.5)
        #expect(stats.durations == HistoryStats.Durations(count: 2, p50Ms: 100, p95Ms: 300, maxMs: 300))
    }

    @Test func historyFolderComesFromTheConfigAndTornLinesAreWarnings() async throws {
        let root = try root([record("a", 0)], config: "history:\n  folder: runs\n", folder: "runs")
        try root.write("runs/a.jsonl", (root.read("runs/a.jsonl") ?? "") + "{\"v\":1,\"ru")
        let result = try await JobctlProcess.run(["history", "a", "--root", root.path, "--format", "jsonl"])
        #expect(result.status == 0)
        #expect(result.stdout == record("a", 0).jsonLine + "\n")
        #expect(result.stderr == "\(root.path)/runs/a.jsonl:2: warning: skipped an incomplete last line (10 bytes without a newline: a crash during a write, or a write in progress); the next append repairs it\n")
    }

    @Test func checkExitsZeroOrOneWithOneLine() async throws {
        let now = Date()
        var ok = record("a", 0)
        ok.finishedAt = now.addingTimeInterval(-3600)
        var failed = record("a", 1, status: .failed)
        failed.finishedAt = now.addingTimeInterval(-60)
        let root = try root([ok, failed])
        let pass = try await JobctlProcess.run(["check", "a", "--root", root.path, "--succeeded-within", "26h"])
        #expect(pass.status == 0)
        // "1h00m ago" when the commands run at once, "1h01m" on a loaded machine: the minutes are the clock's.
        #expect(pass.stdout.hasPrefix("pass: a succeeded 1h0") && pass.stdout.contains("m ago (run \(ok.run))"), "\(pass.stdout)")
        let stale = try await JobctlProcess.run(["check", "a", "--root", root.path, "--succeeded-within", "30m"])
        #expect(stale.status == 1)
        #expect(stale.stdout.hasPrefix("fail: a has not succeeded within 30m00s (last success 1h0"), "\(stale.stdout)")
        let streak = try await JobctlProcess.run(["check", "a", "--root", root.path, "--max-consecutive-failures", "0"])
        #expect(streak.status == 1)
        #expect(streak.stdout == "fail: a has 1 consecutive failure (at most 0 allowed); latest failed, run \(failed.run)\n")
        let never = try await JobctlProcess.run(["check", "b", "--root", root.path, "--succeeded-within", "1d"])
        #expect(never.status == 1)
        #expect(never.stdout == "fail: b has not succeeded within 1d (no runs recorded)\n")
        let usage = try await JobctlProcess.run(["check", "a", "--root", root.path])
        #expect(usage.status == 64)
    }

    @Test func checkSaysWhereItsHistoryCameFromHowFreshAndWarnsOnACommittedSnapshot() async throws {
        var ok = record("a", 0)
        ok.finishedAt = Date().addingTimeInterval(-7200)
        let plain = try root([ok])
        let configured = try await JobctlProcess.run(["check", "a", "--root", plain.path, "--succeeded-within", "1d"])
        #expect(configured.status == 0)
        #expect(configured.stderr.contains("note: read \(plain.path)/history/a.jsonl (history.folder of jobctl.yaml"), "\(configured.stderr)")
        #expect(configured.stderr.contains("its newest record finished 2h"), "\(configured.stderr)")
        #expect(!configured.stderr.contains("committed"))

        // A daemon announced another folder: that is what check reads.
        let elsewhere = try root([ok], folder: "elsewhere")
        try elsewhere.write(".jobctl/history-folder", elsewhere.path + "/elsewhere\n")
        let announced = try await JobctlProcess.run(["check", "a", "--root", elsewhere.path, "--succeeded-within", "1d"])
        #expect(announced.status == 0)
        #expect(announced.stderr.contains("note: read \(elsewhere.path)/elsewhere/a.jsonl (the folder the daemon writes"), "\(announced.stderr)")

        // A clone whose history file was committed judges a snapshot: said so.
        let repo = try TemporaryGitRepository(files: ["history/a.jsonl": ok.jsonLine + "\n", "jobs/a.yaml": "steps:\n  - run: [\"true\"]\n"])
        let snapshot = try await JobctlProcess.run(["check", "a", "--root", repo.path, "--succeeded-within", "1d"])
        #expect(snapshot.status == 0)
        #expect(snapshot.stderr.contains("warning: history/a.jsonl is committed to git (at "), "\(snapshot.stderr)")
    }

    @Test func historyShowsEachRunsPlaceInItsFanOutAndStatsHowFanOutsEnded() async throws {
        // Fan-out g1: NL, BE completed; g2: NL failed then its retry completed, BE failed; g3: one of two recorded.
        func cell(_ index: Int, _ group: String, _ cell: Int, _ status: RunStatus) -> RunRecord {
            var r = record("fan", index, status: status)
            r.fanout = Fanout(index: cell, of: 2, key: cell == 0 ? "market=NL" : "market=BE", group: group)
            return r
        }
        let root = try root([cell(0, "g1", 0, .completed), cell(1, "g1", 1, .completed), cell(2, "g2", 0, .failed),
                             cell(3, "g2", 1, .failed), cell(4, "g2", 0, .completed), cell(5, "g3", 0, .completed)])
        let table = try await JobctlProcess.run(["history", "fan", "--root", root.path])
        #expect(table.status == 0)
        let lines = table.stdout.split(separator: "\n")
        #expect(lines.first?.contains("FANOUT") == true, "\(table.stdout)")
        #expect(lines.contains { $0.contains("1/2 market=NL") } && lines.contains { $0.contains("2/2 market=BE") }, "\(table.stdout)")
        let stats = try await JobctlProcess.run(["history", "fan", "--root", root.path, "--stats"])
        #expect(stats.stdout.contains("fan-outs      3: 1 all completed, 1 with a failure, 1 other"), "\(stats.stdout)")
        let json = try await JobctlProcess.run(["history", "fan", "--root", root.path, "--stats", "--format", "json"])
        let object = try JSONSerialization.jsonObject(with: Data(json.stdout.utf8)) as? [String: Any]
        #expect((object?["fanOuts"] as? [String: Int]) == ["total": 3, "succeeded": 1, "failed": 1, "other": 1])
    }

    @Test func logsPrintsAndFollowsUntilTheFinalRecord() async throws {
        let root = try root([])
        let run = RunIDGenerator().next(at: Date())
        try root.write("history/reports/x/\(run).log", "line 1\n")
        // Not in flight, not recorded, log present: printed once without --follow.
        let once = try await JobctlProcess.run(["logs", run, "--root", root.path])
        #expect(once.status == 0)
        #expect(once.stdout == "line 1\n")
        // Recorded: --follow prints everything and exits.
        var done = record("reports/x", 0)
        done.run = run
        done.finishedAt = Date()
        try FileRunRecorder(folder: HistoryFolder(root: root.path)).append(done)
        let followed = try await JobctlProcess.run(["logs", run, "--root", root.path, "--follow"])
        #expect(followed.status == 0)
        #expect(followed.stdout == "line 1\n")
        let missing = try await JobctlProcess.run(["logs", "20261122T081500.000Z-zzzzzzzz", "--root", root.path])
        #expect(missing.status == 1)
        #expect(missing.stderr.hasPrefix("error: no log for run 20261122T081500.000Z-zzzzzzzz"))
    }

    @Test func schemaHistoryPrintsTheRecordSchema() async throws {
        let result = try await JobctlProcess.run(["schema", "--history"])
        #expect(result.status == 0)
        let schema = try JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as! [String: Any]
        #expect(schema["$id"] as? String == RunRecordSchema.id)
        #expect(schema["x-key-order"] as? [String] == RunRecordSchema.keys)
    }
}
