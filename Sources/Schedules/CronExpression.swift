public import Foundation

/// A parsed cron expression: the dialect of DESIGN.md §3, parsed once, then
/// ``next(after:in:)`` as a pure function of an instant and a zone.
///
/// ```swift
/// let weekdays = try CronExpression("0 8 * * MON-FRI")
/// let next = weekdays.next(after: .now, in: TimeZone(identifier: "Europe/Amsterdam")!)
/// ```
///
/// Daylight-saving time follows Debian cron (see ``isFixedTime``): a fixed-time job whose local
/// time is skipped by spring-forward fires at the end of the gap, and one whose time occurs twice
/// fires once; every other job walks real time, so a skipped time does not fire and a repeated
/// time fires twice.
///
/// Two expressions are equal when their ``source`` texts are equal.
public struct CronExpression: Sendable, Hashable, CustomStringConvertible {
    /// The text as written.
    public let source: String
    /// Whether the expression has six fields (a leading seconds field).
    public let hasSecondsField: Bool
    /// DESIGN.md §3: a five-field expression whose minute and hour fields do not start with `*`.
    /// Such a job names a wall-clock time, so DST moves it instead of skipping or doubling it.
    /// Macros count as their expansion (`@daily` is fixed-time, `@hourly` is not); `@every` is not.
    public let isFixedTime: Bool
    /// The interval of an `@every DURATION` expression (fires at multiples of it from the Unix
    /// epoch), nil for field expressions.
    public let interval: JobDuration?
    let fields: CronFields

    /// Parses `text`.
    /// - Throws: ``CronParseError`` with the 1-based column of the problem inside `text`, also
    ///   for an expression that can never fire (`0 0 30 2 *`).
    public init(_ text: String) throws(CronParseError) {
        // Many jobs share an expression (`0 * * * *`): each distinct one is parsed once.
        let parsed = try Self.parsed.value(for: text) { Result { () throws(CronParseError) in try CronParser.parse(text) } }.get()
        source = text
        hasSecondsField = parsed.hasSecondsField
        isFixedTime = parsed.isFixedTime
        interval = parsed.interval
        fields = parsed.fields
    }

    private static let parsed = ParseMemo<String, Result<CronParser.Result, CronParseError>>()

    public var description: String { source }

    public static func == (a: CronExpression, b: CronExpression) -> Bool { a.source == b.source }
    public func hash(into hasher: inout Hasher) { hasher.combine(source) }

    /// The first fire time strictly after `instant`, in `zone`; nil only past year ~2^40.
    public func next(after instant: Date, in zone: TimeZone) -> Date? {
        nextFire(after: instant, rules: ZoneRules.of(zone))?.instant
    }

    /// The first fire time strictly after `instant` with the DST note that goes with it.
    public func nextFire(after instant: Date, in zone: TimeZone) -> (instant: Date, dst: DSTNote?)? {
        nextFire(after: instant, rules: ZoneRules.of(zone))
    }

    @inline(__always)
    func nextFire(after instant: Date, rules: ZoneRules) -> (instant: Date, dst: DSTNote?)? {
        if let interval {
            return Self.nextMultiple(of: interval.milliseconds, from: 0, after: instant).map { ($0, nil) }
        }
        let seconds = instant.timeIntervalSince1970
        guard seconds.isFinite, abs(seconds) < 1e13 else { return nil }
        let after = Int64(seconds.rounded(.down))
        if isFixedTime {
            guard let (t, note) = nextFixedTime(after: after, rules: rules) else { return nil }
            return (Date(timeIntervalSince1970: Double(t)), note)
        }
        guard let (t, note) = nextRealTime(after: after, rules: rules) else { return nil }
        return (Date(timeIntervalSince1970: Double(t)), note)
    }

    /// Real time: the first instant > `after` whose wall-clock reading matches. Searches each
    /// period of constant offset in turn, within the wall times that period shows.
    @inline(__always)
    func nextRealTime(after: Int64, rules: ZoneRules) -> (Int64, DSTNote?)? {
        let s = after + 1
        if rules.isFixedOffset {
            let offset = rules.offsets[0]
            guard let w = fields.nextMatch(from: s + offset, through: Int64.max) else { return nil }
            return (w - offset, nil)
        }
        var k = rules.periodIndex(containing: s)
        var from = s + rules.offsets[k]
        while true {
            let offset = rules.offsets[k]
            let last = k + 1 < rules.starts.count ? rules.starts[k + 1] - 1 + offset : Int64.max
            if let w = fields.nextMatch(from: from, through: last) {
                let t = w - offset
                return (t, rules.wallIsRepeated(at: t, period: k) ? .repeated : nil)
            }
            guard last != Int64.max else { return nil }
            k += 1
            from = rules.starts[k] + rules.offsets[k]
        }
    }

    /// Fixed time: wall times are taken in order and each fires when the clock first reaches it
    /// (the end of the gap for a skipped time, the first pass for a repeated one).
    @inline(__always)
    func nextFixedTime(after: Int64, rules: ZoneRules) -> (Int64, DSTNote?)? {
        let from = rules.latestWall(through: after) + 1
        guard let w = fields.nextMatch(from: from, through: Int64.max) else { return nil }
        let (t, skipped) = rules.firstInstant(reachingWall: w)
        return (t, skipped ? .moved(from: LocalDateTime(wallSecond: w)) : nil)
    }

    /// `origin + k * step` (milliseconds) for the smallest k with a result strictly after `instant`.
    /// The first `origin + k * step` (milliseconds since 1970) strictly after `instant`; nil past
    /// the range cron times have too (|seconds| < 10^13, year ~318,000), where milliseconds could
    /// no longer be counted exactly (found by fuzzing: a huge `@every` went backwards there).
    static func nextMultiple(of step: Int64, from origin: Int64, after instant: Date) -> Date? {
        let ms = instant.timeIntervalSince1970 * 1000
        guard ms.isFinite, abs(ms) < 1e16, step > 0 else { return nil }
        let floorMs = Int64(ms.rounded(.down))
        let k = CivilCalendar.floorDiv(floorMs - origin, step) + 1
        let (product, overflow) = k.multipliedReportingOverflow(by: step)
        guard !overflow, case let (t, sumOverflow) = origin.addingReportingOverflow(product), !sumOverflow else { return nil }
        var next = t
        if Double(next) <= ms { next += step }
        guard next < 10_000_000_000_000_000 else { return nil }
        // A Date is a Double of seconds since 2001: far out its steps are coarser than a
        // millisecond, and a sub-second interval could round back onto `instant` (found by
        // fuzzing). Fires move strictly forward, or end.
        let date = Date(timeIntervalSince1970: Double(next) / 1000)
        return date > instant ? date : nil
    }
}

/// How daylight-saving time changed a fire time.
public enum DSTNote: Sendable, Hashable, CustomStringConvertible {
    /// A fixed-time job's local time was skipped by spring-forward; it fired at the end of the
    /// gap instead. `from` is the local time it was scheduled for.
    case moved(from: LocalDateTime)
    /// The local time occurred twice (fall-back) and this job, which walks real time, fires at
    /// both instants; this is one of them.
    case repeated

    public var description: String {
        switch self {
        case .moved(let from): "DST: \(from.timeText) skipped, moved to the end of the gap"
        case .repeated: "DST: this local time occurs twice and fires twice"
        }
    }
}
