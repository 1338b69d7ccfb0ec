import Foundation
import Schedules
import Testing

/// DESIGN.md §3: fixed-time five-field jobs move out of a spring-forward gap and fire once in a
/// fall-back overlap; every other job walks real time (skipped times do not fire, repeated
/// times fire twice). The same in zones that shift by 30 or 15 minutes.
struct DSTTests {
    func fires(_ expression: String, _ zone: String, from: String, _ count: Int) throws -> [String] {
        try Fixture.fires(expression, zone, from: from, count: count)
    }

    // MARK: America/New_York: 2026-03-08 02:00 EST -> 03:00 EDT, 2026-11-01 02:00 EDT -> 01:00 EST

    @Test func newYorkFixedTimeSpringForwardMovesToTheEndOfTheGap() throws {
        #expect(try fires("30 2 * * *", "America/New_York", from: "2026-03-07T00:00", 3)
            == ["2026-03-07T02:30:00-05:00", "2026-03-08T03:00:00-04:00", "2026-03-09T02:30:00-04:00"])
    }

    @Test func newYorkFixedTimeFallBackFiresOnce() throws {
        #expect(try fires("30 1 * * *", "America/New_York", from: "2026-10-31T00:00", 3)
            == ["2026-10-31T01:30:00-04:00", "2026-11-01T01:30:00-04:00", "2026-11-02T01:30:00-05:00"])
    }

    @Test func newYorkRealTimeSkipsAndDoubles() throws {
        #expect(try fires("30 * * * *", "America/New_York", from: "2026-03-08T00:00", 3)
            == ["2026-03-08T00:30:00-05:00", "2026-03-08T01:30:00-05:00", "2026-03-08T03:30:00-04:00"])
        #expect(try fires("30 * * * *", "America/New_York", from: "2026-11-01T00:00", 4)
            == ["2026-11-01T00:30:00-04:00", "2026-11-01T01:30:00-04:00", "2026-11-01T01:30:00-05:00", "2026-11-01T02:30:00-05:00"])
        // Six fields are never fixed-time: 02:30:00 does not exist on March 8.
        #expect(try fires("0 30 2 * * *", "America/New_York", from: "2026-03-07T00:00", 2)
            == ["2026-03-07T02:30:00-05:00", "2026-03-09T02:30:00-04:00"])
        // A step in the minute field makes it real-time too.
        #expect(try fires("*/30 2 * * *", "America/New_York", from: "2026-03-07T03:00", 1)
            == ["2026-03-09T02:00:00-04:00"])
    }

    @Test func newYorkFixedTimeWithSeveralTimesInTheGapFiresOnce() throws {
        #expect(try fires("0,30 1-3 * * *", "America/New_York", from: "2026-03-08T00:00", 4)
            == ["2026-03-08T01:00:00-05:00", "2026-03-08T01:30:00-05:00", "2026-03-08T03:00:00-04:00", "2026-03-08T03:30:00-04:00"])
        #expect(try fires("0,30 1-3 * * *", "America/New_York", from: "2026-11-01T00:00", 5)
            == ["2026-11-01T01:00:00-04:00", "2026-11-01T01:30:00-04:00", "2026-11-01T02:00:00-05:00", "2026-11-01T02:30:00-05:00", "2026-11-01T03:00:00-05:00"])
    }

    @Test func startingInsideTheRepeatedHour() throws {
        // 01:10 EST, the second pass: 01:30 already fired on the first pass (EDT).
        let zone = Fixture.zone("America/New_York")
        let secondPass = Fixture.instant("2026-11-01T06:10:00Z")
        #expect(try CronExpression("30 1 * * *").next(after: secondPass, in: zone) == Fixture.instant("2026-11-02T06:30:00Z"))
        #expect(try CronExpression("30 * * * *").next(after: secondPass, in: zone) == Fixture.instant("2026-11-01T06:30:00Z"))
        // Inside the first pass, the fixed-time job still fires on this pass.
        let firstPass = Fixture.instant("2026-11-01T05:10:00Z")
        #expect(try CronExpression("30 1 * * *").next(after: firstPass, in: zone) == Fixture.instant("2026-11-01T05:30:00Z"))
    }

    @Test func dstNotes() throws {
        let zone = Fixture.zone("America/New_York")
        let moved = try CronExpression("30 2 * * *").nextFire(after: Fixture.instant("2026-03-08T00:00", in: zone), in: zone)
        #expect(moved?.dst == .moved(from: try LocalDateTime("2026-03-08T02:30")))
        let repeated = try CronExpression("30 * * * *").nextFire(after: Fixture.instant("2026-11-01T01:00", in: zone), in: zone)
        #expect(repeated?.dst == .repeated)
        let plain = try CronExpression("30 1 * * *").nextFire(after: Fixture.instant("2026-11-01T00:00", in: zone), in: zone)
        #expect(plain?.dst == nil)
    }

    // MARK: Europe: London 01:00 GMT -> 02:00 BST; Berlin 02:00 CET -> 03:00 CEST (2026-03-29, back 2026-10-25)

    @Test func london() throws {
        #expect(try fires("30 1 * * *", "Europe/London", from: "2026-03-28T12:00", 2)
            == ["2026-03-29T02:00:00+01:00", "2026-03-30T01:30:00+01:00"])
        #expect(try fires("30 1 * * *", "Europe/London", from: "2026-10-24T12:00", 2)
            == ["2026-10-25T01:30:00+01:00", "2026-10-26T01:30:00+00:00"])
        #expect(try fires("0 * * * *", "Europe/London", from: "2026-10-25T00:30", 3)
            == ["2026-10-25T01:00:00+01:00", "2026-10-25T01:00:00+00:00", "2026-10-25T02:00:00+00:00"])
    }

    @Test func berlin() throws {
        #expect(try fires("30 2 * * *", "Europe/Berlin", from: "2026-03-28T12:00", 2)
            == ["2026-03-29T03:00:00+02:00", "2026-03-30T02:30:00+02:00"])
        #expect(try fires("30 2 * * *", "Europe/Berlin", from: "2026-10-24T12:00", 2)
            == ["2026-10-25T02:30:00+02:00", "2026-10-26T02:30:00+01:00"])
        #expect(try fires("*/30 2 * * *", "Europe/Berlin", from: "2026-10-25T01:59", 4)
            == ["2026-10-25T02:00:00+02:00", "2026-10-25T02:30:00+02:00", "2026-10-25T02:00:00+01:00", "2026-10-25T02:30:00+01:00"])
    }

    // MARK: Australia/Lord_Howe: a 30-minute shift. 2026-04-05 02:00 -> 01:30, 2026-10-04 02:00 -> 02:30

    @Test func lordHoweHalfHourGap() throws {
        #expect(try fires("15 2 * * *", "Australia/Lord_Howe", from: "2026-10-03T12:00", 2)
            == ["2026-10-04T02:30:00+11:00", "2026-10-05T02:15:00+11:00"])
        #expect(try fires("45 2 * * *", "Australia/Lord_Howe", from: "2026-10-03T12:00", 1)
            == ["2026-10-04T02:45:00+11:00"])
        #expect(try fires("15 * * * *", "Australia/Lord_Howe", from: "2026-10-04T01:00", 2)
            == ["2026-10-04T01:15:00+10:30", "2026-10-04T03:15:00+11:00"])
        // 02:30 exists (it is the first instant after the gap): a real-time job fires there.
        #expect(try fires("0,30 * * * *", "Australia/Lord_Howe", from: "2026-10-04T01:00", 3)
            == ["2026-10-04T01:30:00+10:30", "2026-10-04T02:30:00+11:00", "2026-10-04T03:00:00+11:00"])
    }

    @Test func lordHoweHalfHourOverlap() throws {
        #expect(try fires("45 1 * * *", "Australia/Lord_Howe", from: "2026-04-04T12:00", 2)
            == ["2026-04-05T01:45:00+11:00", "2026-04-06T01:45:00+10:30"])
        #expect(try fires("45 * * * *", "Australia/Lord_Howe", from: "2026-04-05T00:00", 4)
            == ["2026-04-05T00:45:00+11:00", "2026-04-05T01:45:00+11:00", "2026-04-05T01:45:00+10:30", "2026-04-05T02:45:00+10:30"])
        // 01:15 occurs once (only 01:30-01:59 repeats): an hourly job fires at 01:15 and 02:15.
        #expect(try fires("15 * * * *", "Australia/Lord_Howe", from: "2026-04-05T00:00", 3)
            == ["2026-04-05T00:15:00+11:00", "2026-04-05T01:15:00+11:00", "2026-04-05T02:15:00+10:30"])
    }

    // MARK: Asia/Kathmandu: 1986-01-01 00:00 +05:30 -> 00:15 +05:45, a 15-minute gap

    @Test func kathmanduQuarterHourGap() throws {
        #expect(try fires("5 0 * * *", "Asia/Kathmandu", from: "1985-12-31T12:00", 2)
            == ["1986-01-01T00:15:00+05:45", "1986-01-02T00:05:00+05:45"])
        #expect(try fires("*/5 * * * *", "Asia/Kathmandu", from: "1985-12-31T23:50", 3)
            == ["1985-12-31T23:55:00+05:30", "1986-01-01T00:15:00+05:45", "1986-01-01T00:20:00+05:45"])
    }

    // MARK: Pacific/Chatham: 2026-09-27 02:45 +12:45 -> 03:45 +13:45; 2026-04-05 03:45 -> 02:45

    @Test func chatham() throws {
        #expect(try fires("0,30 3 * * *", "Pacific/Chatham", from: "2026-09-26T12:00", 3)
            == ["2026-09-27T03:45:00+13:45", "2026-09-28T03:00:00+13:45", "2026-09-28T03:30:00+13:45"])
        #expect(try fires("0 3 * * *", "Pacific/Chatham", from: "2026-04-04T12:00", 2)
            == ["2026-04-05T03:00:00+13:45", "2026-04-06T03:00:00+12:45"])
        #expect(try fires("0 * * * *", "Pacific/Chatham", from: "2026-04-05T01:30", 4)
            == ["2026-04-05T02:00:00+13:45", "2026-04-05T03:00:00+13:45", "2026-04-05T03:00:00+12:45", "2026-04-05T04:00:00+12:45"])
    }

    // MARK: America/Santiago: midnight transitions. 2026-04-05 00:00 -03 -> 04-04 23:00 -04; 2026-09-06 00:00 -04 -> 01:00 -03

    @Test func santiagoMidnight() throws {
        #expect(try fires("0 0 * * *", "America/Santiago", from: "2026-09-05T12:00", 2)
            == ["2026-09-06T01:00:00-03:00", "2026-09-07T00:00:00-03:00"])
        #expect(try fires("30 23 * * *", "America/Santiago", from: "2026-04-04T12:00", 2)
            == ["2026-04-04T23:30:00-03:00", "2026-04-05T23:30:00-04:00"])
        #expect(try fires("30 * * * *", "America/Santiago", from: "2026-04-04T22:00", 3)
            == ["2026-04-04T22:30:00-03:00", "2026-04-04T23:30:00-03:00", "2026-04-04T23:30:00-04:00"])
        // A day with no midnight: a daily real-time job at 00:00 (six fields) skips it.
        #expect(try fires("0 0 0 * * *", "America/Santiago", from: "2026-09-05T12:00", 1)
            == ["2026-09-07T00:00:00-03:00"])
    }

    // MARK: America/Havana: 2026-03-08 00:00 -05 -> 01:00 -04; 2026-11-01 01:00 -04 -> 00:00 -05

    @Test func havana() throws {
        #expect(try fires("30 0 * * *", "America/Havana", from: "2026-03-07T12:00", 2)
            == ["2026-03-08T01:00:00-04:00", "2026-03-09T00:30:00-04:00"])
        #expect(try fires("30 0 * * *", "America/Havana", from: "2026-10-31T12:00", 2)
            == ["2026-11-01T00:30:00-04:00", "2026-11-02T00:30:00-05:00"])
        #expect(try fires("@hourly", "America/Havana", from: "2026-10-31T23:30", 3)
            == ["2026-11-01T00:00:00-04:00", "2026-11-01T00:00:00-05:00", "2026-11-01T01:00:00-05:00"])
    }

    @Test func fixedOffsetZonesAndUTCIdentifiers() throws {
        let plus = TimeZone(secondsFromGMT: 5 * 3600 + 1800)!
        let next = try CronExpression("0 9 * * *").next(after: Fixture.instant("2026-01-01T00:00:00Z"), in: plus)
        #expect(next == Fixture.instant("2026-01-01T03:30:00Z"))
        #expect(isKnownTimeZoneIdentifier("Europe/Amsterdam"))
        #expect(isKnownTimeZoneIdentifier("UTC"))
        #expect(!isKnownTimeZoneIdentifier("Europe/Atlantis"))
        #expect(!isKnownTimeZoneIdentifier(""))
    }
}
