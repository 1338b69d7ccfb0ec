import Foundation
import Testing
@testable import Schedules

/// Inputs the fuzzers found (their files are in Tests/Fuzz/Corpus too, replayed by CI).
@Suite struct FuzzRegressionTests {
    /// `@every` 14 million weeks: past year ~287,000 the next fire went backwards (a clamp in the
    /// millisecond arithmetic), and with a sub-second part it stood still (a Date far out is
    /// coarser than a millisecond). Fires must move strictly forward, or end (nil).
    @Test(arguments: ["@every  .0S7S7000000W0.0S7S7000000W0S,", "@every .7S7S7000000W0S7S7551615W0S,"])
    func aHugeEveryIntervalNeverGoesBackwards(expression: String) throws {
        let cron = try CronExpression(expression)
        var instant = Date(timeIntervalSince1970: 1_774_828_800)
        for zone in ["UTC", "Europe/Amsterdam"] {
            for _ in 0..<6 {
                guard let next = cron.next(after: instant, in: TimeZone(identifier: zone)!) else { break }
                #expect(next > instant, "\(zone)")
                instant = next
            }
        }
    }
}
