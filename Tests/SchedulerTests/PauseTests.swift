import Definitions
import Foundation
import History
import Scheduler
import Testing
import TestSupport

@Suite("Pause and resume: fires held back are recorded as one skipped record per gap")
struct PauseTests {
    static let minutely = ["jobs/tick.yaml": "schedule: \"* * * * *\"\nsteps:\n  - run: [\"true\"]\n"]

    /// Steps the clock to each minute in `minutes` and lets the scheduler handle its fire.
    static func fire(_ harness: SchedulerHarness, minutes: ClosedRange<Int>) async {
        for minute in minutes {
            harness.advance(to: String(format: "2026-06-01T00:%02d:00Z", minute))
            await harness.scheduler.fireDue()
        }
    }

    @Test func pausedFiresAreCountedAndRecordedOnceWhenResumed() async throws {
        let harness = try await SchedulerHarness(jobs: Self.minutely, start: "2026-06-01T00:00:30Z")
        let pause = try await harness.scheduler.pause("tick", until: nil, reason: "warehouse incident", by: "user ops")
        #expect(pause.by == "user ops")
        #expect(await harness.scheduler.pausedJobs["tick"] != nil)
        await Self.fire(harness, minutes: 1...3)
        try await eventually { await harness.settle() }
        #expect(harness.records("tick").isEmpty, "no run while paused")
        _ = try await harness.scheduler.resume("tick", by: "user ops")
        let gap = try await harness.waitForRecords("tick", count: 1)
        #expect(gap[0].status == .skipped)
        #expect(gap[0].count == 3)
        #expect(gap[0].firstScheduledFor == SchedulerHarness.date("2026-06-01T00:01:00Z"))
        #expect(gap[0].lastScheduledFor == SchedulerHarness.date("2026-06-01T00:03:00Z"))
        #expect(gap[0].warnings.first?.hasPrefix("paused: 3 fires not run (paused since 2026-06-01T00:00:30.000Z by user ops: warehouse incident") == true, "\(gap[0].warnings)")
        await Self.fire(harness, minutes: 4...4)
        let after = try await harness.waitForRecords("tick", count: 2)
        #expect(after[1].status == .completed && after[1].scheduledFor == SchedulerHarness.date("2026-06-01T00:04:00Z"))
        await harness.stop()
    }

    @Test func aPauseWithAnEndLiftsItselfAndAShutdownRecordsAnOpenGap() async throws {
        let harness = try await SchedulerHarness(jobs: Self.minutely, start: "2026-06-01T00:00:30Z")
        _ = try await harness.scheduler.pause("tick", until: SchedulerHarness.date("2026-06-01T00:02:30Z"), reason: nil, by: "token ci")
        await Self.fire(harness, minutes: 1...3)
        let records = try await harness.waitForRecords("tick", count: 2)
        #expect(records.map(\.status) == [.skipped, .completed])
        #expect(records[0].count == 2 && records[1].scheduledFor == SchedulerHarness.date("2026-06-01T00:03:00Z"))

        _ = try await harness.scheduler.pause("tick", until: nil, reason: nil, by: "token ci")
        await Self.fire(harness, minutes: 4...5)
        await harness.stop()
        let all = harness.records("tick")
        #expect(all.count == 3 && all[2].status == .skipped && all[2].count == 2, "a shutdown records the open gap: \(all.map(\.status))")
    }

    @Test func thePauseIsSharedThroughTheRootsStateAndAnUnknownJobIsRefused() async throws {
        let harness = try await SchedulerHarness(jobs: Self.minutely, start: "2026-06-01T00:00:30Z")
        await #expect(throws: TriggerRefusal.self) { try await harness.scheduler.pause("nope", until: nil, reason: nil, by: "x") }
        // As `jobctl pause` writes it, another process's pause holds here at the next fire.
        try PauseStore(root: harness.root.path).pause(JobPause(job: "tick", since: Date(), by: "user cli"))
        await Self.fire(harness, minutes: 1...1)
        try await eventually { await harness.settle() }
        #expect(harness.records("tick").isEmpty)
        try PauseStore(root: harness.root.path).resume(job: "tick")
        await Self.fire(harness, minutes: 2...2)
        let records = try await harness.waitForRecords("tick", count: 2)
        #expect(records.map(\.status) == [.skipped, .completed])
        await harness.stop()
    }
}
