public import Foundation

/// RFC 3339 text for instants in a zone, without `DateFormatter` (fast, and the same on every
/// platform).
public enum RFC3339 {
    /// `2026-03-08T03:00:00-04:00`. `Z` in UTC (a zone whose offset is always 0); a zone that is
    /// at +00:00 only part of the year (Europe/London in winter) shows `+00:00`.
    /// Milliseconds appear only when not zero.
    public static func string(_ date: Date, in zone: TimeZone) -> String {
        let ms = Int64((date.timeIntervalSince1970 * 1000).rounded(.down))
        let t = CivilCalendar.floorDiv(ms, 1000)
        let rules = ZoneRules.of(zone)
        let offset = rules.offset(at: t)
        let utc = rules.isFixedOffset && offset == 0
        return string(wallSecond: t + offset, milliseconds: Int(ms - t * 1000), offset: Int(offset), zulu: utc)
    }

    static func string(wallSecond: Int64, milliseconds: Int = 0, offset: Int, zulu: Bool = true) -> String {
        let f = CivilCalendar.fields(wallSecond: wallSecond)
        let pad = LocalDateTime.pad
        var out = "\(pad(f.year, 4))-\(pad(f.month, 2))-\(pad(f.day, 2))T\(pad(f.hour, 2)):\(pad(f.minute, 2)):\(pad(f.second, 2))"
        if milliseconds != 0 { out += "." + pad(milliseconds, 3) }
        return out + (offset == 0 && !zulu ? "+00:00" : offsetText(offset))
    }

    /// `Z`, `+05:45`, `-03:00`; offsets with seconds (historical LMT) as `-00:44:30`.
    static func offsetText(_ offset: Int) -> String {
        if offset == 0 { return "Z" }
        let sign = offset < 0 ? "-" : "+"
        let a = abs(offset)
        let pad = LocalDateTime.pad
        var out = "\(sign)\(pad(a / 3600, 2)):\(pad(a / 60 % 60, 2))"
        if a % 60 != 0 { out += ":\(pad(a % 60, 2))" }
        return out
    }
}
