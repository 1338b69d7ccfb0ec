import Schedules
import Testing

/// Every rejected expression says where (1-based column) and what, exactly.
struct CronParseErrorTests {
    @Test(arguments: [
        ("61 * * * *", 1, "minute field: 61 is out of range 0-59"),
        ("0 24 * * *", 3, "hour field: 24 is out of range 0-23"),
        ("0 0 0 * *", 5, "day-of-month field: 0 is out of range 1-31"),
        ("0 0 32 * *", 5, "day-of-month field: 32 is out of range 1-31"),
        ("0 0 * 13 *", 7, "month field: 13 is out of range 1-12"),
        ("0 0 * * 8", 9, "day-of-week field: 8 is out of range 0-7"),
        ("60 0 0 * * *", 1, "second field: 60 is out of range 0-59"),
        ("0 0 * * 5#6", 11, "day-of-week field: 5#6: a month has at most 5 of a weekday"),
        ("0 0 * * 5#0", 11, "day-of-week field: 5#0: the occurrence must be 1-5"),
        ("0 0 * * 5#x", 11, "day-of-week field: 5#x: x is not a number"),
        ("0 0 * * 5#", 11, "day-of-week field: 5#: a number is missing after #"),
        ("0 0 * * L", 9, "day-of-week field: L needs a weekday before it, e.g. 5L for the last Friday of the month"),
        ("0 0 * * FOO", 9, "day-of-week field: FOO is not a day of the week (0-7 or SUN-SAT)"),
        ("0 0 * FOO *", 7, "month field: FOO is not a month (1-12 or JAN-DEC)"),
        ("x * * * *", 1, "minute field: x is not a number"),
        ("5-2 * * * *", 1, "minute field: 5-2: the range start 5 is after its end 2"),
        ("0 0 * * FRI-MON", 9, "day-of-week field: FRI-MON: the range start FRI is after its end MON"),
        ("*/0 * * * *", 3, "minute field: */0: the step must be at least 1"),
        ("*/x * * * *", 3, "minute field: */x: the step x is not a number"),
        ("*/ * * * *", 3, "minute field: */: a step is missing after /"),
        ("1,,2 * * * *", 3, "minute field: empty entry in the list 1,,2"),
        ("0 0 1-40 * *", 7, "day-of-month field: 40 is out of range 1-31"),
        ("0 ? * * *", 3, "hour field: ? is only allowed in the day-of-month and day-of-week fields"),
        ("0 0 L-3 * *", 5, "day-of-month field: L-3 is not supported: write L (last day), LW (last weekday) or nW (nearest weekday to day n)"),
        ("0 0 1-5W * *", 5, "day-of-month field: 1-5W: W needs a single day before it, e.g. 15W"),
        ("0 0 32W * *", 5, "day-of-month field: 32 is out of range 1-31"),
        ("L * * * *", 1, "minute field: L: L and W are only allowed in the day-of-month field (and nL in day-of-week)"),
        ("0 0 1#2 * *", 5, "day-of-month field: 1#2: # is only allowed in the day-of-week field"),
        ("0 0 30 2 *", 5, "day-of-month field: 30 never occurs in February, so the expression can never fire"),
        ("0 0 31 4,6 *", 5, "day-of-month field: 31 never occurs in April or June, so the expression can never fire"),
        ("0 0 */15 * 1#2", 12, "day-of-week field: 1#2 never falls on a day of month */15 in any month, so the expression can never fire (both must match because one of them starts with *)"),
        ("0 0 * 2 1-5#5", 9, "day-of-week field: 1-5#5: # needs a single weekday before it, e.g. 5#3 for the third Friday"),
        ("0 0 * * 1-5L", 9, "day-of-week field: 1-5L: L needs a single weekday before it, e.g. 5L for the last Friday"),
    ])
    func rejects(expression: String, column: Int, message: String) {
        let error = Fixture.parseError(expression)
        #expect(error == CronParseError(column: column, message: message), "\(expression)")
    }

    @Test func wrongFieldCounts() {
        #expect(Fixture.parseError("") == CronParseError(column: 1, message: "empty expression: expected 5 fields (minute hour day-of-month month day-of-week), 6 with a leading seconds field, or a macro such as @daily"))
        #expect(Fixture.parseError("0 0 * *") == CronParseError(column: 8, message: "expected 5 fields (minute hour day-of-month month day-of-week) or 6 (with a leading seconds field), found 4"))
        #expect(Fixture.parseError("0 0 * * * * 2026") == CronParseError(column: 13, message: "expected 5 fields (minute hour day-of-month month day-of-week) or 6 (with a leading seconds field), found 7"))
    }

    @Test func macroErrors() {
        #expect(Fixture.parseError("@fortnightly") == CronParseError(column: 1, message: "unknown macro @fortnightly: expected @yearly, @annually, @monthly, @weekly, @daily, @midnight, @hourly, @first-weekday or @every DURATION"))
        #expect(Fixture.parseError("@reboot") == CronParseError(column: 1, message: "@reboot is not supported: a schedule fires at times, not when a machine starts"))
        #expect(Fixture.parseError("@daily 5") == CronParseError(column: 8, message: "@daily takes nothing after it"))
        #expect(Fixture.parseError("@every") == CronParseError(column: 7, message: "@every needs a duration, e.g. @every 15m"))
        #expect(Fixture.parseError("@every 90") == CronParseError(column: 10, message: "@every: 90 needs a unit: ms, s, m, h, d or w (e.g. 90s)"))
        #expect(Fixture.parseError("@every 5 fortnights") == CronParseError(column: 10, message: "@every: unknown unit \"fortnights\": use ms, s, m, h, d or w"))
        #expect(Fixture.parseError("@every 0s") == CronParseError(column: 8, message: "@every: the interval must be longer than 0"))
    }

    @Test func errorDescriptionNamesTheColumn() {
        #expect(Fixture.parseError("0 25 * * *")?.description == "column 3: hour field: 25 is out of range 0-23")
    }

    @Test func hugeNumbersAreOutOfRangeNotACrash() {
        #expect(Fixture.parseError("99999999999999999999 * * * *")?.message == "minute field: 99999999999999999999 is out of range 0-59")
        #expect(Fixture.parseError("*/99999999999999999999 * * * *") == nil)
    }
}
