import Definitions
import Foundation
import History
import Scheduler
import Testing
import TestSupport

@Suite("needs: dependents run after success, are recorded blocked after a failure")
struct DependencyTests {
    /// `load` fails while the file `fail` exists.
    static let jobs = [
        "jobs/load.yaml": "concurrency: allow\nsteps:\n  - run: [sh, -c, 'test ! -f fail']\n",
        "jobs/report.yaml": "needs: [load]\nsteps:\n  - run: [\"true\"]\n",
    ]

    @Test func aFailedUpstreamBlocksTheDependentNamingItsRunAndALaterSuccessRunsIt() async throws {
        let harness = try await SchedulerHarness(jobs: Self.jobs, start: "2026-06-01T00:00:00Z")
        try harness.root.write("fail", "")
        let failed = try await harness.scheduler.trigger("load", trigger: .manual)
        let blocked = try await harness.waitForRecords("report", count: 1)
        #expect(blocked[0].status == .blocked)
        #expect(blocked[0].trigger == .dependency)
        #expect(blocked[0].error?.hasPrefix("blocked: it needs load, whose run \(failed[0]) ended failed") == true, "\(blocked[0])")

        try FileManager.default.removeItem(atPath: harness.root.path + "/fail")
        _ = try await harness.scheduler.trigger("load", trigger: .manual)
        let after = try await harness.waitForRecords("report", count: 2)
        #expect(after[1].status == .completed && after[1].trigger == .dependency)
        await harness.stop()
    }

    @Test func aFanOutUpstreamSucceedsOnlyWhenEveryCellDid() async throws {
        let jobs = [
            "jobs/fan.yaml": "params: {market: {default: NL}}\nmatrix: {market: [NL, BE, DE]}\nconcurrency: allow\nsteps:\n  - run: [sh, -c, 'test ! -f fail-$1', x, \"{{params.market}}\"]\n",
            "jobs/after.yaml": "needs: [fan]\nsteps:\n  - run: [\"true\"]\n",
        ]
        let harness = try await SchedulerHarness(jobs: jobs, start: "2026-06-01T00:00:00Z")
        try harness.root.write("fail-BE", "")
        _ = try await harness.scheduler.trigger("fan", trigger: .manual)
        let blocked = try await harness.waitForRecords("after", count: 1)
        let be = try #require(harness.records("fan").first { $0.params["market"]?.description == "BE" })
        #expect(blocked[0].status == .blocked)
        #expect(blocked[0].error?.contains("whose run \(be.run) ended failed") == true, "\(blocked[0])")
        #expect(harness.records("fan").count == 3)

        try FileManager.default.removeItem(atPath: harness.root.path + "/fail-BE")
        _ = try await harness.scheduler.trigger("fan", trigger: .manual)
        let after = try await harness.waitForRecords("after", count: 2)
        #expect(after[1].status == .completed)
        #expect(harness.records("fan").count == 6)
        // One run of the dependent for the whole fan-out, not one per cell.
        try await eventually { await harness.settle() }
        #expect(harness.records("after").count == 2)
        await harness.stop()
    }
}
