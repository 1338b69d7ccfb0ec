import Foundation
import TestSupport

/// A cron schedule described by plain sets, made at random together with its text, and a
/// brute-force walk over real time that checks every instant against them. Shares no code
/// with the engine: dates come from Foundation's `Calendar`, offsets from
/// `TimeZone.secondsFromGMT(for:)`, and the DST rules are DESIGN.md §3 read literally.
struct RandomCron: CustomStringConvertible {
    var text = ""
    var seconds: Set<Int> = [0]
    var minutes: Set<Int> = []
    var hours: Set<Int> = []
    var months: Set<Int> = []
    var monthDays: Set<Int> = []
    var lastDay = false
    var lastWeekday = false
    var nearestWeekday: Set<Int> = []
    var weekdays: Set<Int> = []
    var nthWeekday: Set<[Int]> = []  // [weekday, n]
    var lastOfWeekday: Set<Int> = []
    var matchBoth = true
    var sixFields = false
    var fixedTime: Bool = false

    var description: String { text }

    /// A random numeric field: text, values, and whether the text starts with `*`.
    static func numeric(_ range: ClosedRange<Int>, starWeight: Int, using g: inout SeededGenerator) -> (String, Set<Int>, Bool) {
        switch Int.random(in: 0..<(6 + starWeight), using: &g) {
        case 0:
            let v = Int.random(in: range, using: &g)
            return ("\(v)", [v], false)
        case 1:
            let vs = Set((0..<Int.random(in: 2...4, using: &g)).map { _ in Int.random(in: range, using: &g) })
            return (vs.sorted().map(String.init).joined(separator: ","), vs, false)
        case 2:
            let a = Int.random(in: range, using: &g)
            let b = Int.random(in: a...range.upperBound, using: &g)
            return ("\(a)-\(b)", Set(a...b), false)
        case 3:
            let a = Int.random(in: range, using: &g)
            let b = Int.random(in: a...range.upperBound, using: &g)
            let s = Int.random(in: 2...7, using: &g)
            return ("\(a)-\(b)/\(s)", Set(stride(from: a, through: b, by: s)), false)
        case 4:
            let s = Int.random(in: 2...(range.count / 2), using: &g)
            return ("*/\(s)", Set(stride(from: range.lowerBound, through: range.upperBound, by: s)), true)
        case 5:
            let a = Int.random(in: range, using: &g)
            let s = Int.random(in: 2...9, using: &g)
            return ("\(a)/\(s)", Set(stride(from: a, through: range.upperBound, by: s)), false)
        default:
            return ("*", Set(range), true)
        }
    }

    static func random(using g: inout SeededGenerator) -> RandomCron {
        var c = RandomCron()
        var parts: [String] = []
        c.sixFields = Int.random(in: 0..<8, using: &g) == 0
        if c.sixFields {
            let (t, v, _) = numeric(0...59, starWeight: 0, using: &g)
            parts.append(t)
            c.seconds = v
        }
        let (mt, mv, mStar) = numeric(0...59, starWeight: 1, using: &g)
        let (ht, hv, hStar) = numeric(0...23, starWeight: 3, using: &g)
        parts += [mt, ht]
        c.minutes = mv
        c.hours = hv
        var domText = "*"
        var domStar = true
        switch Int.random(in: 0..<12, using: &g) {
        case 0: domText = "L"; c.lastDay = true; domStar = false
        case 1: domText = "LW"; c.lastWeekday = true; domStar = false
        case 2:
            let n = Int.random(in: 1...31, using: &g)
            domText = "\(n)W"; c.nearestWeekday = [n]; domStar = false
        case 3, 4:
            let (t, v, star) = numeric(1...31, starWeight: 0, using: &g)
            domText = t; c.monthDays = v; domStar = star
        case 5: domText = "?"
        default: break
        }
        if domStar && domText != "?" && domText == "*" { c.monthDays = Set(1...31) }
        if domText == "?" { c.monthDays = Set(1...31) }
        if domText.hasPrefix("*/") { domStar = true }
        var monthText = "*"
        c.months = Set(1...12)
        if Int.random(in: 0..<4, using: &g) == 0 {
            let (t, v, _) = numeric(1...12, starWeight: 0, using: &g)
            monthText = t
            c.months = v
        }
        var dowText = "*"
        var dowStar = true
        c.weekdays = Set(0...6)
        switch Int.random(in: 0..<10, using: &g) {
        case 0:
            let w = Int.random(in: 0...7, using: &g)
            let n = Int.random(in: 1...5, using: &g)
            dowText = "\(w)#\(n)"; c.weekdays = []; c.nthWeekday = [[w % 7, n]]; dowStar = false
        case 1:
            let w = Int.random(in: 0...7, using: &g)
            dowText = "\(w)L"; c.weekdays = []; c.lastOfWeekday = [w % 7]; dowStar = false
        case 2, 3:
            let (t, v, star) = numeric(0...7, starWeight: 0, using: &g)
            dowText = t
            c.weekdays = Set(v.map { $0 % 7 })
            dowStar = star
        case 4: dowText = "?"
        default: break
        }
        parts += [domText, monthText, dowText]
        c.matchBoth = domStar || dowStar || domText == "?" || dowText == "?"
        c.fixedTime = !c.sixFields && !mStar && !hStar
        c.text = parts.joined(separator: " ")
        return c
    }

    static let gregorian: Calendar = {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = TimeZone(secondsFromGMT: 0)!
        return calendar
    }()

    /// Whether the local date (read from a wall-clock second count) matches the day fields.
    func dayMatches(wallDay: Int64) -> Bool {
        let date = Date(timeIntervalSince1970: Double(wallDay * 86_400))
        let c = Self.gregorian.dateComponents([.year, .month, .day, .weekday], from: date)
        let (month, day, weekday) = (c.month!, c.day!, c.weekday! - 1)
        guard months.contains(month) else { return false }
        let length = Self.gregorian.range(of: .day, in: .month, for: date)!.count
        func weekdayOf(_ d: Int) -> Int { ((weekday + d - day) % 7 + 7) % 7 }
        var dom = monthDays.contains(day) || (lastDay && day == length)
        if lastWeekday {
            var t = length
            while weekdayOf(t) == 0 || weekdayOf(t) == 6 { t -= 1 }
            dom = dom || day == t
        }
        for n in nearestWeekday where n <= length {
            var t = n
            if weekdayOf(n) == 6 { t = n == 1 ? 3 : n - 1 }
            if weekdayOf(n) == 0 { t = n == length ? n - 2 : n + 1 }
            dom = dom || day == t
        }
        var dow = weekdays.contains(weekday)
        dow = dow || nthWeekday.contains([weekday, (day - 1) / 7 + 1])
        dow = dow || (lastOfWeekday.contains(weekday) && day + 7 > length)
        return matchBoth ? (dom && dow) : (dom || dow)
    }

    /// Fire instants in `(after, through]`, found by checking every minute (every second for
    /// six fields) of real time.
    func bruteForce(after: Int64, through: Int64, zone: TimeZone) -> [Int64] {
        let step: Int64 = sixFields ? 1 : 60
        var dayCache: (Int64, Bool) = (Int64.min, false)
        func matches(wall: Int64) -> Bool {
            let wallDay = wall >= 0 ? wall / 86_400 : (wall - 86_399) / 86_400
            if dayCache.0 != wallDay { dayCache = (wallDay, dayMatches(wallDay: wallDay)) }
            guard dayCache.1 else { return false }
            let sod = Int(wall - wallDay * 86_400)
            return hours.contains(sod / 3600) && minutes.contains(sod / 60 % 60) && seconds.contains(sod % 60)
        }
        func wall(_ t: Int64) -> Int64 { t + Int64(zone.secondsFromGMT(for: Date(timeIntervalSince1970: Double(t)))) }
        var out: [Int64] = []
        var t = (after - (after % step + step) % step)  // aligned, at or before `after`
        if fixedTime {
            // The latest wall time shown so far, from a day of history.
            var maxWall = Int64.min
            var h = t - 86_400
            while h <= t { maxWall = max(maxWall, wall(h)); h += step }
            t += step
            while t <= through {
                let w = wall(t)
                if w > maxWall {
                    var probe = maxWall + step
                    var fires = false
                    while probe <= w {
                        if matches(wall: probe) { fires = true; break }
                        probe += step
                    }
                    if fires && t > after { out.append(t) }
                    maxWall = w
                }
                t += step
            }
        } else {
            t += step
            while t <= through {
                if t > after && matches(wall: wall(t)) { out.append(t) }
                t += step
            }
        }
        return out
    }
}
