import Foundation
import Testing
import TestSupport
@testable import History

@Suite struct ClaimTests {
    func claims(_ folder: TemporaryFolder, memoryLimit: Int = 4096) -> FileFireClaims {
        FileFireClaims(history: folder.history, inFlight: FileInFlightRegistry(root: folder.path), memoryLimit: memoryLimit)
    }

    @Test func aFireIsClaimedOnce() throws {
        let folder = try TemporaryFolder()
        let claims = claims(folder)
        #expect(try claims.claim(job: "a", scheduledFor: at(0)))
        #expect(try !claims.claim(job: "a", scheduledFor: at(0)))
        #expect(try claims.claim(job: "a", scheduledFor: at(60)))
        #expect(try claims.claim(job: "b/c", scheduledFor: at(0)))
        #expect(throws: HistoryError.self) { try claims.claim(job: "../x", scheduledFor: at(0)) }
    }

    @Test func concurrentClaimsOfOneFireHaveOneWinner() throws {
        let folder = try TemporaryFolder()
        let claims = claims(folder)
        let wins = WarningBox()
        onThreads(8) { _ in
            if try! claims.claim(job: "a", scheduledFor: at(0)) {
                wins.add(HistoryWarning(path: "", line: nil, offset: 0, message: "won"))
            }
        }
        #expect(wins.all.count == 1)
    }

    @Test func recordedAndInFlightFiresStayClaimedAfterARestart() throws {
        let folder = try TemporaryFolder()
        let recorder = FileRunRecorder(folder: folder.history)
        // Recorded before the "restart": three runs, a skip, and a missed range.
        for (i, status) in [RunStatus.completed, .failed, .skipped].enumerated() {
            try recorder.append(record("a", i, status: status, seconds: Double(i) * 60 + 5, scheduled: Double(i) * 60))
        }
        try recorder.append(RunRecord(run: "m1", job: "a", trigger: .catchup, status: .missed, finishedAt: at(3600), count: 50, firstScheduledFor: at(180), lastScheduledFor: at(3120)))
        let registry = FileInFlightRegistry(root: folder.path)
        try registry.begin(InFlightRun(run: "20261122T091500.000Z-aaaaaaaa", job: "a", trigger: .schedule, scheduledFor: at(3600), startedAt: at(3600)))

        let restarted = claims(folder)
        #expect(try !restarted.claim(job: "a", scheduledFor: at(120)))   // the skipped fire
        #expect(try !restarted.claim(job: "a", scheduledFor: at(0)))     // reaches further back
        #expect(try !restarted.claim(job: "a", scheduledFor: at(1800)))  // inside the missed range
        #expect(try !restarted.claim(job: "a", scheduledFor: at(3600)))  // in flight
        #expect(try restarted.claim(job: "a", scheduledFor: at(3660)))   // new
        #expect(try restarted.claim(job: "a", scheduledFor: at(30)))     // never fired
    }

    @Test func claimsBeyondTheMemoryLimitAreStillAnsweredFromTheFile() throws {
        let folder = try TemporaryFolder()
        let recorder = FileRunRecorder(folder: folder.history, durability: .unsynced)
        let claims = claims(folder, memoryLimit: 16)
        for i in 0..<100 {
            #expect(try claims.claim(job: "a", scheduledFor: at(Double(i))))
            try recorder.append(record("a", i, seconds: Double(i) + 0.5, scheduled: Double(i)))
        }
        for i in 0..<100 {
            #expect(try !claims.claim(job: "a", scheduledFor: at(Double(i))), "fire \(i)")
        }
    }
}

@Suite struct InFlightTests {
    @Test func markersAreWrittenUpdatedListedAndRemoved() throws {
        let folder = try TemporaryFolder()
        let registry = FileInFlightRegistry(root: folder.path)
        var run = InFlightRun(run: "20261122T081500.000Z-aaaaaaaa", job: "reports/x", trigger: .manual, startedAt: at(0), params: ["m": .string("NL")], commit: "abc")
        try registry.begin(run)
        #expect(try registry.list() == [run])
        run.status = .running
        run.process = ProcessIdentity(pid: 4242, processGroup: 4242, session: 4242, startTime: 123, bootID: "b")
        try registry.update(run)
        #expect(try registry.list() == [run])
        #expect(registry.marker(run: run.run) == run)
        let names = try FileManager.default.contentsOfDirectory(atPath: folder.path + "/.jobctl/inflight")
        #expect(names.count == 1 && names[0].hasSuffix(".jsonl"), "\(names)") // one journal, no temporary files
        // Another instance (another process) reads the journal.
        #expect(try FileInFlightRegistry(root: folder.path).list() == [run])
        try registry.finish(run: run.run)
        try registry.finish(run: run.run) // twice is fine
        #expect(try registry.list().isEmpty)
        #expect(try FileInFlightRegistry(root: folder.path).list().isEmpty)
    }

    func run(_ index: Int) -> InFlightRun {
        InFlightRun(run: RunID.make(milliseconds: RecordTime.milliseconds(at(Double(index))), random: 9), job: "j", trigger: .schedule, startedAt: at(Double(index)))
    }

    @Test func anotherInstanceReadsOnlyWhatWasAddedAndFollowsCompaction() throws {
        let folder = try TemporaryFolder()
        let inflight = folder.path + "/.jobctl/inflight"
        let writer = FileInFlightRegistry(root: folder.path)
        let reader = FileInFlightRegistry(root: folder.path)
        try writer.begin(run(1))
        #expect(reader.othersInFlight().map(\.run) == [run(1).run])
        let first = try FileManager.default.contentsOfDirectory(atPath: inflight)
        try writer.begin(run(2))
        try writer.finish(run: run(1).run)
        #expect(reader.othersInFlight().map(\.run) == [run(2).run])
        // Enough ends to compact, twice, read between: run 2 moves to a new journal each time
        // (never a file replaced under a name the reader read, even with its inode reused).
        var index = 3
        for round in 1...2 {
            for _ in 0..<FileInFlightRegistry.compactionFloor {
                try writer.begin(run(index))
                try writer.finish(run: run(index).run)
                index += 1
            }
            let names = try FileManager.default.contentsOfDirectory(atPath: inflight)
            #expect(names.count == 1 && names != first, "round \(round): \(names)")
            let lines = try String(contentsOfFile: inflight + "/" + (names.first ?? ""), encoding: .utf8).split(separator: "\n")
            #expect(lines.count < FileInFlightRegistry.compactionFloor, "round \(round): not compacted: \(lines.count) lines")
            try writer.begin(run(5000 + round))
            #expect(Set(reader.othersInFlight().map(\.run)) == Set([run(2).run] + (1...round).map { run(5000 + $0).run }))
        }
        // Every run finished: none in flight, read by either.
        for run in [run(2), run(5001), run(5002)] { try writer.finish(run: run.run) }
        #expect(try writer.list().isEmpty && reader.othersInFlight().isEmpty)
    }

    @Test func aGoneWritersJournalIsReadWithoutItsCutLineFinishedByRecoveryAndRemoved() throws {
        let folder = try TemporaryFolder()
        let inflight = folder.path + "/.jobctl/inflight"
        try FileManager.default.createDirectory(atPath: inflight, withIntermediateDirectories: true)
        let encoder = JSONEncoder()
        let whole = try encoder.encode(run(1)) + Data("\n".utf8) + encoder.encode(run(2)) + Data("\n".utf8)
        let cut = try encoder.encode(run(3)).prefix(20)
        // pid 2^22 + 1 is above Linux's pid limit: no such process runs.
        let journal = inflight + "/4194305-77-1.jsonl"
        try (whole + cut).write(to: URL(fileURLWithPath: journal))
        // A marker of an earlier version, one file per run.
        try (encoder.encode(run(4)) + Data("\n".utf8)).write(to: URL(fileURLWithPath: inflight + "/\(run(4).run).json"))
        let registry = FileInFlightRegistry(root: folder.path)
        #expect(try registry.list().map(\.run) == [run(1).run, run(2).run, run(4).run])
        try registry.finish(run: run(1).run)
        // The ended line follows the cut one on a line of its own.
        #expect(try FileInFlightRegistry(root: folder.path).list().map(\.run) == [run(2).run, run(4).run])
        try registry.finish(run: run(2).run)
        try registry.finish(run: run(4).run)
        #expect(try registry.list().isEmpty)
        #expect(!FileManager.default.fileExists(atPath: journal) && !FileManager.default.fileExists(atPath: inflight + "/\(run(4).run).json"))
    }
}

@Suite struct RecoveryTests {
    func marker(_ index: Int, job: String = "a", process: ProcessIdentity? = nil) -> InFlightRun {
        InFlightRun(run: RunID.make(milliseconds: RecordTime.milliseconds(at(Double(index))), random: 7), job: job, trigger: .schedule, status: .running,
                    scheduledFor: at(Double(index)), startedAt: at(Double(index)), attempt: 1, commit: "c0ffee", node: "n1", process: process)
    }

    @Test func everyMarkerBecomesOneInterruptedRecordEvenWhenRunTwice() async throws {
        let folder = try TemporaryFolder()
        let registry = FileInFlightRegistry(root: folder.path)
        let recorder = FileRunRecorder(folder: folder.history)
        try registry.begin(marker(0))
        try registry.begin(marker(1, job: "b/c"))
        let recovery = InterruptedRunRecovery(inFlight: registry, recorder: recorder)
        let report = try await recovery.recover(now: at(90))
        #expect(report.recorded.map(\.status) == [.interrupted, .interrupted])
        #expect(report.recorded[0].durationMs == 90_000)
        #expect(report.recorded[0].commit == "c0ffee")
        #expect(report.recorded[0].error == "jobctl stopped while the run was running; recovered at the next start")
        #expect(try registry.list().isEmpty)
        let again = try await recovery.recover(now: at(120))
        #expect(again.recorded.isEmpty)
        let page = try HistoryReader(folder: folder.history).records(HistoryQuery())
        #expect(page.records.map(\.run) == [marker(0).run, marker(1, job: "b/c").run])
    }

    @Test func aRecoveryThatCrashedAfterAppendingDoesNotRecordTwice() async throws {
        let folder = try TemporaryFolder()
        let registry = FileInFlightRegistry(root: folder.path)
        let recorder = FileRunRecorder(folder: folder.history)
        // The first recovery appended the record and died before removing the marker.
        try registry.begin(marker(0))
        try recorder.append(marker(0).interruptedRecord(at: at(30), error: "x"))
        // Other runs finished normally after it, so the record is not the last line.
        for i in 1...5 { try recorder.append(record("a", i, seconds: 40 + Double(i))) }
        let report = try await InterruptedRunRecovery(inFlight: registry, recorder: recorder).recover(now: at(90))
        #expect(report.recorded.isEmpty)
        #expect(report.alreadyRecorded == [marker(0).run])
        #expect(try registry.list().isEmpty)
        #expect(try HistoryReader(folder: folder.history).records(HistoryQuery(job: "a")).records.filter { $0.status == .interrupted }.count == 1)
    }

    @Test func recoveryOfAnotherNodeLeavesItsMarkers() async throws {
        let folder = try TemporaryFolder()
        let registry = FileInFlightRegistry(root: folder.path)
        try registry.begin(marker(0))
        let report = try await InterruptedRunRecovery(inFlight: registry, recorder: FileRunRecorder(folder: folder.history), node: "n2").recover(now: at(5))
        #expect(report.recorded.isEmpty)
        #expect(try registry.list().count == 1)
    }

    @Test func anOrphanedProcessGroupIsKilledAndAReusedPidIsLeftAlone() async throws {
        let child = try SessionChild(["/bin/sh", "-c", "sleep 300 & sleep 300"])
        defer { child.reap() }
        let identity = try #require(ProcessIdentity.of(pid: child.pid))
        #expect(identity.processGroup == child.pid)
        #expect(identity.isRunning)

        // Same pid, different start time: someone else's process now.
        var impostor = identity
        impostor.startTime = identity.startTime.map { $0 + 1 }
        #expect(OrphanedProcessGroup.kill(impostor) == .notOurs)
        #expect(identity.isRunning)

        let folder = try TemporaryFolder()
        let registry = FileInFlightRegistry(root: folder.path)
        try registry.begin(marker(0, process: identity))
        let report = try await InterruptedRunRecovery(inFlight: registry, recorder: FileRunRecorder(folder: folder.history)).recover(now: at(10))
        #expect(report.killed == [marker(0).run])
        #expect(report.recorded.first?.warnings == ["killed process group \(child.pid), still running after jobctl stopped"])
        #expect(child.waitForExit() == SIGKILL)
        // The group's other member (the background sleep) got the signal too; on a loaded machine
        // it may still be runnable for a moment before it handles the SIGKILL.
        #expect(try await eventually("the background member is gone") { OrphanedProcessGroup.groupMembers(child.pid).isEmpty })
        #expect(OrphanedProcessGroup.kill(identity) == .gone)
    }
}

/// A child in its own session (process group = its pid), like the executor starts steps.
final class SessionChild: Sendable {
    let pid: pid_t

    init(_ argv: [String]) throws {
        var attributes = posix_spawnattr_t()
        posix_spawnattr_init(&attributes)
        defer { posix_spawnattr_destroy(&attributes) }
        posix_spawnattr_setflags(&attributes, 0x80) // POSIX_SPAWN_SETSID (glibc; needs _GNU_SOURCE in C)
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        pid = try ChildSpawn.spawn(argv, actions: &actions, attributes: &attributes)
    }

    /// Waits for the child; returns the signal that ended it (0 when it exited).
    func waitForExit() -> Int32 {
        var status: Int32 = 0
        while waitpid(pid, &status, 0) < 0, errno == EINTR {}
        return status & 0x7f
    }

    func reap() {
        kill(-pid, SIGKILL)
        var status: Int32 = 0
        _ = waitpid(pid, &status, WNOHANG)
    }
}
