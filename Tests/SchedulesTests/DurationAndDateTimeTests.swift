import Foundation
import Schedules
import Testing

struct JobDurationTests {
    @Test(arguments: [
        ("90s", 90_000, "1m30s"), ("15m", 900_000, "15m"), ("1h30m", 5_400_000, "1h30m"),
        ("2d", 172_800_000, "2d"), ("500ms", 500, "500ms"), ("1 hour", 3_600_000, "1h"),
        ("30 minutes", 1_800_000, "30m"), ("1h 30m", 5_400_000, "1h30m"), ("1.5h", 5_400_000, "1h30m"),
        ("1w", 604_800_000, "7d"), ("2 days, 3 hours", 183_600_000, "2d3h"), ("0s", 0, "0s"),
        ("1m30s500ms", 90_500, "1m30s500ms"), ("10 SECONDS", 10_000, "10s"),
    ])
    func parses(text: String, milliseconds: Int64, canonical: String) throws {
        let d = try JobDuration(text)
        #expect(d.milliseconds == milliseconds)
        #expect(d.description == canonical)
        #expect(try JobDuration(d.description) == d)
    }

    @Test(arguments: [
        ("", 1, "empty duration: write e.g. 90s, 15m, 1h30m or 2d"),
        ("90", 3, "90 needs a unit: ms, s, m, h, d or w (e.g. 90s)"),
        ("5 parsecs", 3, "unknown unit \"parsecs\": use ms, s, m, h, d or w"),
        ("1h x", 4, "expected a number, found \"x\""),
        ("1..5h", 1, "1..5 is not a number"),
    ])
    func rejects(text: String, column: Int, message: String) {
        #expect(throws: DurationParseError(column: column, message: message)) { try JobDuration(text) }
    }

    @Test func ordersAndConverts() throws {
        #expect(try JobDuration("59s") < JobDuration("1m"))
        #expect(try JobDuration("1500ms").seconds == 1.5)
        #expect(JobDuration(milliseconds: 3_600_000).description == "1h")
    }
}

struct LocalDateTimeTests {
    @Test func parsesTheForms() throws {
        let date = try LocalDateTime("2026-01-01")
        #expect(!date.hasTime && date.year == 2026 && date.month == 1 && date.day == 1)
        #expect(try LocalDateTime("2026-12-31T18:00").description == "2026-12-31T18:00:00")
        #expect(try LocalDateTime("2026-12-31T18:00:30").second == 30)
        #expect(try LocalDateTime("2026-12-31 18:00").hour == 18)
        #expect(try LocalDateTime("2026-12-31T18:00Z").utcOffset == 0)
        #expect(try LocalDateTime("2026-12-31T18:00:00+05:45").utcOffset == 20_700)
        #expect(try LocalDateTime("2026-12-31T18:00-0330").utcOffset == -12_600)
    }

    @Test(arguments: [
        ("2026-13-01", 6, "month 13 is out of range 1-12"),
        ("2026-02-29", 9, "day 29 is out of range 1-28 for 2026-02"),
        ("2026-01-01T24:00", 12, "hour 24 is out of range 0-23"),
        ("2026-01-01T18:60", 15, "minute 60 is out of range 0-59"),
        ("2026-1-01", 7, "expected 2 digits of the month, found \"-\" (write e.g. 2026-12-31T18:00)"),
        ("2026-01-01T18", 14, "expected \":\" after the hour, found the end"),
        ("2026-01-01x", 11, "unexpected \"x\": expected T and a time, Z or a UTC offset such as +02:00"),
        ("2026-01-01T18:00Zjunk", 18, "unexpected \"j\" after the date-time"),
        ("", 1, "empty date: write e.g. 2026-12-31 or 2026-12-31T18:00"),
    ])
    func rejects(text: String, column: Int, message: String) {
        #expect(throws: DateTimeParseError(column: column, message: message)) { try LocalDateTime(text) }
    }

    @Test func resolvesGapsForwardAndRepeatsToTheFirstPass() throws {
        let ny = Fixture.zone("America/New_York")
        #expect(try LocalDateTime("2026-03-08T02:30").resolve(in: ny) == Fixture.instant("2026-03-08T07:00:00Z"))
        #expect(try LocalDateTime("2026-11-01T01:30").resolve(in: ny) == Fixture.instant("2026-11-01T05:30:00Z"))
        #expect(try LocalDateTime("2026-07-01T12:00").resolve(in: ny) == Fixture.instant("2026-07-01T16:00:00Z"))
        #expect(try LocalDateTime("2026-07-01T12:00+02:00").resolve(in: ny) == Fixture.instant("2026-07-01T10:00:00Z"))
        let lordHowe = Fixture.zone("Australia/Lord_Howe")
        #expect(try LocalDateTime("2026-10-04T02:10").resolve(in: lordHowe) == Fixture.instant("2026-10-03T15:30:00Z"))
    }

    @Test func readsTheWallClock() throws {
        let local = LocalDateTime(Fixture.instant("2026-11-01T06:30:00Z"), in: Fixture.zone("America/New_York"))
        #expect(local == (try LocalDateTime("2026-11-01T01:30")))
        #expect(try LocalDateTime("2026-01-01") < LocalDateTime("2026-01-01T00:00:01"))
    }
}
