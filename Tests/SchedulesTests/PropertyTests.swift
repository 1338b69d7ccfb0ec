import Foundation
import TestSupport
import Schedules
import Testing

/// Random expressions, zones and instants (1970-2100) from a seeded generator: the engine must
/// agree with a brute-force walk of real time, and its sequence must strictly increase.
struct PropertyTests {
    static let zones = [
        "UTC", "America/New_York", "Europe/London", "Europe/Berlin", "Australia/Lord_Howe",
        "Asia/Kathmandu", "Pacific/Chatham", "America/Santiago", "America/Havana",
        "America/Sao_Paulo", "Europe/Moscow", "Pacific/Apia", "Africa/Casablanca", "Asia/Tehran",
        "America/St_Johns", "Australia/Adelaide", "Europe/Dublin", "Antarctica/Troll", "Asia/Gaza",
    ]
    static let from1970: Int64 = 0
    static let to2100: Int64 = 4_102_444_800

    /// A start instant: anywhere in 1970-2100, or just before a DST transition, or just before
    /// a fire time the engine reports (so the window is not empty; the brute force still checks
    /// every instant of it).
    static func start(for cron: CronExpression, zone: TimeZone, using g: inout SeededGenerator) -> Int64 {
        let anywhere = Int64.random(in: from1970..<to2100, using: &g)
        switch Int.random(in: 0..<3, using: &g) {
        case 0:
            return anywhere
        case 1:
            guard let transition = zone.nextDaylightSavingTimeTransition(after: Date(timeIntervalSince1970: Double(anywhere))) else { return anywhere }
            return Int64(transition.timeIntervalSince1970) - Int64.random(in: 0...129_600, using: &g)
        default:
            guard let next = cron.next(after: Date(timeIntervalSince1970: Double(anywhere)), in: zone) else { return anywhere }
            return Int64(next.timeIntervalSince1970) - Int64.random(in: 1...172_800, using: &g)
        }
    }

    @Test(arguments: 0..<8)
    func agreesWithBruteForce(batch: Int) throws {
        var g = SeededGenerator(seed: 0x5EED_0000 + UInt64(batch))
        var compared = 0
        var fixedTimeFires = 0
        for _ in 0..<40 {
            let random = RandomCron.random(using: &g)
            let cron: CronExpression
            do {
                cron = try CronExpression(random.text)
            } catch {
                // Only expressions that can never fire may be rejected.
                #expect(error.message.contains("never"), "\(random.text): \(error)")
                continue
            }
            #expect(cron.isFixedTime == random.fixedTime, "\(random.text)")
            let zoneID = Self.zones.randomElement(using: &g)!
            let zone = Fixture.zone(zoneID)
            let after = Self.start(for: cron, zone: zone, using: &g)
            let window: Int64 = random.sixFields ? 3 * 3600 : 2 * 86_400
            let expected = random.bruteForce(after: after, through: after + window, zone: zone)
            var actual: [Int64] = []
            var t = Date(timeIntervalSince1970: Double(after))
            while let next = cron.next(after: t, in: zone), Int64(next.timeIntervalSince1970) <= after + window {
                actual.append(Int64(next.timeIntervalSince1970))
                t = next
            }
            #expect(actual == expected, "\(random.text) in \(zoneID) after \(RFC3339.string(Date(timeIntervalSince1970: Double(after)), in: zone))")
            compared += expected.count
            if random.fixedTime { fixedTimeFires += expected.count }
        }
        // The windows are not empty: the comparison is about real fire times.
        #expect(compared > 200, "only \(compared) fire times compared")
        #expect(fixedTimeFires > 5, "only \(fixedTimeFires) fixed-time fire times compared")
    }

    @Test(arguments: 0..<4)
    func nextIsStrictlyIncreasing(batch: Int) throws {
        var g = SeededGenerator(seed: 0xC0FFEE + UInt64(batch))
        for _ in 0..<40 {
            let random = RandomCron.random(using: &g)
            guard let cron = try? CronExpression(random.text) else { continue }
            let zone = Fixture.zone(Self.zones.randomElement(using: &g)!)
            var t = Date(timeIntervalSince1970: Double(Int64.random(in: Self.from1970..<Self.to2100, using: &g)))
            for _ in 0..<60 {
                guard let next = cron.next(after: t, in: zone) else { break }
                #expect(next > t, "\(random.text) in \(zone.identifier) after \(t)")
                // Any instant between two fire times leads to the later one.
                let between = t.addingTimeInterval(next.timeIntervalSince(t) * Double.random(in: 0..<1, using: &g))
                #expect(cron.next(after: between, in: zone) == next, "\(random.text) in \(zone.identifier) after \(between)")
                t = next
            }
        }
    }

    /// Expressions aimed at the wall times a transition skips or repeats, for random
    /// transitions of every zone in 1970-2100, as fixed-time and as real-time jobs.
    @Test(arguments: zones.dropFirst())
    func transitionsAgreeWithBruteForce(zoneID: String) throws {
        var g = SeededGenerator(seed: UInt64(zoneID.utf8.reduce(0) { $0 &* 31 &+ Int($1) }.magnitude))
        let zone = Fixture.zone(zoneID)
        var moved = 0
        for _ in 0..<6 {
            let anywhere = Date(timeIntervalSince1970: Double(Int64.random(in: Self.from1970..<Self.to2100, using: &g)))
            guard let transition = zone.nextDaylightSavingTimeTransition(after: anywhere),
                transition.timeIntervalSince1970 < Double(Self.to2100) else { continue }
            let t = Int64(transition.timeIntervalSince1970)
            let before = Int64(zone.secondsFromGMT(for: transition.addingTimeInterval(-1)))
            let after = Int64(zone.secondsFromGMT(for: transition))
            // A wall time inside the gap or the overlap (minute-aligned).
            let low = t + min(before, after)
            let width = abs(after - before)
            let wall = low + (width > 60 ? Int64.random(in: 0..<(width / 60), using: &g) * 60 : 0)
            let hour = Int((wall % 86_400 + 86_400) % 86_400 / 3600)
            let minute = Int((wall % 3600 + 3600) % 3600 / 60)
            for text in ["\(minute) \(hour) * * *", "\(minute) * * * *", "\(minute),\((minute + 30) % 60) \(hour),\((hour + 1) % 24) * * *", "0 \(minute) \(hour) * * *"] {
                let cron = try CronExpression(text)
                var random = RandomCron()
                random.text = text
                random.minutes = Set(text.split(separator: " ")[cron.hasSecondsField ? 1 : 0].split(separator: ",").map { Int($0)! })
                let hourField = text.split(separator: " ")[cron.hasSecondsField ? 2 : 1]
                random.hours = hourField == "*" ? Set(0...23) : Set(hourField.split(separator: ",").map { Int($0)! })
                random.monthDays = Set(1...31)
                random.months = Set(1...12)
                random.weekdays = Set(0...6)
                random.sixFields = cron.hasSecondsField
                random.fixedTime = cron.isFixedTime
                let reach: Int64 = cron.hasSecondsField ? 3 * 3600 : 86_400
                let from = t - reach
                let through = t + reach
                let expected = random.bruteForce(after: from, through: through, zone: zone)
                var actual: [Int64] = []
                var cursor = Date(timeIntervalSince1970: Double(from))
                while let fire = cron.nextFire(after: cursor, in: zone), Int64(fire.instant.timeIntervalSince1970) <= through {
                    actual.append(Int64(fire.instant.timeIntervalSince1970))
                    if case .moved = fire.dst { moved += 1 }
                    cursor = fire.instant
                }
                #expect(actual == expected, "\(text) in \(zoneID) around \(RFC3339.string(transition, in: zone))")
            }
        }
        _ = moved
    }

    @Test func everyTransitionOfTheDSTZonesAgreesWithFoundation() {
        // The offset table (built from tzdata through Foundation once per zone) against
        // Foundation itself, hour by hour around every transition of 1970-2100.
        for zoneID in Self.zones {
            let zone = Fixture.zone(zoneID)
            var cursor = Date(timeIntervalSince1970: Double(Self.from1970))
            var checked = 0
            while let transition = zone.nextDaylightSavingTimeTransition(after: cursor),
                transition.timeIntervalSince1970 < Double(Self.to2100), checked < 400
            {
                for delta in [-3601.0, -1, 0, 1, 3600] {
                    let t = transition.addingTimeInterval(delta)
                    let local = LocalDateTime(t, in: zone)
                    let text = RFC3339.string(t, in: zone)
                    let offset = zone.secondsFromGMT(for: t)
                    #expect(text.hasSuffix(offset == 0 ? (zoneID == "UTC" ? "Z" : "+00:00") : String(format: "%@%02d:%02d", offset < 0 ? "-" : "+", abs(offset) / 3600, abs(offset) / 60 % 60)), "\(zoneID) \(t)")
                    _ = local
                }
                cursor = transition
                checked += 1
            }
        }
    }
}
