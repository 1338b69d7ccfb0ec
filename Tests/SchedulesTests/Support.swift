import Foundation
import TestSupport
import Schedules

/// Test helpers shared by the Schedules tests.
enum Fixture {
    static func zone(_ identifier: String) -> TimeZone {
        guard let zone = TimeZone(identifier: identifier) else { fatalError("no tzdata for \(identifier)") }
        return zone
    }

    /// An RFC 3339 instant (`2026-03-08T07:00:00Z`) or a local date-time read in `zone`.
    static func instant(_ text: String, in zone: TimeZone = TimeZone(secondsFromGMT: 0)!) -> Date {
        do {
            return try LocalDateTime(text).resolve(in: zone)
        } catch {
            fatalError("bad test date \(text): \(error)")
        }
    }

    /// The first `count` fire times of `expression` strictly after `from` (read in `zone`),
    /// as RFC 3339 with the zone's offset.
    static func fires(_ expression: String, _ zoneID: String, from: String, count: Int) throws -> [String] {
        let zone = zone(zoneID)
        let cron = try CronExpression(expression)
        var t = instant(from, in: zone)
        var out: [String] = []
        for _ in 0..<count {
            guard let next = cron.next(after: t, in: zone) else { break }
            out.append(RFC3339.string(next, in: zone))
            t = next
        }
        return out
    }

    /// The error of an expression expected to be rejected.
    static func parseError(_ expression: String) -> CronParseError? {
        do {
            _ = try CronExpression(expression)
            return nil
        } catch {
            return error
        }
    }
}
