public import Foundation

/// A job's whole schedule: what fires (cron, interval or one-off), in which zone, between
/// which bounds, delayed by how much stable jitter.
///
/// - `start`: no fire before it (resolved in `zone`; an `every` interval is anchored at it).
/// - `end`: no fire after it. A date alone (`end: 2026-12-31`) includes that whole day.
/// - `jitter`: each fire runs `scheduledFor + j`, `j` in `[0, jitter)`, a pure function of
///   (`jitterKey`, `scheduledFor`): previews show the real time, and restarts do not move it.
///
/// ```swift
/// let schedule = JobSchedule(kind: .cron(try CronExpression("30 2 * * *")),
///                            zone: TimeZone(identifier: "America/New_York")!,
///                            start: nil, end: nil, jitter: nil, jitterKey: "reports/nightly")
/// let next10 = schedule.fires(after: .now, count: 10)
/// ```
public struct JobSchedule: Sendable {
    public enum Kind: Sendable {
        case cron(CronExpression)
        case every(JobDuration)
        case at(LocalDateTime)
    }

    public let kind: Kind
    public let zone: TimeZone
    public let start: LocalDateTime?
    public let end: LocalDateTime?
    public let jitter: JobDuration?
    public let jitterKey: String

    let rules: ZoneRules
    /// Resolved bounds in milliseconds since the epoch; the end is exclusive.
    let startMilliseconds: Int64?
    let endMilliseconds: Int64?

    public init(kind: Kind, zone: TimeZone, start: LocalDateTime?, end: LocalDateTime?,
                jitter: JobDuration?, jitterKey: String) {
        self.kind = kind
        self.zone = zone
        self.start = start
        self.end = end
        self.jitter = jitter
        self.jitterKey = jitterKey
        rules = ZoneRules.of(zone)
        startMilliseconds = start.map { Int64($0.resolve(in: zone).timeIntervalSince1970) * 1000 }
        endMilliseconds = end.map { end in
            if end.hasTime || end.utcOffset != nil {
                return Int64(end.resolve(in: zone).timeIntervalSince1970) * 1000 + 1
            }
            // The whole day: up to the next local midnight, exclusive.
            let next = LocalDateTime(wallSecond: end.wallSecond + CivilCalendar.secondsPerDay)
            return Int64(next.resolve(in: zone).timeIntervalSince1970) * 1000
        }
    }

    /// The first fire whose scheduled instant is strictly after `instant` and inside the
    /// bounds; nil when there is none (past `end`, a one-off already past, an empty interval).
    public func nextFire(after instant: Date) -> FireTime? {
        var after = instant
        if let startMilliseconds, Self.milliseconds(instant) < startMilliseconds {
            after = Date(timeIntervalSince1970: (Double(startMilliseconds) - 0.5) / 1000)
        }
        let candidate: (Date, DSTNote?)?
        switch kind {
        case .cron(let expression):
            if let interval = expression.interval {
                candidate = CronExpression.nextMultiple(of: interval.milliseconds, from: startMilliseconds ?? 0, after: after).map { ($0, nil) }
            } else {
                candidate = expression.nextFire(after: after, rules: rules)
            }
        case .every(let interval):
            guard interval.milliseconds > 0 else { return nil }
            candidate = CronExpression.nextMultiple(of: interval.milliseconds, from: startMilliseconds ?? 0, after: after).map { ($0, nil) }
        case .at(let time):
            let t = time.resolve(in: zone)
            candidate = t > after ? (t, nil) : nil
        }
        guard let (scheduled, note) = candidate else { return nil }
        let ms = Self.milliseconds(scheduled)
        if let endMilliseconds, ms >= endMilliseconds { return nil }
        // Time as jobctl writes it (RFC 3339, four-digit years) ends with 9999.
        if ms > Self.lastMillisecond { return nil }
        let delay = jitter.map { StableJitter.offset(key: jitterKey, scheduledMilliseconds: ms, jitter: $0.milliseconds) } ?? 0
        let runAt = Date(timeIntervalSince1970: Double(ms + delay) / 1000)
        return FireTime(scheduledFor: scheduled, runAt: runAt, dst: note)
    }

    /// Up to `count` consecutive fires after `instant`, and none scheduled after `until` (fewer
    /// when the schedule ends): the one fire loop of `jobctl fire-times`, the API and previews.
    public func fires(after instant: Date, count: Int, through until: Date? = nil) -> [FireTime] {
        var out: [FireTime] = []
        out.reserveCapacity(max(0, min(count, 100_000)))
        var cursor = instant
        while out.count < count, let fire = nextFire(after: cursor) {
            if let until, fire.scheduledFor > until { break }
            out.append(fire)
            cursor = fire.scheduledFor
        }
        return out
    }

    /// 9999-12-31T23:59:59.999Z: no fire is scheduled after it.
    static let lastMillisecond: Int64 = 253_402_300_799_999

    /// Whether the schedule fires at least once at any time: false when `start` is after
    /// `end`, a one-off lies outside the bounds, an interval is zero, or no cron time falls
    /// inside the bounds.
    public var canEverFire: Bool {
        if let startMilliseconds, let endMilliseconds, startMilliseconds >= endMilliseconds { return false }
        let from = startMilliseconds.map { Date(timeIntervalSince1970: (Double($0) - 0.5) / 1000) } ?? .distantPast
        switch kind {
        case .at(let time):
            let ms = Self.milliseconds(time.resolve(in: zone))
            return ms >= (startMilliseconds ?? Int64.min) && ms < (endMilliseconds ?? Int64.max)
        case .every(let interval):
            guard interval.milliseconds > 0 else { return false }
            return nextFire(after: from) != nil
        case .cron:
            return nextFire(after: from) != nil
        }
    }

    static func milliseconds(_ date: Date) -> Int64 {
        Int64((date.timeIntervalSince1970 * 1000).rounded(.down))
    }
}

/// One fire of a schedule.
public struct FireTime: Sendable, Hashable {
    /// The nominal fire instant: with the job id, the idempotence key of the run.
    public let scheduledFor: Date
    /// When it actually starts: `scheduledFor` plus the job's stable jitter.
    public let runAt: Date
    /// Set when a DST transition moved (`.moved`) or doubled (`.repeated`) this fire.
    public let dst: DSTNote?

    public init(scheduledFor: Date, runAt: Date, dst: DSTNote?) {
        self.scheduledFor = scheduledFor
        self.runAt = runAt
        self.dst = dst
    }
}
