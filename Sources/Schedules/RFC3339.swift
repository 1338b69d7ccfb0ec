public import Foundation

/// RFC 3339 text for instants in a zone, without `DateFormatter` (fast, and the same on every
/// platform). Written as bytes (``append(_:rules:to:)``): `fire-times` prints 200,000 of them.
public enum RFC3339 {
    /// `2026-03-08T03:00:00-04:00`. `Z` in UTC (a zone whose offset is always 0); a zone that is
    /// at +00:00 only part of the year (Europe/London in winter) shows `+00:00`.
    /// Milliseconds appear only when not zero.
    public static func string(_ date: Date, in zone: TimeZone) -> String {
        var bytes: [UInt8] = []
        bytes.reserveCapacity(32)
        append(date, rules: ZoneRules.of(zone), to: &bytes)
        return String(decoding: bytes, as: UTF8.self)
    }

    /// Appends ``string(_:in:)``'s text for `date` to `out`; `rules` is the zone's, looked up once by the caller.
    static func append(_ date: Date, rules: ZoneRules, to out: inout [UInt8]) {
        let ms = Int64((date.timeIntervalSince1970 * 1000).rounded(.down))
        let t = CivilCalendar.floorDiv(ms, 1000)
        let offset = rules.offset(at: t)
        appendWall(wallSecond: t + offset, milliseconds: Int(ms - t * 1000), offset: Int(offset), zulu: rules.isFixedOffset && offset == 0, to: &out)
    }

    static func string(wallSecond: Int64, milliseconds: Int = 0, offset: Int, zulu: Bool = true) -> String {
        var bytes: [UInt8] = []
        appendWall(wallSecond: wallSecond, milliseconds: milliseconds, offset: offset, zulu: zulu, to: &bytes)
        return String(decoding: bytes, as: UTF8.self)
    }

    static func appendWall(wallSecond: Int64, milliseconds: Int, offset: Int, zulu: Bool, to out: inout [UInt8]) {
        let f = CivilCalendar.fields(wallSecond: wallSecond)
        appendPadded(f.year, 4, to: &out)
        out.append(UInt8(ascii: "-"))
        appendPadded(f.month, 2, to: &out)
        out.append(UInt8(ascii: "-"))
        appendPadded(f.day, 2, to: &out)
        out.append(UInt8(ascii: "T"))
        appendPadded(f.hour, 2, to: &out)
        out.append(UInt8(ascii: ":"))
        appendPadded(f.minute, 2, to: &out)
        out.append(UInt8(ascii: ":"))
        appendPadded(f.second, 2, to: &out)
        if milliseconds != 0 {
            out.append(UInt8(ascii: "."))
            appendPadded(milliseconds, 3, to: &out)
        }
        if offset == 0 && !zulu {
            out.append(contentsOf: "+00:00".utf8)
        } else {
            appendOffset(offset, to: &out)
        }
    }

    /// `Z`, `+05:45`, `-03:00`; offsets with seconds (historical LMT) as `-00:44:30`.
    static func offsetText(_ offset: Int) -> String {
        var bytes: [UInt8] = []
        appendOffset(offset, to: &bytes)
        return String(decoding: bytes, as: UTF8.self)
    }

    static func appendOffset(_ offset: Int, to out: inout [UInt8]) {
        if offset == 0 { out.append(UInt8(ascii: "Z")); return }
        out.append(UInt8(ascii: offset < 0 ? "-" : "+"))
        let a = abs(offset)
        appendPadded(a / 3600, 2, to: &out)
        out.append(UInt8(ascii: ":"))
        appendPadded(a / 60 % 60, 2, to: &out)
        if a % 60 != 0 {
            out.append(UInt8(ascii: ":"))
            appendPadded(a % 60, 2, to: &out)
        }
    }

    /// `n` in decimal, zero-padded on the left to `width` digits (as ``LocalDateTime``'s `pad`).
    static func appendPadded(_ n: Int, _ width: Int, to out: inout [UInt8]) {
        let zero = UInt8(ascii: "0")
        // The common cases, digit by digit: two-digit fields and four-digit years.
        if width == 2, n >= 0, n < 100 {
            out.append(zero + UInt8(n / 10))
            out.append(zero + UInt8(n % 10))
            return
        }
        if width == 4, n >= 0, n < 10_000 {
            out.append(zero + UInt8(n / 1000))
            out.append(zero + UInt8(n / 100 % 10))
            out.append(zero + UInt8(n / 10 % 10))
            out.append(zero + UInt8(n % 10))
            return
        }
        guard n >= 0 else {
            out.append(contentsOf: LocalDateTime.pad(n, width).utf8)
            return
        }
        var digits = 1, rest = n / 10
        while rest > 0 { digits += 1; rest /= 10 }
        for _ in digits..<max(width, digits) { out.append(UInt8(ascii: "0")) }
        let start = out.count
        out.append(contentsOf: repeatElement(UInt8(ascii: "0"), count: digits))
        var value = n
        for index in stride(from: start + digits - 1, through: start, by: -1) {
            out[index] = UInt8(ascii: "0") + UInt8(value % 10)
            value /= 10
        }
    }
}
