public import Foundation

/// A schedule written as text outside a job file: the flags of `jobctl fire-times` and the query
/// of `GET /api/fire-times`. One reader for both, so they accept and refuse the same input.
///
/// ```swift
/// let spec = ScheduleSpec(cron: "30 2 * * *", timezone: "America/New_York")
/// let schedule = try spec.schedule()
/// let fires = schedule.fires(after: try spec.instant("2026-03-01", zone: schedule.zone), count: 10)
/// ```
public struct ScheduleSpec: Sendable, Hashable {
    /// The fields, for naming them in errors as the caller spells them (`--cron`, `cron`).
    public enum Field: String, Sendable, CaseIterable {
        case cron, every, at, timezone, start, end, from, until
    }

    public var cron: String?
    public var every: String?
    public var at: String?
    public var timezone: String?
    public var start: String?
    public var end: String?

    public init(cron: String? = nil, every: String? = nil, at: String? = nil, timezone: String? = nil, start: String? = nil, end: String? = nil) {
        self.cron = cron
        self.every = every
        self.at = at
        self.timezone = timezone
        self.start = start
        self.end = end
    }

    /// Why a spec was refused: the field and its value, and the column inside the value when the
    /// problem is in it.
    public struct Failure: Error, Sendable, Equatable {
        public var field: Field?
        public var value: String?
        public var column: Int?
        public var message: String

        /// `cron "0 61 * * *": column 3: minute field: ...`, with the field named by `name`.
        public func describe(naming name: (Field) -> String) -> String {
            guard let field, let value else { return message }
            if let column { return "\(name(field)) \"\(value)\": column \(column): \(message)" }
            return "\(name(field)): \(message)"
        }
    }

    /// The schedule: exactly one of cron, every and at, in `timezone` (default UTC), bounded by
    /// `start` and `end`.
    /// - Throws: ``Failure`` naming the field, and the column inside its value where it can.
    public func schedule() throws(Failure) -> JobSchedule {
        let given = [cron, every, at].compactMap { $0 }.count
        guard given == 1 else {
            throw Failure(message: given == 0 ? "give one of cron, every or at" : "give only one of cron, every and at")
        }
        let zone = try Self.zone(timezone ?? "UTC")
        let kind: JobSchedule.Kind
        if let cron {
            do {
                kind = .cron(try CronExpression(cron))
            } catch {
                throw Failure(field: .cron, value: cron, column: error.column, message: error.message)
            }
        } else if let every {
            let interval: JobDuration
            do {
                interval = try JobDuration(every)
            } catch {
                throw Failure(field: .every, value: every, column: error.column, message: error.message)
            }
            guard interval.milliseconds > 0 else { throw Failure(field: .every, value: every, message: "the interval must be longer than 0") }
            kind = .every(interval)
        } else {
            kind = .at(try Self.local(at!, field: .at))
        }
        return JobSchedule(kind: kind, zone: zone,
                           start: try start.map { text throws(Failure) in try Self.local(text, field: .start) },
                           end: try end.map { text throws(Failure) in try Self.local(text, field: .end) },
                           jitter: nil, jitterKey: "")
    }

    /// An IANA zone by name.
    public static func zone(_ name: String) throws(Failure) -> TimeZone {
        guard isKnownTimeZoneIdentifier(name), let zone = TimeZone(identifier: name) else {
            throw Failure(field: .timezone, value: name, message: "unknown time zone \"\(name)\": use an IANA name such as Europe/Amsterdam")
        }
        return zone
    }

    /// A bound of a listing (`from`, `until`): `now`, or a date-time with an offset, or a local date
    /// or date-time read in `zone`.
    public static func instant(_ text: String, field: Field, zone: TimeZone, now: Date) throws(Failure) -> Date {
        if text == "now" { return now }
        return try local(text, field: field).resolve(in: zone)
    }

    static func local(_ text: String, field: Field) throws(Failure) -> LocalDateTime {
        do {
            return try LocalDateTime(text)
        } catch {
            throw Failure(field: field, value: text, column: error.column, message: error.message)
        }
    }
}
