import Definitions
import Foundation
import History
import Scheduler
import Testing
import TestSupport

@Suite("Scheduler with a manual clock and real child processes")
struct SchedulerTests {
    @Test func firesOnTimeAndRecordsTheCommit() async throws {
        let harness = try await SchedulerHarness(jobs: ["jobs/tick.yaml": "schedule: \"*/5 * * * * *\"\nsteps:\n  - run: [\"true\"]\n"],
                                                 start: "2026-06-01T00:00:01Z")
        #expect(harness.records("tick").isEmpty)
        harness.advance(to: "2026-06-01T00:00:05Z")
        let records = try await harness.waitForRecords("tick", count: 1)
        #expect(records.map(\.status) == [.completed])
        #expect(records[0].trigger == .schedule)
        #expect(records[0].scheduledFor == SchedulerHarness.date("2026-06-01T00:00:05Z"))
        #expect(records[0].commit == "0123456789abcdef")
        #expect(records[0].steps.map(\.status) == [.completed])
        await harness.stop()
    }

    @Test func skipPolicyRecordsTheSkippedFireNamingTheRunInProgress() async throws {
        let harness = try await SchedulerHarness(jobs: ["jobs/slow.yaml": "schedule: \"* * * * *\"\nsteps:\n  - run: [sleep, \"300\"]\n"],
                                                 start: "2026-06-01T00:00:30Z")
        harness.advance(to: "2026-06-01T00:01:00Z")
        let running = try await harness.waitForRunning(1)
        harness.advance(to: "2026-06-01T00:02:00Z")
        let records = try await harness.waitForRecords("slow", count: 1)
        #expect(records[0].status == .skipped)
        #expect(records[0].scheduledFor == SchedulerHarness.date("2026-06-01T00:02:00Z"))
        #expect(records[0].warnings == ["skipped: run \(running[0].run) of slow is still in progress (concurrency: skip)"])
        await harness.stop()
        let final = harness.records("slow")
        #expect(final.map(\.status) == [.skipped, .cancelled])
        #expect(final[1].run == running[0].run)
    }

    @Test func queuePolicyHoldsOneAndSkipsTheRest() async throws {
        let root = try TemporaryRoot()
        let job = "schedule: \"* * * * *\"\nconcurrency: queue\nsteps:\n  - run: [sh, -c, 'while [ ! -f \(root.path)/go ]; do sleep 0.02; done']\n"
        let harness = try await SchedulerHarness(jobs: ["jobs/q.yaml": job], start: "2026-06-01T00:00:30Z", root: root)
        harness.advance(to: "2026-06-01T00:01:00Z")
        _ = try await harness.waitForRunning(1)
        harness.advance(to: "2026-06-01T00:02:00Z")   // queued
        harness.advance(to: "2026-06-01T00:03:00Z")   // queue full: skipped
        var records = try await harness.waitForRecords("q", count: 1)
        #expect(records.map(\.status) == [.skipped])
        #expect(records[0].scheduledFor == SchedulerHarness.date("2026-06-01T00:03:00Z"))
        try root.write("go", "")
        records = try await harness.waitForRecords("q", count: 3)
        #expect(records.map(\.status) == [.skipped, .completed, .completed])
        #expect(records[1].scheduledFor == SchedulerHarness.date("2026-06-01T00:01:00Z"))
        #expect(records[2].scheduledFor == SchedulerHarness.date("2026-06-01T00:02:00Z"))
        await harness.stop()
    }

    @Test func replacePolicyCancelsTheRunningOne() async throws {
        let harness = try await SchedulerHarness(jobs: ["jobs/r.yaml": "schedule: \"* * * * *\"\nconcurrency: replace\nsteps:\n  - run: [sleep, \"300\"]\n"],
                                                 start: "2026-06-01T00:00:30Z")
        harness.advance(to: "2026-06-01T00:01:00Z")
        let first = try await harness.waitForRunning(1)[0]
        harness.advance(to: "2026-06-01T00:02:00Z")
        let records = try await harness.waitForRecords("r", count: 1)
        #expect(records[0].run == first.run)
        #expect(records[0].status == .cancelled)
        #expect(records[0].warnings.contains("cancelled: replaced by a newer schedule run (concurrency: replace)"))
        let now = try await harness.waitForRunning(1)
        #expect(now.count == 1 && now[0].run != first.run)
        await harness.stop()
    }

    @Test func allowPolicyRunsSideBySide() async throws {
        let harness = try await SchedulerHarness(jobs: ["jobs/a.yaml": "schedule: \"* * * * *\"\nconcurrency: allow\nsteps:\n  - run: [sleep, \"300\"]\n"],
                                                 start: "2026-06-01T00:00:30Z")
        harness.advance(to: "2026-06-01T00:01:00Z")
        _ = try await harness.waitForRunning(1)
        harness.advance(to: "2026-06-01T00:02:00Z")
        let running = try await harness.waitForRunning(2)
        #expect(running.count == 2)
        await harness.stop()
        #expect(harness.records("a").map(\.status) == [.cancelled, .cancelled])
    }

    @Test func retriesWithExponentialBackoffEachAttemptNumbered() async throws {
        let harness = try await SchedulerHarness(jobs: ["jobs/flaky.yaml": "schedule: \"0 * * * *\"\nretries: {max: 2, backoff: 10s}\nsteps:\n  - run: [sh, -c, 'exit 3']\n"],
                                                 start: "2026-06-01T00:59:00Z")
        harness.advance(to: "2026-06-01T01:00:00Z")
        var records = try await harness.waitForRecords("flaky", count: 1)
        #expect(records[0].status == .failed && records[0].attempt == 1 && records[0].exitCode == 3)
        harness.advance(to: "2026-06-01T01:00:09Z")
        try await eventually { await harness.settle() }
        #expect(harness.records("flaky").count == 1)  // the backoff has not elapsed
        harness.advance(by: 1.5)
        records = try await harness.waitForRecords("flaky", count: 2)
        #expect(records[1].trigger == .retry && records[1].attempt == 2)
        harness.advance(by: 20.5)  // doubled backoff
        records = try await harness.waitForRecords("flaky", count: 3)
        #expect(records[2].attempt == 3)
        harness.advance(to: "2026-06-01T02:00:00Z")
        records = try await harness.waitForRecords("flaky", count: 4)  // the next hourly fire
        #expect(records[3].trigger == .schedule && records[3].attempt == 1)
        try await eventually { await harness.settle() }
        #expect(harness.records("flaky").filter { $0.trigger == .retry }.count == 2)
        await harness.stop()
    }

    @Test func springForwardFiresAtTheEndOfTheGap() async throws {
        let harness = try await SchedulerHarness(
            jobs: ["jobs/nightly.yaml": "schedule: {cron: \"30 2 * * *\", timezone: America/New_York}\nsteps:\n  - run: [\"true\"]\n"],
            start: "2026-03-08T06:00:00Z")
        harness.advance(to: "2026-03-08T06:59:59Z")
        try await eventually { await harness.settle() }
        #expect(harness.records("nightly").isEmpty)
        harness.advance(to: "2026-03-08T07:00:00Z")  // 03:00 EDT
        let records = try await harness.waitForRecords("nightly", count: 1)
        #expect(records[0].scheduledFor == SchedulerHarness.date("2026-03-08T07:00:00Z"))
        await harness.stop()
    }

    @Test func fallBackRunsAnHourlyJobTwiceAndAFixedTimeJobOnce() async throws {
        let harness = try await SchedulerHarness(jobs: [
            "jobs/hourly.yaml": "schedule: {cron: \"30 * * * *\", timezone: Europe/Berlin}\nsteps:\n  - run: [\"true\"]\n",
            "jobs/fixed.yaml": "schedule: {cron: \"30 2 * * *\", timezone: Europe/Berlin}\nsteps:\n  - run: [\"true\"]\n",
        ], start: "2026-10-25T00:00:00Z")
        // 02:30 CEST is 00:30Z; 02:30 CET is 01:30Z.
        harness.advance(to: "2026-10-25T00:30:00Z")
        _ = try await harness.waitForRecords("fixed", count: 1)
        _ = try await harness.waitForRecords("hourly", count: 1)
        harness.advance(to: "2026-10-25T01:30:00Z")
        let hourly = try await harness.waitForRecords("hourly", count: 2)
        _ = try await eventually { await harness.settle() }
        #expect(hourly.map(\.scheduledFor) == [SchedulerHarness.date("2026-10-25T00:30:00Z"), SchedulerHarness.date("2026-10-25T01:30:00Z")])
        #expect(harness.records("fixed").count == 1)
        await harness.stop()
    }

    @Test func catchUpAfterAWeekDownRecordsOneMissedSummaryAndRunsTheLatest() async throws {
        let root = try TemporaryRoot()
        let last = RunRecord(run: "20260601T000000.000Z-00000000", job: "hourly", trigger: .schedule, status: .completed,
                             scheduledFor: SchedulerHarness.date("2026-06-01T00:00:00Z"), finishedAt: SchedulerHarness.date("2026-06-01T00:00:01Z"))
        try FileRunRecorder(folder: HistoryFolder(root: root.path)).append(last)
        let harness = try await SchedulerHarness(jobs: ["jobs/hourly.yaml": "schedule: \"0 * * * *\"\nsteps:\n  - run: [\"true\"]\n"],
                                                 start: "2026-06-08T00:30:00Z", root: root)
        let records = try await harness.waitForRecords("hourly", count: 3)
        #expect(records[1].status == .missed)
        #expect(records[1].count == 7 * 24 - 1)
        #expect(records[1].firstScheduledFor == SchedulerHarness.date("2026-06-01T01:00:00Z"))
        #expect(records[1].lastScheduledFor == SchedulerHarness.date("2026-06-07T23:00:00Z"))
        #expect(records[2].trigger == .catchup && records[2].status == .completed)
        #expect(records[2].scheduledFor == SchedulerHarness.date("2026-06-08T00:00:00Z"))
        await harness.stop()
    }

    @Test func aFireIsNeverRunTwiceAcrossARestart() async throws {
        let root = try TemporaryRoot()
        let job = ["jobs/once.yaml": "schedule: \"0 * * * *\"\nsteps:\n  - run: [\"true\"]\n"]
        let first = try await SchedulerHarness(jobs: job, start: "2026-06-01T00:59:00Z", root: root)
        first.advance(to: "2026-06-01T01:00:00Z")
        _ = try await first.waitForRecords("once", count: 1)
        await first.stop()
        // A restart at the same instant (e.g. after a crash) sees the fire recorded and does not run it again.
        let second = try await SchedulerHarness(jobs: job, start: "2026-06-01T01:00:00Z", root: root)
        try await eventually { await second.settle() }
        #expect(second.records("once").count == 1)
        await second.stop()
    }

    @Test func rateLimitRefusesAndRecords() async throws {
        let harness = try await SchedulerHarness(jobs: ["jobs/limited.yaml": "rateLimit: {max: 1, per: 1h}\nconcurrency: allow\nsteps:\n  - run: [\"true\"]\n"],
                                                 start: "2026-06-01T00:00:00Z")
        let started = try await harness.scheduler.trigger("limited", trigger: .manual)
        #expect(started.count == 1)
        await #expect(throws: TriggerRefusal.self) { try await harness.scheduler.trigger("limited", trigger: .api) }
        let records = try await harness.waitForRecords("limited", count: 2)
        #expect(Set(records.map(\.status)) == [.completed, .rateLimited])
        await harness.stop()
    }

    @Test func untilCompletesTheJob() async throws {
        let harness = try await SchedulerHarness(jobs: ["jobs/wait.yaml": "schedule: \"* * * * *\"\nuntil: run.status == \"completed\"\nsteps:\n  - run: [\"true\"]\n"],
                                                 start: "2026-06-01T00:00:30Z")
        harness.advance(to: "2026-06-01T00:01:00Z")
        _ = try await harness.waitForRecords("wait", count: 1)
        _ = try await eventually { await harness.scheduler.isCompleted("wait") }
        #expect(await harness.scheduler.nextFire(of: "wait") == nil)
        harness.advance(to: "2026-06-01T00:05:00Z")
        try await eventually { await harness.settle() }
        #expect(harness.records("wait").count == 1)
        await harness.stop()
    }

    @Test func aOneOffIsCompletedOnceItsFireComesWhateverItsOutcome() async throws {
        let harness = try await SchedulerHarness(jobs: ["jobs/once.yaml": "schedule:\n  at: 2026-06-01T00:01\n  timezone: UTC\nsteps:\n  - run: [\"false\"]\n"],
                                                 start: "2026-06-01T00:00:30Z")
        #expect(await harness.scheduler.isCompleted("once") == false)
        harness.advance(to: "2026-06-01T00:01:00Z")
        let records = try await harness.waitForRecords("once", count: 1)
        #expect(records[0].status == .failed)
        #expect(await harness.scheduler.isCompleted("once"))
        #expect(await harness.scheduler.nextFire(of: "once") == nil)
        await harness.stop()
    }

    @Test func matrixFansOutOneRunPerCombination() async throws {
        let job = "params:\n  market: {allowed: [NL, BE, DE]}\nmatrix:\n  market: [NL, BE, DE]\nsteps:\n  - run: [sh, -c, 'test -n \"$JOBCTL_PARAM_MARKET\"']\n"
        let harness = try await SchedulerHarness(jobs: ["jobs/fan.yaml": job], start: "2026-06-01T00:00:00Z")
        let runs = try await harness.scheduler.trigger("fan", trigger: .manual)
        #expect(runs.count == 3)
        let records = try await harness.waitForRecords("fan", count: 3)
        #expect(Set(records.compactMap { $0.params["market"]?.description }) == ["NL", "BE", "DE"])
        #expect(records.allSatisfy { $0.status == .completed && $0.fanout?.of == 3 })
        await harness.stop()
    }

    @Test func needsRunsDependentsAfterASuccess() async throws {
        let harness = try await SchedulerHarness(jobs: [
            "jobs/load.yaml": "steps:\n  - run: [\"true\"]\n",
            "jobs/report.yaml": "needs: [load]\nsteps:\n  - run: [\"true\"]\n",
        ], start: "2026-06-01T00:00:00Z")
        _ = try await harness.scheduler.trigger("load", trigger: .manual)
        let report = try await harness.waitForRecords("report", count: 1)
        #expect(report[0].trigger == .dependency && report[0].status == .completed)
        await harness.stop()
    }

    @Test func aMissingCommandFailsWithAClearError() async throws {
        let harness = try await SchedulerHarness(jobs: ["jobs/typo.yaml": "steps:\n  - name: extract\n    run: [pyhton3-does-not-exist, x.py]\n"],
                                                 start: "2026-06-01T00:00:00Z")
        _ = try await harness.scheduler.trigger("typo", trigger: .manual)
        let records = try await harness.waitForRecords("typo", count: 1)
        #expect(records[0].status == .failed)
        #expect(records[0].error?.contains("pyhton3-does-not-exist") == true)
        await harness.stop()
    }

    @Test func unknownParametersAreRefused() async throws {
        let harness = try await SchedulerHarness(jobs: ["jobs/p.yaml": "params:\n  market: {allowed: [NL]}\nsteps:\n  - run: [\"true\"]\n"],
                                                 start: "2026-06-01T00:00:00Z")
        await #expect(throws: TriggerRefusal.self) { try await harness.scheduler.trigger("p", trigger: .manual, parameters: ["markt": .text("NL")]) }
        await #expect(throws: TriggerRefusal.self) { try await harness.scheduler.trigger("p", trigger: .manual, parameters: ["market": .text("FR")]) }
        await harness.stop()
    }

    @Test func eventsRunJobsWhoseFilterPassesAndRecordTheRestFiltered() async throws {
        let job = "on: {events: [marketplace.entitlement]}\nfilter: event.amount > 1000 and lower(event.status) == \"active\"\nconcurrency: allow\nsteps:\n  - run: [\"true\"]\n"
        let harness = try await SchedulerHarness(jobs: ["jobs/big.yaml": job, "jobs/other.yaml": "on: {events: [other]}\nsteps:\n  - run: [\"true\"]\n"],
                                                 start: "2026-06-01T00:00:00Z")
        let small = await harness.scheduler.dispatchEvent(type: "marketplace.entitlement", payload: ["amount": 10, "status": "ACTIVE"])
        #expect(small.count == 1)
        guard case .filtered = small.first?.outcome else { Issue.record("expected filtered"); return }
        let large = await harness.scheduler.dispatchEvent(type: "marketplace.entitlement", payload: ["amount": 5000, "status": "Active"])
        guard case .started(let runs) = large.first?.outcome else { Issue.record("expected started"); return }
        #expect(runs.count == 1)
        let records = try await harness.waitForRecords("big", count: 2)
        #expect(records.map(\.status).sorted { $0.rawValue < $1.rawValue } == [.completed, .filtered])
        #expect(records.first { $0.status == .filtered }?.warnings == ["event 'marketplace.entitlement' did not pass the filter: event.amount > 1000 and lower(event.status) == \"active\""])
        #expect(records.allSatisfy { $0.trigger == .event })
        #expect(harness.records("other").isEmpty)
        await harness.stop()
    }

    @Test func retentionKeepsTheNewestRuns() async throws {
        let root = try TemporaryRoot()
        let recorder = FileRunRecorder(folder: HistoryFolder(root: root.path))
        for hour in 0..<5 {
            let at = SchedulerHarness.date("2026-06-01T0\(hour):00:00Z")
            try recorder.append(RunRecord(run: "20260601T0\(hour)0000.000Z-0000000\(hour)", job: "kept", trigger: .manual, status: .completed,
                                          startedAt: at, finishedAt: at))
        }
        let harness = try await SchedulerHarness(jobs: ["jobs/kept.yaml": "steps:\n  - run: [\"true\"]\n"],
                                                 config: "history: {keepRuns: 2}\n", start: "2026-06-01T06:00:00Z", root: root)
        let results = await RetentionService(scheduler: harness.scheduler, log: { _ in }).compact(now: harness.clock.now())
        #expect(results.map(\.removed) == [3])
        #expect(harness.records("kept").map(\.run) == ["20260601T030000.000Z-00000003", "20260601T040000.000Z-00000004"])
        await harness.stop()
    }

    @Test func catchUpStartsAfterTheLatestFireRecordedEvenWhenRecordsAreOutOfOrder() async throws {
        let root = try TemporaryRoot()
        let recorder = FileRunRecorder(folder: HistoryFolder(root: root.path))
        // The 01:00 fire was skipped while the 00:00 run was still going; that run finished later,
        // so its record comes last in the file.
        try recorder.append(RunRecord(run: "20260601T010000.000Z-00000001", job: "hourly", trigger: .schedule, status: .skipped,
                                      scheduledFor: SchedulerHarness.date("2026-06-01T01:00:00Z"), finishedAt: SchedulerHarness.date("2026-06-01T01:00:00Z")))
        try recorder.append(RunRecord(run: "20260601T000000.000Z-00000000", job: "hourly", trigger: .schedule, status: .completed,
                                      scheduledFor: SchedulerHarness.date("2026-06-01T00:00:00Z"), finishedAt: SchedulerHarness.date("2026-06-01T01:30:00Z")))
        let harness = try await SchedulerHarness(jobs: ["jobs/hourly.yaml": "schedule: \"0 * * * *\"\nsteps:\n  - run: [\"true\"]\n"],
                                                 start: "2026-06-01T03:30:00Z", root: root)
        let records = try await harness.waitForRecords("hourly", count: 4)
        let missed = try #require(records.first { $0.status == .missed })
        #expect(missed.count == 1)
        #expect(missed.firstScheduledFor == SchedulerHarness.date("2026-06-01T02:00:00Z"))
        #expect(records.last?.scheduledFor == SchedulerHarness.date("2026-06-01T03:00:00Z"))
        let fires = records.compactMap(\.scheduledFor)
        #expect(Set(fires).count == fires.count)
        await harness.stop()
    }
}

@Suite("In-flight markers")
struct MarkerTests {
    /// The regression of the marker race: a child's start used to be written by a detached task
    /// that could run after the run's end, re-creating the marker of a finished run (17 of 200
    /// back-to-back `jobctl run` calls were then refused as "in progress").
    @Test func noMarkerOutlivesItsRunOver200BackToBackRuns() async throws {
        let root = try TemporaryRoot()
        try root.write("jobs/f.yaml", "steps:\n  - run: [\"true\"]\n")
        let definitions = try RootFolder(path: root.path).load()
        for attempt in 0..<200 {
            let clock = SystemClock()
            let history = HistoryFolder(root: root.path)
            let tracker = RunTracker(root: root.path, history: history, recorder: FileRunRecorder(folder: history, durability: .unsynced), clock: clock, node: "test")
            let scheduler = Scheduler(root: root.path, clock: clock, tracker: tracker, performer: ExecutionPerformer())
            await scheduler.load(AppliedState(commit: nil, definitions: definitions, appliedAt: Date()), catchingUp: false)
            let runs = try await scheduler.trigger("f", trigger: .manual)
            #expect(runs.count == 1, "attempt \(attempt)")
            await scheduler.waitUntilIdle()
            #expect(tracker.registry.marker(run: runs[0]) == nil, "attempt \(attempt): the marker of a finished run exists")
        }
        let records = try HistoryReader(folder: HistoryFolder(root: root.path)).lastRecords(job: "f", count: 1000).records
        #expect(records.count == 200)
        #expect(records.allSatisfy { $0.status == .completed })
    }
}
