/// A length of time as job files write it: `90s`, `15m`, `1h30m`, `2d`, `500ms`, `1.5h`, and the
/// long forms `1 hour`, `30 minutes`, `1h 30m`. Millisecond precision.
///
/// Units: `ms`, `s`, `m`, `h`, `d`, `w` and their long forms (`millisecond(s)`, `sec(s)`,
/// `second(s)`, `min(s)`, `minute(s)`, `hr(s)`, `hour(s)`, `day(s)`, `week(s)`), in any case.
/// A bare number without a unit is an error: `90` could be seconds or minutes.
public struct JobDuration: Sendable, Hashable, Comparable, CustomStringConvertible {
    public let milliseconds: Int64

    public init(milliseconds: Int64) {
        self.milliseconds = milliseconds
    }

    public var seconds: Double { Double(milliseconds) / 1000 }

    public static func < (a: JobDuration, b: JobDuration) -> Bool { a.milliseconds < b.milliseconds }

    static let units: [(names: [String], milliseconds: Int64)] = [
        (["ms", "msec", "msecs", "millisecond", "milliseconds"], 1),
        (["s", "sec", "secs", "second", "seconds"], 1000),
        (["m", "min", "mins", "minute", "minutes"], 60_000),
        (["h", "hr", "hrs", "hour", "hours"], 3_600_000),
        (["d", "day", "days"], 86_400_000),
        (["w", "week", "weeks"], 604_800_000),
    ]

    /// Parses `text`.
    /// - Throws: ``DurationParseError`` with the 1-based column of the problem.
    public init(_ text: String) throws(DurationParseError) {
        // A repository writes the same few durations (30s, 5m, 1h) in many files.
        self = try Self.parsed.value(for: text) { Result { () throws(DurationParseError) in try JobDuration(parsing: text) } }.get()
    }

    private static let parsed = ParseMemo<String, Result<JobDuration, DurationParseError>>()

    private init(parsing text: String) throws(DurationParseError) {
        let chars = Array(text)
        var i = 0
        var total: Int64 = 0
        var parts = 0
        func skipSpace() { while i < chars.count && (chars[i] == " " || chars[i] == "\t") { i += 1 } }
        skipSpace()
        if i == chars.count {
            throw DurationParseError(column: 1, message: "empty duration: write e.g. 90s, 15m, 1h30m or 2d")
        }
        while true {
            skipSpace()
            if i == chars.count { break }
            let numberStart = i
            while i < chars.count && (chars[i].isASCII && chars[i].isNumber || chars[i] == ".") { i += 1 }
            let numberText = String(chars[numberStart..<i])
            guard !numberText.isEmpty else {
                throw DurationParseError(column: numberStart + 1, message: "expected a number, found \"\(chars[numberStart])\"")
            }
            guard let number = Double(numberText), number.isFinite else {
                throw DurationParseError(column: numberStart + 1, message: "\(numberText) is not a number")
            }
            skipSpace()
            let unitStart = i
            while i < chars.count && chars[i].isLetter { i += 1 }
            let unitText = String(chars[unitStart..<i]).lowercased()
            guard !unitText.isEmpty else {
                throw DurationParseError(column: unitStart + 1, message: "\(numberText) needs a unit: ms, s, m, h, d or w (e.g. \(numberText)s)")
            }
            guard let unit = Self.units.first(where: { $0.names.contains(unitText) }) else {
                throw DurationParseError(column: unitStart + 1, message: "unknown unit \"\(chars[unitStart..<i].map(String.init).joined())\": use ms, s, m, h, d or w")
            }
            let value = (number * Double(unit.milliseconds)).rounded()
            guard value < 9e15, total < 9_000_000_000_000_000 - Int64(value) else {
                throw DurationParseError(column: numberStart + 1, message: "the duration is too long")
            }
            total += Int64(value)
            parts += 1
            skipSpace()
            if i < chars.count && chars[i] == "," { i += 1 }
        }
        milliseconds = total
    }

    /// Canonical form, largest units first: `1h30m`, `2d`, `1m30s500ms`, `0s`.
    public var description: String {
        guard milliseconds != 0 else { return "0s" }
        var rest = milliseconds < 0 ? -milliseconds : milliseconds
        var out = milliseconds < 0 ? "-" : ""
        for (suffix, size) in [("d", Int64(86_400_000)), ("h", 3_600_000), ("m", 60_000), ("s", 1000), ("ms", 1)] {
            let count = rest / size
            if count > 0 { out += "\(count)\(suffix)" }
            rest -= count * size
        }
        return out
    }
}
