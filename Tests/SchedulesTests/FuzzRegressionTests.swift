import Foundation
import Testing
@testable import Schedules

/// Inputs the fuzzers found (their files are in Tests/Fuzz/Corpus too, replayed by CI).
@Suite struct FuzzRegressionTests {
    /// `@every` 14 million weeks: past year ~287,000 the next fire went backwards (a clamp in the
    /// millisecond arithmetic). Fires must move strictly forward, or end (nil).
    @Test func aHugeEveryIntervalNeverGoesBackwards() throws {
        let cron = try CronExpression("@every  .0S7S7000000W0.0S7S7000000W0S,")
        var instant = Date(timeIntervalSince1970: 1_774_828_800)
        for _ in 0..<6 {
            guard let next = cron.next(after: instant, in: TimeZone(identifier: "UTC")!) else { return }
            #expect(next > instant)
            instant = next
        }
    }
}
