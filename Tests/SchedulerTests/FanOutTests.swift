import Definitions
import Foundation
import History
import Scheduler
import Testing
import TestSupport

@Suite("maxParallel with real child processes")
struct FanOutTests {
    /// Each child appends `start <ns>` and `end <ns>` (its own clock readings) to `times/<market>`,
    /// and waits for the file `go` in between.
    static func job(schedule: String = "") -> String {
        """
        \(schedule)params:
          market: {default: NL}
        matrix:
          market: [NL, BE, DE, FR, LU]
        maxParallel: 2
        concurrency: allow
        steps:
          - run: [sh, -c, 'mkdir -p times; echo "start $(date +%s%N)" >> times/$1; while [ ! -f go ]; do sleep 0.02; done; echo "end $(date +%s%N)" >> times/$1', x, "{{params.market}}"]
        """
    }

    /// The most children alive at once, from their own start and end times.
    static func maxOverlap(_ root: TemporaryRoot) throws -> Int {
        var events: [(time: UInt64, delta: Int)] = []
        for market in ["NL", "BE", "DE", "FR", "LU"] {
            let lines = try #require(root.read("times/\(market)")).split(separator: "\n")
            for line in lines {
                let parts = line.split(separator: " ")
                let time = try #require(UInt64(parts[1]))
                events.append((time, parts[0] == "start" ? 1 : -1))
            }
        }
        // At equal times an end counts before a start: touching is not overlapping.
        events.sort { ($0.time, $0.delta) < ($1.time, $1.delta) }
        var alive = 0, most = 0
        for event in events {
            alive += event.delta
            most = max(most, alive)
        }
        return most
    }

    @Test func aManualFanOutRunsAtMostTwoAtOnceInOrderAndShowsItsProgress() async throws {
        let harness = try await SchedulerHarness(jobs: ["jobs/fan.yaml": Self.job()], start: "2026-06-01T00:00:00Z")
        let started = try await harness.scheduler.trigger("fan", trigger: .manual)
        #expect(started.count == 2, "maxParallel: 2 starts two, the rest wait")
        try await eventually { harness.root.read("times/NL") != nil && harness.root.read("times/BE") != nil }
        let progress = try #require(await harness.scheduler.fanOutsInProgress.first)
        #expect((progress.size, progress.limit, progress.running, progress.waiting, progress.completed) == (5, 2, 2, 3, 0))
        #expect(await harness.scheduler.runningRuns.compactMap { $0.fanout?.key }.sorted() == ["market=BE", "market=NL"])
        #expect(harness.root.read("times/DE") == nil)
        try harness.root.write("go", "")
        let records = try await harness.waitForRecords("fan", count: 5)
        #expect(records.allSatisfy { $0.status == .completed })
        #expect(Set(records.compactMap(\.fanout?.group)).count == 1)
        #expect(try Self.maxOverlap(harness.root) == 2)
        // The first two of the matrix started first; the waiting ones only as earlier ones ended.
        // (Among DE, FR and LU the children's own clocks cannot tell the spawn order: two
        // started in the same instant may read `date` in either order on a loaded machine.)
        let starts = ["NL", "BE", "DE", "FR", "LU"].map { market in
            UInt64((harness.root.read("times/\(market)") ?? "").split(separator: "\n").first?.split(separator: " ").last ?? "") ?? 0
        }
        #expect(starts.allSatisfy { $0 > 0 })
        #expect(max(starts[0], starts[1]) < starts[2...].min()!)
        #expect(try await eventually { await harness.scheduler.fanOutsInProgress.isEmpty })
        await harness.stop()
    }

    @Test func aScheduledFanOutIsLimitedToo() async throws {
        let harness = try await SchedulerHarness(jobs: ["jobs/fan.yaml": Self.job(schedule: "schedule: \"* * * * *\"\n")], start: "2026-06-01T00:00:30Z")
        try harness.root.write("go", "")
        harness.advance(to: "2026-06-01T00:01:00Z")
        let records = try await harness.waitForRecords("fan", count: 5)
        #expect(records.allSatisfy { $0.trigger == .schedule && $0.status == .completed })
        #expect(try Self.maxOverlap(harness.root) <= 2)
        await harness.stop()
    }
}

@Suite("concurrency: skip holds for matrix jobs on every trigger")
struct MatrixSkipTests {
    @Test func aSecondAPIRequestOfASkipMatrixJobIsSkippedWhileTheFirstFanOutRuns() async throws {
        let job = """
            params: {market: {default: NL}}
            matrix: {market: [NL, BE]}
            concurrency: skip
            steps:
              - run: [sh, -c, 'while [ ! -f go ]; do sleep 0.02; done']
            """
        let harness = try await SchedulerHarness(jobs: ["jobs/fan.yaml": job], start: "2026-06-01T00:00:00Z")
        let first = try await harness.scheduler.trigger("fan", trigger: .api)
        #expect(first.count == 2)
        for trigger in [Trigger.api, .manual, .event] {
            await #expect(throws: TriggerRefusal.self, "\(trigger)") { try await harness.scheduler.trigger("fan", trigger: trigger) }
        }
        #expect(await harness.scheduler.runningRuns.count == 2, "no second fan-out's children")
        try harness.root.write("go", "")
        let records = try await harness.waitForRecords("fan", count: 2 + 3 * 2)
        #expect(records.filter { $0.status == .completed }.count == 2)
        #expect(records.filter { $0.status == .skipped }.count == 6)
        await harness.stop()
    }
}
