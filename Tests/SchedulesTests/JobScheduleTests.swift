import Foundation
import Schedules
import Testing

/// A job's whole schedule: cron, `every`, `at`, the start/end bounds and stable jitter.
struct JobScheduleTests {
    let berlin = Fixture.zone("Europe/Berlin")

    func schedule(_ kind: JobSchedule.Kind, start: String? = nil, end: String? = nil,
                  jitter: String? = nil, key: String = "reports/nightly", zone: String = "Europe/Berlin") throws -> JobSchedule {
        JobSchedule(kind: kind, zone: Fixture.zone(zone),
                    start: try start.map { try LocalDateTime($0) },
                    end: try end.map { try LocalDateTime($0) },
                    jitter: try jitter.map { try JobDuration($0) }, jitterKey: key)
    }

    func iso(_ fires: [FireTime], _ zone: String = "Europe/Berlin") -> [String] {
        fires.map { RFC3339.string($0.scheduledFor, in: Fixture.zone(zone)) }
    }

    @Test func everyIsAnchoredAtStart() throws {
        let s = try schedule(.every(JobDuration("90m")), start: "2026-01-01T08:00")
        #expect(iso(s.fires(after: Fixture.instant("2025-06-01T00:00:00Z"), count: 3))
            == ["2026-01-01T08:00:00+01:00", "2026-01-01T09:30:00+01:00", "2026-01-01T11:00:00+01:00"])
        #expect(iso(s.fires(after: Fixture.instant("2026-01-01T08:00", in: berlin), count: 1)) == ["2026-01-01T09:30:00+01:00"])
        #expect(iso(s.fires(after: Fixture.instant("2026-01-02T00:00", in: berlin), count: 1)) == ["2026-01-02T00:30:00+01:00"])
    }

    @Test func everyWithoutStartIsAnchoredAtTheEpoch() throws {
        let s = try schedule(.every(JobDuration("7m")), zone: "UTC")
        // 2026-01-01T00:00:00Z is 29,453,760 minutes after the epoch = 7 x 4,207,680: a fire time,
        // so the next ones (strictly after) are 7 and 14 minutes later.
        #expect(iso(s.fires(after: Fixture.instant("2026-01-01T00:00:00Z"), count: 2), "UTC")
            == ["2026-01-01T00:07:00Z", "2026-01-01T00:14:00Z"])
        #expect(iso(s.fires(after: Fixture.instant("2026-01-01T00:03:00Z"), count: 1), "UTC") == ["2026-01-01T00:07:00Z"])
    }

    @Test func everyWalksRealTimeAcrossDST() throws {
        let s = try schedule(.every(JobDuration("1h")), start: "2026-03-29T00:00")
        #expect(iso(s.fires(after: Fixture.instant("2026-03-29T00:30", in: berlin), count: 3))
            == ["2026-03-29T01:00:00+01:00", "2026-03-29T03:00:00+02:00", "2026-03-29T04:00:00+02:00"])
    }

    @Test func atFiresOnceAndResolvesGapsForward() throws {
        let s = try schedule(.at(LocalDateTime("2026-03-29T02:30")))
        let fires = s.fires(after: Fixture.instant("2026-01-01T00:00:00Z"), count: 5)
        #expect(iso(fires) == ["2026-03-29T03:00:00+02:00"])
        #expect(s.nextFire(after: Fixture.instant("2026-03-29T03:00", in: berlin)) == nil)
        #expect(s.canEverFire)
    }

    @Test func startAndEndBoundCron() throws {
        let s = try schedule(.cron(CronExpression("0 8 * * *")), start: "2026-01-01", end: "2026-01-03")
        #expect(iso(s.fires(after: Fixture.instant("2025-01-01T00:00:00Z"), count: 10))
            == ["2026-01-01T08:00:00+01:00", "2026-01-02T08:00:00+01:00", "2026-01-03T08:00:00+01:00"])
        let timed = try schedule(.cron(CronExpression("0 8 * * *")), start: "2026-01-01T08:00", end: "2026-01-02T08:00")
        #expect(iso(timed.fires(after: Fixture.instant("2025-01-01T00:00:00Z"), count: 10))
            == ["2026-01-01T08:00:00+01:00", "2026-01-02T08:00:00+01:00"])
        let until7 = try schedule(.cron(CronExpression("0 8 * * *")), end: "2026-01-02T07:59:59")
        #expect(iso(until7.fires(after: Fixture.instant("2025-12-31T12:00:00Z"), count: 10)) == ["2026-01-01T08:00:00+01:00"])
    }

    @Test func canEverFire() throws {
        #expect(try !schedule(.cron(CronExpression("0 8 * * *")), start: "2026-02-01", end: "2026-01-01").canEverFire)
        #expect(try !schedule(.at(LocalDateTime("2025-12-31T18:00")), start: "2026-01-01").canEverFire)
        #expect(try !schedule(.every(JobDuration(milliseconds: 0))).canEverFire)
        #expect(try !schedule(.cron(CronExpression("0 0 29 2 *")), start: "2026-03-01", end: "2027-12-31").canEverFire)
        #expect(try schedule(.cron(CronExpression("0 0 29 2 *")), start: "2026-03-01", end: "2028-12-31").canEverFire)
        #expect(try schedule(.every(JobDuration("1d"))).canEverFire)
    }

    @Test func jitterIsStableAndInRange() throws {
        let cron = try CronExpression("0 * * * *")
        let a = try schedule(.cron(cron), jitter: "5m", key: "reports/a")
        let again = try schedule(.cron(cron), jitter: "5m", key: "reports/a")
        let b = try schedule(.cron(cron), jitter: "5m", key: "reports/b")
        let from = Fixture.instant("2026-01-01T00:00:00Z")
        let firesA = a.fires(after: from, count: 200)
        #expect(firesA == again.fires(after: from, count: 200))
        var delays = Set<Int>()
        for fire in firesA {
            let delay = fire.runAt.timeIntervalSince(fire.scheduledFor)
            #expect(delay >= 0 && delay < 300)
            delays.insert(Int(delay))
        }
        #expect(delays.count > 100)  // spread, not constant
        #expect(firesA.map(\.runAt) != b.fires(after: from, count: 200).map(\.runAt))
        #expect(firesA.map(\.scheduledFor) == b.fires(after: from, count: 200).map(\.scheduledFor))
    }

    @Test func jitterIsAFixedFunctionAcrossReleases() throws {
        // Pinned values: changing the hash would move every jittered job in production.
        let s = try schedule(.cron(CronExpression("0 8 * * *")), jitter: "10m", key: "reports/paid-search", zone: "UTC")
        let fire = try #require(s.nextFire(after: Fixture.instant("2026-01-01T00:00:00Z")))
        #expect(fire.scheduledFor == Fixture.instant("2026-01-01T08:00:00Z"))
        #expect(RFC3339.string(fire.runAt, in: Fixture.zone("UTC")) == StableJitterPin.reportsPaidSearch20260101)
    }

    @Test func dstNotesReachFireTimes() throws {
        let s = try schedule(.cron(CronExpression("30 2 * * *")))
        let fire = try #require(s.nextFire(after: Fixture.instant("2026-03-29T00:00", in: berlin)))
        #expect(fire.dst == .moved(from: try LocalDateTime("2026-03-29T02:30")))
    }
}

enum StableJitterPin {
    static let reportsPaidSearch20260101 = "2026-01-01T08:04:53.691Z"
}
