import Definitions
import Foundation
import Schedules
import Scheduler
import Testing

@Suite("Due queue, catch-up and rate limits")
struct PlanningTests {
    let utc = TimeZone(identifier: "UTC")!
    func date(_ text: String) -> Date { ISO8601DateFormatter().date(from: text)! }
    func schedule(_ cron: String, zone: String = "UTC") throws -> JobSchedule {
        JobSchedule(kind: .cron(try CronExpression(cron)), zone: TimeZone(identifier: zone)!, start: nil, end: nil, jitter: nil, jitterKey: "job")
    }

    @Test func dueQueueOrdersByRunAtAndKeepsOneEntryPerJob() {
        var queue = DueQueue()
        let t0 = date("2026-01-01T00:00:00Z")
        queue.schedule(DueFire(job: "b", scheduledFor: t0.addingTimeInterval(20), runAt: t0.addingTimeInterval(20)))
        queue.schedule(DueFire(job: "a", scheduledFor: t0.addingTimeInterval(10), runAt: t0.addingTimeInterval(30)))
        queue.schedule(DueFire(job: "c", scheduledFor: t0.addingTimeInterval(5), runAt: t0.addingTimeInterval(5)))
        queue.schedule(DueFire(job: "c", scheduledFor: t0.addingTimeInterval(50), runAt: t0.addingTimeInterval(50)))  // replaces c
        #expect(queue.count == 3)
        #expect(queue.popDue(at: t0.addingTimeInterval(4)).isEmpty)
        #expect(queue.popDue(at: t0.addingTimeInterval(30)).map(\.job.rawValue) == ["b", "a"])
        queue.remove("c")
        #expect(queue.popDue(at: t0.addingTimeInterval(100)).isEmpty)
        #expect(queue.isEmpty)
    }

    @Test func dueQueueAtScale() {
        var queue = DueQueue()
        let t0 = date("2026-01-01T00:00:00Z")
        for index in 0..<10_000 {
            let id = JobID("job-\(index)")!
            queue.schedule(DueFire(job: id, scheduledFor: t0, runAt: t0.addingTimeInterval(Double((index * 7919) % 10_000))))
        }
        let due = queue.popDue(at: t0.addingTimeInterval(9_999))
        #expect(due.count == 10_000)
        #expect(zip(due, due.dropFirst()).allSatisfy { $0.runAt <= $1.runAt })
    }

    @Test func catchUpAfterAWeekDownOnAPerSecondJobIsOneRecordAndOneDecision() throws {
        let perSecond = try schedule("* * * * * *")
        let last = date("2026-03-01T00:00:00Z")
        let now = date("2026-03-08T00:00:00Z")
        let plan = CatchupPlanner.plan(schedule: perSecond, policy: .latest, window: try JobDuration("24h"), lastFire: last, now: now)
        #expect(plan.run.map(\.scheduledFor) == [now])
        #expect(plan.missed == MissedFires(count: 7 * 86_400 - 1, first: last.addingTimeInterval(1), last: now.addingTimeInterval(-1)))
        #expect(plan.next?.scheduledFor == now.addingTimeInterval(1))
    }

    @Test func catchUpPolicies() throws {
        let hourly = try schedule("0 * * * *")
        let last = date("2026-03-01T00:00:00Z")
        let now = date("2026-03-01T10:30:00Z")
        let window = try JobDuration("3h")
        let none = CatchupPlanner.plan(schedule: hourly, policy: .none, window: window, lastFire: last, now: now)
        #expect(none.run.isEmpty)
        #expect(none.missed == MissedFires(count: 10, first: date("2026-03-01T01:00:00Z"), last: date("2026-03-01T10:00:00Z")))
        let all = CatchupPlanner.plan(schedule: hourly, policy: .all, window: window, lastFire: last, now: now)
        #expect(all.run.map(\.scheduledFor) == [date("2026-03-01T08:00:00Z"), date("2026-03-01T09:00:00Z"), date("2026-03-01T10:00:00Z")])
        #expect(all.missed == MissedFires(count: 7, first: date("2026-03-01T01:00:00Z"), last: date("2026-03-01T07:00:00Z")))
        let latestOutside = CatchupPlanner.plan(schedule: hourly, policy: .latest, window: try JobDuration("10m"), lastFire: last, now: now)
        #expect(latestOutside.run.isEmpty)
        #expect(latestOutside.missed?.count == 10)
        let nothingMissed = CatchupPlanner.plan(schedule: hourly, policy: .latest, window: window, lastFire: date("2026-03-01T10:00:00Z"), now: now)
        #expect(nothingMissed.run.isEmpty && nothingMissed.missed == nil)
        #expect(nothingMissed.next?.scheduledFor == date("2026-03-01T11:00:00Z"))
    }

    @Test func catchUpAcrossSpringForwardInNewYork() throws {
        // 02:30 does not exist on 2026-03-08 in New York; the fixed-time job fires at 03:00 instead.
        let daily = try schedule("30 2 * * *", zone: "America/New_York")
        let plan = CatchupPlanner.plan(schedule: daily, policy: .all, window: try JobDuration("3d"),
                                       lastFire: date("2026-03-06T12:00:00Z"), now: date("2026-03-09T12:00:00Z"))
        #expect(plan.run.map(\.scheduledFor) == [
            date("2026-03-07T07:30:00Z"),  // 02:30 EST
            date("2026-03-08T07:00:00Z"),  // 03:00 EDT, the end of the gap
            date("2026-03-09T06:30:00Z"),  // 02:30 EDT
        ])
    }

    @Test func rateWindowCountsTheStartsItIsGiven() throws {
        let limit = RateLimit(max: 2, per: try JobDuration("1h"))
        let t0 = date("2026-01-01T00:00:00Z")
        #expect(RateWindow(limit: limit, starts: [t0]).admits(at: t0.addingTimeInterval(60)))
        let full = RateWindow(limit: limit, starts: [t0, t0.addingTimeInterval(60)])
        #expect(!full.admits(at: t0.addingTimeInterval(120)))
        #expect(full.nextAdmission(after: t0.addingTimeInterval(120)) == t0.addingTimeInterval(3600))
        #expect(full.admits(at: t0.addingTimeInterval(3600)))
        #expect(full.admits(at: t0.addingTimeInterval(3601)))
    }
}
