public import Foundation

/// A date or date-time as job files write it: `2026-01-01`, `2026-12-31T18:00`,
/// `2026-12-31T18:00:30`, optionally followed by `Z` or an offset (`+02:00`, `-0500`).
///
/// Without an offset it is a local (wall-clock) time, read in a zone by ``resolve(in:)``.
/// A space may stand for the `T`. Ordering compares the fields as written (year first, then
/// the offset), which is the order of the instants when neither or both share an offset.
public struct LocalDateTime: Sendable, Hashable, Comparable, CustomStringConvertible {
    public let year: Int
    public let month: Int
    public let day: Int
    public let hour: Int
    public let minute: Int
    public let second: Int
    /// False for a date alone (`2026-01-01`), which means its midnight.
    public let hasTime: Bool
    /// Seconds east of UTC when the text carried `Z` or an offset.
    public let utcOffset: Int?

    public init(year: Int, month: Int, day: Int, hour: Int = 0, minute: Int = 0, second: Int = 0,
                hasTime: Bool = true, utcOffset: Int? = nil) {
        self.year = year
        self.month = month
        self.day = day
        self.hour = hour
        self.minute = minute
        self.second = second
        self.hasTime = hasTime
        self.utcOffset = utcOffset
    }

    init(wallSecond w: Int64) {
        let f = CivilCalendar.fields(wallSecond: w)
        self.init(year: f.year, month: f.month, day: f.day, hour: f.hour, minute: f.minute, second: f.second)
    }

    /// The local wall-clock reading `date` shows in `zone`.
    public init(_ date: Date, in zone: TimeZone) {
        let t = Int64(date.timeIntervalSince1970.rounded(.down))
        self.init(wallSecond: ZoneRules.of(zone).wall(at: t))
    }

    /// Parses `text`.
    /// - Throws: ``DateTimeParseError`` with the 1-based column of the problem.
    public init(_ text: String) throws(DateTimeParseError) {
        let c = Array(text)
        var i = 0
        func number(_ digits: Int, _ what: String) throws(DateTimeParseError) -> Int {
            var value = 0
            for k in 0..<digits {
                guard i + k < c.count, let d = c[i + k].wholeNumberValue, c[i + k].isASCII else {
                    let found = i + k < c.count ? "\"\(c[i + k])\"" : "the end"
                    throw DateTimeParseError(column: i + k + 1, message: "expected \(digits) digits of the \(what), found \(found) (write e.g. 2026-12-31T18:00)")
                }
                value = value * 10 + d
            }
            i += digits
            return value
        }
        func expect(_ ch: Character, _ what: String) throws(DateTimeParseError) {
            guard i < c.count, c[i] == ch else {
                let found = i < c.count ? "\"\(c[i])\"" : "the end"
                throw DateTimeParseError(column: i + 1, message: "expected \"\(ch)\" \(what), found \(found)")
            }
            i += 1
        }
        guard !c.isEmpty else { throw DateTimeParseError(column: 1, message: "empty date: write e.g. 2026-12-31 or 2026-12-31T18:00") }
        let year = try number(4, "year")
        try expect("-", "after the year")
        let monthColumn = i + 1
        let month = try number(2, "month")
        guard (1...12).contains(month) else { throw DateTimeParseError(column: monthColumn, message: "month \(month) is out of range 1-12") }
        try expect("-", "after the month")
        let dayColumn = i + 1
        let day = try number(2, "day")
        let length = CivilCalendar.daysInMonth(year: year, month: month)
        guard day >= 1 && day <= length else {
            throw DateTimeParseError(column: dayColumn, message: "day \(day) is out of range 1-\(length) for \(year)-\(month < 10 ? "0" : "")\(month)")
        }
        var hour = 0, minute = 0, second = 0
        var hasTime = false
        if i < c.count, c[i] == "T" || c[i] == "t" || c[i] == " " {
            i += 1
            hasTime = true
            let hourColumn = i + 1
            hour = try number(2, "hour")
            guard hour <= 23 else { throw DateTimeParseError(column: hourColumn, message: "hour \(hour) is out of range 0-23") }
            try expect(":", "after the hour")
            let minuteColumn = i + 1
            minute = try number(2, "minute")
            guard minute <= 59 else { throw DateTimeParseError(column: minuteColumn, message: "minute \(minute) is out of range 0-59") }
            if i < c.count, c[i] == ":" {
                i += 1
                let secondColumn = i + 1
                second = try number(2, "second")
                guard second <= 59 else { throw DateTimeParseError(column: secondColumn, message: "second \(second) is out of range 0-59") }
            }
        }
        var offset: Int?
        if i < c.count {
            if c[i] == "Z" || c[i] == "z" {
                offset = 0
                i += 1
            } else if c[i] == "+" || c[i] == "-" {
                let sign = c[i] == "-" ? -1 : 1
                i += 1
                let offsetColumn = i + 1
                let hours = try number(2, "offset hours")
                var minutes = 0
                if i < c.count {
                    if c[i] == ":" { i += 1 }
                    minutes = try number(2, "offset minutes")
                }
                guard hours <= 23, minutes <= 59 else {
                    throw DateTimeParseError(column: offsetColumn, message: "the UTC offset is out of range")
                }
                offset = sign * (hours * 3600 + minutes * 60)
            } else {
                throw DateTimeParseError(column: i + 1, message: "unexpected \"\(c[i])\": expected T and a time, Z or a UTC offset such as +02:00")
            }
        }
        if i < c.count {
            throw DateTimeParseError(column: i + 1, message: "unexpected \"\(c[i])\" after the date-time")
        }
        self.init(year: year, month: month, day: day, hour: hour, minute: minute, second: second,
                  hasTime: hasTime, utcOffset: offset)
    }

    var wallSecond: Int64 {
        CivilCalendar.wallSecond(year: year, month: month, day: day, hour: hour, minute: minute, second: second)
    }

    /// The instant this date-time names in `zone` (ignored when the text carried an offset).
    /// A local time skipped by spring-forward resolves to the end of the gap; one that occurs
    /// twice at fall-back resolves to its first pass.
    public func resolve(in zone: TimeZone) -> Date {
        if let utcOffset {
            return Date(timeIntervalSince1970: Double(wallSecond - Int64(utcOffset)))
        }
        let (t, _) = ZoneRules.of(zone).firstInstant(reachingWall: wallSecond)
        return Date(timeIntervalSince1970: Double(t))
    }

    public static func < (a: LocalDateTime, b: LocalDateTime) -> Bool {
        if a.wallSecond != b.wallSecond { return a.wallSecond < b.wallSecond }
        return (a.utcOffset ?? Int.min) > (b.utcOffset ?? Int.min)
    }

    /// `HH:MM` or `HH:MM:SS` when the seconds are not zero.
    var timeText: String {
        second == 0 ? "\(Self.pad(hour)):\(Self.pad(minute))" : "\(Self.pad(hour)):\(Self.pad(minute)):\(Self.pad(second))"
    }

    static func pad(_ n: Int, _ width: Int = 2) -> String {
        let s = String(n)
        return s.count >= width ? s : String(repeating: "0", count: width - s.count) + s
    }

    /// ISO 8601 as written: `2026-12-31`, `2026-12-31T18:00:00`, with `Z` or the offset if any.
    public var description: String {
        var out = "\(Self.pad(year, 4))-\(Self.pad(month))-\(Self.pad(day))"
        if hasTime { out += "T\(Self.pad(hour)):\(Self.pad(minute)):\(Self.pad(second))" }
        if let utcOffset { out += RFC3339.offsetText(utcOffset) }
        return out
    }
}
