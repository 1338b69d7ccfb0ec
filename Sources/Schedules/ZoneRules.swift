public import Foundation

/// The UTC offsets of one time zone as a table of periods, built once per zone from the
/// system's tzdata (through `TimeZone`) and then read without locks or Foundation calls.
///
/// Period `k` covers the instants `starts[k] ..< starts[k + 1]` and has the constant offset
/// `offsets[k]`. The table spans 1800-2500; before it the first offset holds and after it the
/// last (tzdata itself has no knowledge of either end).
///
/// Every question the cron engine asks is answered here:
/// - ``periodIndex(containing:)``: which offset applies at an instant;
/// - ``firstInstant(reachingWall:)``: the first instant at which the wall clock shows a given
///   local time or later. For a time that exists once this is that instant; for a time that
///   occurs twice (fall-back), its first pass; for a time skipped by spring-forward, the end
///   of the gap. This is how fixed-time cron jobs and ``LocalDateTime/resolve(in:)`` map a
///   local time to an instant;
/// - ``latestWall(through:)``: the latest wall time the clock has shown up to an instant.
final class ZoneRules: Sendable {
    let identifier: String
    /// `starts[0] == Int64.min`; `starts[k]` (k >= 1) is the instant of the k-th transition.
    let starts: [Int64]
    /// `offsets[k]` is the offset of period k, in seconds east of UTC.
    let offsets: [Int64]
    /// `reachedWall[k]`: the latest wall second shown in periods 0...k (Int64.max for the last).
    let reachedWall: [Int64]

    var isFixedOffset: Bool { offsets.count == 1 }

    static let tableStart = Date(timeIntervalSince1970: -5_364_662_400)  // 1800-01-01
    static let tableEnd = Date(timeIntervalSince1970: 16_725_225_600)  // 2500-01-01

    init(_ zone: TimeZone) {
        identifier = zone.identifier
        var starts: [Int64] = [Int64.min]
        var offsets: [Int64] = []
        var cursor = Self.tableStart
        var current = Int64(zone.secondsFromGMT(for: cursor))
        offsets.append(current)
        while let transition = zone.nextDaylightSavingTimeTransition(after: cursor),
            transition < Self.tableEnd, transition > cursor
        {
            let offset = Int64(zone.secondsFromGMT(for: transition))
            if offset != current {  // a change of name or DST flag only is not a period
                starts.append(Int64(transition.timeIntervalSince1970.rounded(.down)))
                offsets.append(offset)
                current = offset
            }
            cursor = transition
        }
        var reached: [Int64] = []
        var maxWall = Int64.min
        for k in 0..<offsets.count {
            let end = k + 1 < starts.count ? starts[k + 1] - 1 + offsets[k] : Int64.max
            maxWall = max(maxWall, end)
            reached.append(maxWall)
        }
        self.starts = starts
        self.offsets = offsets
        self.reachedWall = reached
    }

    /// The index of the period that contains instant `t` (seconds since the epoch).
    @inline(__always)
    func periodIndex(containing t: Int64) -> Int {
        // Number of transitions at or before t: the last k with starts[k] <= t.
        var low = 1
        var high = starts.count
        while low < high {
            let mid = (low + high) >> 1
            if starts[mid] <= t { low = mid + 1 } else { high = mid }
        }
        return low - 1
    }

    @inline(__always)
    func offset(at t: Int64) -> Int64 {
        offsets.count == 1 ? offsets[0] : offsets[periodIndex(containing: t)]
    }

    /// The wall second shown at instant t.
    @inline(__always)
    func wall(at t: Int64) -> Int64 { t + offset(at: t) }

    /// The latest wall second the clock has shown at any instant up to and including `t`.
    @inline(__always)
    func latestWall(through t: Int64) -> Int64 {
        if offsets.count == 1 { return t + offsets[0] }
        let k = periodIndex(containing: t)
        let here = t + offsets[k]
        return k > 0 ? max(here, reachedWall[k - 1]) : here
    }

    /// The first period whose wall clock reaches `w`.
    @inline(__always)
    func firstPeriod(reachingWall w: Int64) -> Int {
        var low = 0
        var high = reachedWall.count - 1
        while low < high {
            let mid = (low + high) >> 1
            if reachedWall[mid] >= w { high = mid } else { low = mid + 1 }
        }
        return low
    }

    /// The first instant at which the wall clock shows `w` or a later time, and whether `w`
    /// itself was skipped (then the result is the end of the gap).
    @inline(__always)
    func firstInstant(reachingWall w: Int64) -> (instant: Int64, skipped: Bool) {
        if offsets.count == 1 { return (w - offsets[0], false) }
        let k = firstPeriod(reachingWall: w)
        let direct = w - offsets[k]
        return direct >= starts[k] ? (direct, false) : (starts[k], true)
    }

    /// Whether the wall time shown at instant `t` (in period `k`) is also shown at another instant.
    func wallIsRepeated(at t: Int64, period k: Int) -> Bool {
        let w = t + offsets[k]
        if k > 0 {
            let previousEnd = starts[k] - 1 + offsets[k - 1]
            let previousStart = k - 1 > 0 ? starts[k - 1] + offsets[k - 1] : Int64.min
            if w <= previousEnd && w >= previousStart { return true }
        }
        if k + 1 < offsets.count {
            let nextStart = starts[k + 1] + offsets[k + 1]
            let nextEnd = k + 2 < starts.count ? starts[k + 2] - 1 + offsets[k + 1] : Int64.max
            if w >= nextStart && w <= nextEnd { return true }
        }
        return false
    }

    // MARK: - One table per zone

    private static let cache = RulesCache()

    /// The rules of `zone`, built on first use and shared afterwards.
    static func of(_ zone: TimeZone) -> ZoneRules {
        cache.rules(for: zone)
    }
}

private final class RulesCache: @unchecked Sendable {
    private let lock = NSLock()
    private var byIdentifier: [String: ZoneRules] = [:]
    private let utc = ZoneRules(TimeZone(secondsFromGMT: 0)!)

    func rules(for zone: TimeZone) -> ZoneRules {
        let identifier = zone.identifier
        if identifier == "GMT" || identifier == "UTC" { return utc }
        lock.lock()
        if let found = byIdentifier[identifier] {
            lock.unlock()
            return found
        }
        lock.unlock()
        let built = ZoneRules(zone)
        lock.lock()
        defer { lock.unlock() }
        if let found = byIdentifier[identifier] { return found }
        byIdentifier[identifier] = built
        return built
    }
}

/// Whether `identifier` names a time zone of the system's tzdata (or a fixed offset such as
/// `UTC` or `GMT+0100`). jobctl rejects unknown names instead of silently using UTC.
public func isKnownTimeZoneIdentifier(_ identifier: String) -> Bool {
    !identifier.isEmpty && TimeZone(identifier: identifier) != nil
}
