import Foundation
import Schedules
import Testing

/// Every feature of the dialect (DESIGN.md §3), in UTC so only the calendar is under test.
struct CronDialectTests {
    func utc(_ expression: String, from: String = "2026-01-01T00:00:00Z", _ count: Int) throws -> [String] {
        try Fixture.fires(expression, "UTC", from: from, count: count)
    }

    @Test func listsRangesAndSteps() throws {
        #expect(try utc("5,10 * * * *", 3) == ["2026-01-01T00:05:00Z", "2026-01-01T00:10:00Z", "2026-01-01T01:05:00Z"])
        #expect(try utc("*/15 * * * *", 3) == ["2026-01-01T00:15:00Z", "2026-01-01T00:30:00Z", "2026-01-01T00:45:00Z"])
        #expect(try utc("5-59/15 * * * *", 4) == ["2026-01-01T00:05:00Z", "2026-01-01T00:20:00Z", "2026-01-01T00:35:00Z", "2026-01-01T00:50:00Z"])
        #expect(try utc("50/5 * * * *", 3) == ["2026-01-01T00:50:00Z", "2026-01-01T00:55:00Z", "2026-01-01T01:50:00Z"])
        #expect(try utc("0 22-23 * * *", 3) == ["2026-01-01T22:00:00Z", "2026-01-01T23:00:00Z", "2026-01-02T22:00:00Z"])
        #expect(try utc("7-7 3-3 * * *", 2) == ["2026-01-01T03:07:00Z", "2026-01-02T03:07:00Z"])
        #expect(try utc("0 0 1-10/3,20 * *", 5) == ["2026-01-04T00:00:00Z", "2026-01-07T00:00:00Z", "2026-01-10T00:00:00Z", "2026-01-20T00:00:00Z", "2026-02-01T00:00:00Z"])
    }

    @Test func namesInAnyCaseAlsoInRanges() throws {
        #expect(try utc("0 0 1 jan,Jul *", 2) == ["2026-07-01T00:00:00Z", "2027-01-01T00:00:00Z"])
        #expect(try utc("0 9 * * mon-WED", 3) == ["2026-01-05T09:00:00Z", "2026-01-06T09:00:00Z", "2026-01-07T09:00:00Z"])
        #expect(try utc("0 9 * * Fri-Sun", 3) == ["2026-01-02T09:00:00Z", "2026-01-03T09:00:00Z", "2026-01-04T09:00:00Z"])
        #expect(try utc("0 0 1 FEB-apr/2 *", 2) == ["2026-02-01T00:00:00Z", "2026-04-01T00:00:00Z"])
    }

    @Test func sundayIsZeroAndSeven() throws {
        let zero = try utc("0 0 * * 0", 3)
        #expect(zero == ["2026-01-04T00:00:00Z", "2026-01-11T00:00:00Z", "2026-01-18T00:00:00Z"])
        #expect(try utc("0 0 * * 7", 3) == zero)
        #expect(try utc("0 0 * * SUN", 3) == zero)
        #expect(try utc("0 0 * * 5-7", 3) == ["2026-01-02T00:00:00Z", "2026-01-03T00:00:00Z", "2026-01-04T00:00:00Z"])
    }

    @Test func questionMarkIsStarInDayFields() throws {
        #expect(try utc("0 0 ? * MON", 2) == utc("0 0 * * MON", 2))
        #expect(try utc("0 0 15 * ?", 2) == ["2026-01-15T00:00:00Z", "2026-02-15T00:00:00Z"])
    }

    @Test func vixieDayRule() throws {
        // Neither starts with *: OR. The 13th, or any Friday.
        #expect(try utc("0 0 13 * 5", 4) == ["2026-01-02T00:00:00Z", "2026-01-09T00:00:00Z", "2026-01-13T00:00:00Z", "2026-01-16T00:00:00Z"])
        // day-of-month starts with *: AND. Odd days that are Mondays.
        #expect(try utc("0 0 */2 * 1", 3) == ["2026-01-05T00:00:00Z", "2026-01-19T00:00:00Z", "2026-02-09T00:00:00Z"])
        // day-of-week starts with *: AND. The 1st-7th that are also Sun/Tue/Thu/Sat.
        #expect(try utc("0 0 1-3 * */2", 3) == ["2026-01-03T00:00:00Z", "2026-02-01T00:00:00Z", "2026-02-03T00:00:00Z"])
    }

    @Test func lastDayAndLastWeekday() throws {
        #expect(try utc("0 0 L * *", 3) == ["2026-01-31T00:00:00Z", "2026-02-28T00:00:00Z", "2026-03-31T00:00:00Z"])
        #expect(try utc("0 0 L 2 *", from: "2027-06-01T00:00:00Z", 2) == ["2028-02-29T00:00:00Z", "2029-02-28T00:00:00Z"])
        // Jan 31 2026 is a Saturday, May 31 2026 a Sunday.
        #expect(try utc("0 0 LW * *", 5) == ["2026-01-30T00:00:00Z", "2026-02-27T00:00:00Z", "2026-03-31T00:00:00Z", "2026-04-30T00:00:00Z", "2026-05-29T00:00:00Z"])
        #expect(try utc("0 0 1,L * *", 3) == ["2026-01-31T00:00:00Z", "2026-02-01T00:00:00Z", "2026-02-28T00:00:00Z"])
    }

    @Test func nearestWeekdayNeverLeavesTheMonth() throws {
        // 2026-08-01 is a Saturday: 1W is Monday the 3rd, not Friday July 31.
        #expect(try utc("0 0 1W * *", from: "2026-07-15T00:00:00Z", 2) == ["2026-08-03T00:00:00Z", "2026-09-01T00:00:00Z"])
        // 2026-02-01 is a Sunday: Monday the 2nd.
        #expect(try utc("0 0 1W 2 *", 1) == ["2026-02-02T00:00:00Z"])
        // 2026-05-31 is a Sunday: Friday the 29th, not Monday June 1.
        #expect(try utc("0 0 31W 5 *", 1) == ["2026-05-29T00:00:00Z"])
        // 2026-01-31 is a Saturday: Friday the 30th. 31W skips months without a 31st.
        #expect(try utc("0 0 31W * *", 3) == ["2026-01-30T00:00:00Z", "2026-03-31T00:00:00Z", "2026-05-29T00:00:00Z"])
        // 2026-03-15 is a Sunday: Monday 16th; 2026-08-15 a Saturday: Friday 14th.
        #expect(try utc("0 0 15W 3,8 *", 2) == ["2026-03-16T00:00:00Z", "2026-08-14T00:00:00Z"])
        #expect(try utc("0 0 15W,L 3 *", 2) == ["2026-03-16T00:00:00Z", "2026-03-31T00:00:00Z"])
    }

    @Test func nthAndLastWeekdayOfMonth() throws {
        #expect(try utc("0 0 * * 5#3", 2) == ["2026-01-16T00:00:00Z", "2026-02-20T00:00:00Z"])
        #expect(try utc("0 0 * * FRI#3", 2) == utc("0 0 * * 5#3", 2))
        #expect(try utc("0 0 * * 5L", 2) == ["2026-01-30T00:00:00Z", "2026-02-27T00:00:00Z"])
        #expect(try utc("0 0 * * 7L", 2) == ["2026-01-25T00:00:00Z", "2026-02-22T00:00:00Z"])
        // Months with five Thursdays in 2026: January, April, July, October, December.
        #expect(try utc("0 0 * * 4#5", 3) == ["2026-01-29T00:00:00Z", "2026-04-30T00:00:00Z", "2026-07-30T00:00:00Z"])
        #expect(try utc("0 9 * * 1#1,5L", 3) == ["2026-01-05T09:00:00Z", "2026-01-30T09:00:00Z", "2026-02-02T09:00:00Z"])
        // February with five Mondays: a leap year whose February starts on a Monday.
        #expect(try utc("0 0 * 2 1#5", 1) == ["2044-02-29T00:00:00Z"])
    }

    @Test func secondsField() throws {
        let cron = try CronExpression("*/20 * * * * *")
        #expect(cron.hasSecondsField)
        #expect(!cron.isFixedTime)
        #expect(try utc("*/20 * * * * *", 4) == ["2026-01-01T00:00:20Z", "2026-01-01T00:00:40Z", "2026-01-01T00:01:00Z", "2026-01-01T00:01:20Z"])
        #expect(try utc("30 15 10 * * *", 2) == ["2026-01-01T10:15:30Z", "2026-01-02T10:15:30Z"])
    }

    @Test func macros() throws {
        #expect(try utc("@yearly", 1) == ["2027-01-01T00:00:00Z"])
        #expect(try utc("@annually", 1) == ["2027-01-01T00:00:00Z"])
        #expect(try utc("@monthly", 1) == ["2026-02-01T00:00:00Z"])
        #expect(try utc("@weekly", 1) == ["2026-01-04T00:00:00Z"])
        #expect(try utc("@daily", 1) == ["2026-01-02T00:00:00Z"])
        #expect(try utc("@midnight", 1) == ["2026-01-02T00:00:00Z"])
        #expect(try utc("@hourly", 1) == ["2026-01-01T01:00:00Z"])
        #expect(try utc("@DAILY", 1) == ["2026-01-02T00:00:00Z"])
        // First Monday-Friday of each month: Jan 1 2026 is a Thursday, Feb 1 a Sunday.
        #expect(try utc("@first-weekday", from: "2025-12-31T00:00:00Z", 3) == ["2026-01-01T00:00:00Z", "2026-02-02T00:00:00Z", "2026-03-02T00:00:00Z"])
        #expect(try CronExpression("@daily").isFixedTime)
        #expect(try !CronExpression("@hourly").isFixedTime)
    }

    @Test func everyMacroIsAnIntervalFromTheEpoch() throws {
        let cron = try CronExpression("@every 90m")
        #expect(cron.interval == JobDuration(milliseconds: 5_400_000))
        #expect(!cron.isFixedTime)
        #expect(try utc("@every 90m", 3) == ["2026-01-01T01:30:00Z", "2026-01-01T03:00:00Z", "2026-01-01T04:30:00Z"])
        #expect(try utc("@every 1 hour 30 minutes", 1) == ["2026-01-01T01:30:00Z"])
    }

    @Test func strictlyAfterAndSubSecondInstants() throws {
        let cron = try CronExpression("* * * * *")
        let zone = Fixture.zone("UTC")
        let t = Fixture.instant("2026-01-01T00:01:00Z")
        #expect(cron.next(after: t, in: zone) == Fixture.instant("2026-01-01T00:02:00Z"))
        #expect(cron.next(after: t.addingTimeInterval(-0.25), in: zone) == t)
        #expect(cron.next(after: t.addingTimeInterval(0.25), in: zone) == Fixture.instant("2026-01-01T00:02:00Z"))
    }

    @Test func leapDayAndCenturies() throws {
        #expect(try utc("0 0 29 2 *", from: "2096-03-01T00:00:00Z", 2) == ["2104-02-29T00:00:00Z", "2108-02-29T00:00:00Z"])
        #expect(try utc("0 0 29 2 *", from: "1999-01-01T00:00:00Z", 1) == ["2000-02-29T00:00:00Z"])
        #expect(try utc("59 23 31 12 *", from: "1969-12-31T23:59:00Z", 1) == ["1970-12-31T23:59:00Z"])
        #expect(try utc("0 0 1 1 *", from: "1900-01-01T00:00:00Z", 1) == ["1901-01-01T00:00:00Z"])
    }

    @Test func descriptionAndEqualityUseTheSource() throws {
        let a = try CronExpression("0 8 * * 1")
        #expect(a.description == "0 8 * * 1")
        #expect(a.source == "0 8 * * 1")
        #expect(a == (try CronExpression("0 8 * * 1")))
        #expect(a != (try CronExpression("0 8 * * MON")))
    }

    @Test func fixedTimeDefinition() throws {
        #expect(try CronExpression("30 2 * * *").isFixedTime)
        #expect(try CronExpression("0,30 1-3 * * *").isFixedTime)
        #expect(try !CronExpression("*/30 2 * * *").isFixedTime)
        #expect(try !CronExpression("30 * * * *").isFixedTime)
        #expect(try !CronExpression("0 30 2 * * *").isFixedTime)
    }
}
