import Expressions
import Foundation
import Scheduler
@testable import Server
import Testing

@Suite("JSON writing of the hot paths")
struct JSONTests {
    @Test func theEventsAnswerIsWhatJSONEncoderWrites() throws {
        let dispatched = EventRoutes.Dispatched(type: "order.\"created\"\n", decisions: [
            .init(outcome: "started", job: "a/b", runs: ["r1", "r2"]),
            .init(outcome: "filtered", job: "c", runs: ["r3"]),
            .init(outcome: "refused", job: "d", runs: [], error: .init(code: "concurrency", message: "run x\\y \u{01} is in progress", runInProgress: "x")),
        ], started: ["r1", "r2"], filtered: ["r3"])
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        let expected = try JSONSerialization.jsonObject(with: try encoder.encode(dispatched)) as? NSDictionary
        let written = try JSONSerialization.jsonObject(with: Data(dispatched.json)) as? NSDictionary
        #expect(written == expected)
        #expect(String(decoding: dispatched.json, as: UTF8.self) == String(decoding: try encoder.encode(dispatched), as: UTF8.self))
    }

    @Test func theJobsListIsWhatJSONEncoderWrites() throws {
        let full = JobView(
            id: "team/a", name: "A \"quoted\" job", description: "with\ttabs\nand a \u{01} control", enabled: false, state: .paused,
            schedule: .init(kind: "cron", expression: "0 8 * * 1-5", timezone: "Europe/Brussels"), events: ["order.paid", "x/y"],
            nextFire: "2026-12-02T07:00:00.000Z", lastRun: .init(run: "20261201T080000.000Z-aaaaaaaa", status: "failed", finishedAt: "2026-12-01T08:00:01.250Z"),
            pause: JobPause(job: "team/a", since: Date(timeIntervalSince1970: 1_796_112_000.25), until: Date(timeIntervalSince1970: 1_796_126_400),
                            reason: "maintenance ✓", by: "token ops"))
        let bare = JobView(id: "b", name: "b", description: nil, enabled: true, state: .active, schedule: nil, events: [], nextFire: nil,
                           lastRun: nil, pause: JobPause(job: "b", since: Date(timeIntervalSince1970: 0), by: "cli"))
        let minimal = JobView(id: "c", name: "c", description: nil, enabled: true, state: .pending, schedule: nil, events: [],
                              nextFire: nil, lastRun: nil, pause: nil)
        for list in [JobRoutes.JobList(jobs: [full, bare, minimal], total: 40, start: 10, limit: 3), JobRoutes.JobList(jobs: [], total: 0, start: 0, limit: 30)] {
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
            let encoded = try encoder.encode(list)
            #expect(try JSONSerialization.jsonObject(with: Data(list.json)) as? NSDictionary == JSONSerialization.jsonObject(with: encoded) as? NSDictionary)
            #expect(String(decoding: list.json, as: UTF8.self) == String(decoding: encoded, as: UTF8.self))
        }
    }
}
