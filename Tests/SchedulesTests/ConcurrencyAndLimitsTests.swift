import Foundation
import Schedules
import Testing

struct ConcurrencyAndLimitsTests {
    @Test func manyTasksShareZoneTables() async throws {
        let cron = try CronExpression("*/7 * * * *")
        let zones = ["America/New_York", "Europe/Berlin", "Australia/Lord_Howe", "Asia/Kathmandu", "Pacific/Chatham"]
        let start = Fixture.instant("2026-03-01T00:00:00Z")
        let results = await withTaskGroup(of: [Date].self) { group in
            for i in 0..<20 {
                let zone = Fixture.zone(zones[i % zones.count])
                group.addTask {
                    var t = start
                    var out: [Date] = []
                    for _ in 0..<500 {
                        guard let next = cron.next(after: t, in: zone) else { break }
                        out.append(next)
                        t = next
                    }
                    return out
                }
            }
            var all: [[Date]] = []
            for await r in group { all.append(r) }
            return all
        }
        #expect(results.count == 20)
        #expect(results.allSatisfy { $0.count == 500 })
    }

    @Test func extremeInstantsDoNotCrash() throws {
        let cron = try CronExpression("0 0 29 2 *")
        let zone = Fixture.zone("America/New_York")
        #expect(cron.next(after: .distantPast, in: zone) != nil)
        if let far = cron.next(after: .distantFuture, in: zone) {
            #expect(far > .distantFuture)
        }
        #expect(cron.next(after: Date(timeIntervalSince1970: .infinity), in: zone) == nil)
        #expect(cron.next(after: Date(timeIntervalSince1970: .nan), in: zone) == nil)
    }

    @Test func everyMacroInAJobIsAnchoredAtStart() throws {
        let schedule = JobSchedule(kind: .cron(try CronExpression("@every 45m")), zone: Fixture.zone("UTC"),
                                   start: try LocalDateTime("2026-01-01T00:10"), end: nil, jitter: nil, jitterKey: "x")
        let fires = schedule.fires(after: Fixture.instant("2026-01-01T00:00:00Z"), count: 2)
        #expect(fires.map(\.scheduledFor) == [Fixture.instant("2026-01-01T00:10:00Z"), Fixture.instant("2026-01-01T00:55:00Z")])
    }
}
