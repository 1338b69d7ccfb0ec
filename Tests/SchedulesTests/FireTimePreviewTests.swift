import Foundation
import Schedules
import Testing

/// The three output formats of `jobctl fire-times`, rendered by the library.
struct FireTimePreviewTests {
    let ny = Fixture.zone("America/New_York")

    func preview(_ expression: String, from: String, count: Int) throws -> FireTimePreview {
        let schedule = JobSchedule(kind: .cron(try CronExpression(expression)), zone: ny, start: nil, end: nil, jitter: nil, jitterKey: "x")
        return FireTimePreview(fires: schedule.fires(after: Fixture.instant(from, in: ny), count: count),
                               zone: ny, now: Fixture.instant("2026-03-01T00:00:00Z"))
    }

    @Test func isoIsOneInstantPerLineAndNothingElse() throws {
        #expect(try preview("30 2 * * *", from: "2026-03-07T00:00", count: 3).render(.iso) == """
            2026-03-07T02:30:00-05:00
            2026-03-08T03:00:00-04:00
            2026-03-09T02:30:00-04:00

            """)
    }

    @Test func textMarksDST() throws {
        #expect(try preview("30 2 * * *", from: "2026-03-07T00:00", count: 2).render(.text) == """
            #  local time (America/New_York)   UTC                   from now  DST
            1  Sat 2026-03-07 02:30:00 -05:00  2026-03-07 07:30:00Z  in 6d 7h
            2  Sun 2026-03-08 03:00:00 -04:00  2026-03-08 07:00:00Z  in 7d 7h  moved: 02:30 skipped by DST

            """)
        let text = try preview("30 * * * *", from: "2026-11-01T01:00", count: 2).render(.text)
        #expect(text.contains("twice: 01:30 repeats at DST end"))
    }

    @Test func json() throws {
        #expect(try preview("30 2 * * *", from: "2026-03-07T12:00", count: 1).render(.json) == """
            [
              {"scheduledFor": "2026-03-08T03:00:00-04:00", "runAt": "2026-03-08T03:00:00-04:00", "utc": "2026-03-08T07:00:00Z", "local": "2026-03-08T03:00:00", "weekday": "Sun", "utcOffset": "-04:00", "dst": {"kind": "moved", "from": "2026-03-08T02:30:00"}}
            ]

            """)
        let parsed = try JSONSerialization.jsonObject(with: Data(try preview("30 * * * *", from: "2026-11-01T01:00", count: 3).render(.json).utf8))
        #expect((parsed as? [Any])?.count == 3)
        #expect(FireTimePreview(fires: [], zone: ny, now: .now).render(.json) == "[]\n")
        #expect(FireTimePreview(fires: [], zone: ny, now: .now).render(.iso) == "")
    }

    @Test func distances() {
        let now = Fixture.instant("2026-01-01T00:00:00Z")
        #expect(FireTimePreview.distance(from: now, to: now) == "now")
        #expect(FireTimePreview.distance(from: now, to: now.addingTimeInterval(90)) == "in 1m 30s")
        #expect(FireTimePreview.distance(from: now, to: now.addingTimeInterval(3 * 86_400 + 4 * 3600 + 5)) == "in 3d 4h")
        #expect(FireTimePreview.distance(from: now, to: now.addingTimeInterval(-7200)) == "2h ago")
        #expect(FireTimePreview.distance(from: now, to: now.addingTimeInterval(3600 + 5)) == "in 1h")
    }
}

@Suite("fire times end with the year 9999")
struct LastYearTests {
    @Test func noFireIsScheduledAfterTheYear9999() throws {
        let schedule = try ScheduleSpec(every: "1000d", start: "9990-01-01").schedule()
        let fires = schedule.fires(after: try LocalDateTime("9990-01-01").resolve(in: schedule.zone), count: 1000)
        #expect(fires.count == 3)
        #expect(fires.allSatisfy { RFC3339.string($0.scheduledFor, in: schedule.zone).hasPrefix("99") })
        #expect(try ScheduleSpec(cron: "0 0 1 1 *").schedule().nextFire(after: try LocalDateTime("9999-06-01").resolve(in: .gmt)) == nil)
    }
}
