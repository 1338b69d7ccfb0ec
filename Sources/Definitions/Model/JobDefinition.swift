public import Foundation
public import Schedules
public import Expressions

/// A job as applied: every field of DESIGN.md §2, with the defaults of `jobctl.yaml` filled in.
///
/// A value, stored behind one reference and copied on write: a definition is ~570 bytes of
/// fields, and the scheduler, the API and the tables of jobs pass and hold it by value, so a copy
/// of each was most of answering `GET /api/jobs` (`perf record`), and a table of 10,000 held every
/// slot's worth inline.
public struct JobDefinition: Sendable {
    /// The fields themselves.
    private struct Fields: Sendable {
        var id: JobID
        var file: String
        var name: String
        var description: String?
        var enabled: Bool
        var schedule: ScheduleDefinition?
        var events: [String]
        var filter: Condition?
        var parameters: [ParameterDefinition]
        var matrix: [MatrixAxis]
        var maxParallel: Int?
        var needs: [JobID]
        var concurrency: ConcurrencyPolicy
        var rateLimit: RateLimit?
        var timeout: JobDuration?
        var retries: RetryPolicy
        var until: Condition?
        var steps: [Step]
        var notifications: [Notification]
    }

    /// Written only through ``mutate(_:)``, which copies it first unless this value holds the only
    /// reference: the same discipline as the standard library's arrays.
    private final class Storage: @unchecked Sendable {
        var fields: Fields
        init(_ fields: Fields) { self.fields = fields }
    }

    private var storage: Storage

    private mutating func mutate(_ body: (inout Fields) -> Void) {
        if !isKnownUniquelyReferenced(&storage) { storage = Storage(storage.fields) }
        body(&storage.fields)
    }

    public init(
        id: JobID,
        file: String,
        name: String,
        description: String?,
        enabled: Bool,
        schedule: ScheduleDefinition?,
        events: [String],
        filter: Condition?,
        parameters: [ParameterDefinition],
        matrix: [MatrixAxis],
        maxParallel: Int?,
        needs: [JobID],
        concurrency: ConcurrencyPolicy,
        rateLimit: RateLimit?,
        timeout: JobDuration?,
        retries: RetryPolicy,
        until: Condition?,
        steps: [Step],
        notifications: [Notification]
    ) {
        storage = Storage(Fields(id: id, file: file, name: name, description: description, enabled: enabled, schedule: schedule, events: events, filter: filter, parameters: parameters, matrix: matrix, maxParallel: maxParallel, needs: needs, concurrency: concurrency, rateLimit: rateLimit, timeout: timeout, retries: retries, until: until, steps: steps, notifications: notifications))
    }

    public var id: JobID {
        get { storage.fields.id }
        set { mutate { $0.id = newValue } }
    }
    /// The file it was read from, relative to the root (`jobs/reports/x.yaml`).
    public var file: String {
        get { storage.fields.file }
        set { mutate { $0.file = newValue } }
    }
    public var name: String {
        get { storage.fields.name }
        set { mutate { $0.name = newValue } }
    }
    public var description: String? {
        get { storage.fields.description }
        set { mutate { $0.description = newValue } }
    }
    public var enabled: Bool {
        get { storage.fields.enabled }
        set { mutate { $0.enabled = newValue } }
    }
    public var schedule: ScheduleDefinition? {
        get { storage.fields.schedule }
        set { mutate { $0.schedule = newValue } }
    }
    public var events: [String] {
        get { storage.fields.events }
        set { mutate { $0.events = newValue } }
    }
    public var filter: Condition? {
        get { storage.fields.filter }
        set { mutate { $0.filter = newValue } }
    }
    public var parameters: [ParameterDefinition] {
        get { storage.fields.parameters }
        set { mutate { $0.parameters = newValue } }
    }
    public var matrix: [MatrixAxis] {
        get { storage.fields.matrix }
        set { mutate { $0.matrix = newValue } }
    }
    public var maxParallel: Int? {
        get { storage.fields.maxParallel }
        set { mutate { $0.maxParallel = newValue } }
    }
    public var needs: [JobID] {
        get { storage.fields.needs }
        set { mutate { $0.needs = newValue } }
    }
    public var concurrency: ConcurrencyPolicy {
        get { storage.fields.concurrency }
        set { mutate { $0.concurrency = newValue } }
    }
    public var rateLimit: RateLimit? {
        get { storage.fields.rateLimit }
        set { mutate { $0.rateLimit = newValue } }
    }
    public var timeout: JobDuration? {
        get { storage.fields.timeout }
        set { mutate { $0.timeout = newValue } }
    }
    public var retries: RetryPolicy {
        get { storage.fields.retries }
        set { mutate { $0.retries = newValue } }
    }
    public var until: Condition? {
        get { storage.fields.until }
        set { mutate { $0.until = newValue } }
    }
    public var steps: [Step] {
        get { storage.fields.steps }
        set { mutate { $0.steps = newValue } }
    }
    public var notifications: [Notification] {
        get { storage.fields.notifications }
        set { mutate { $0.notifications = newValue } }
    }

    public func parameter(named name: String) -> ParameterDefinition? {
        parameters.first { $0.name == name }
    }
}

public struct ScheduleDefinition: Sendable {
    public var kind: JobSchedule.Kind
    /// The text the kind was written as (`0 8 * * 1`, `1h`, `2026-12-01T09:00`).
    public var text: String
    public var timeZone: TimeZone
    public var start: LocalDateTime?
    public var end: LocalDateTime?
    public var jitter: JobDuration?
    public var catchup: CatchupPolicy
    public var catchupWindow: JobDuration

    /// The fire-time sequence of this schedule for `job`.
    public func jobSchedule(for job: JobID) -> JobSchedule {
        JobSchedule(kind: kind, zone: timeZone, start: start, end: end, jitter: jitter, jitterKey: job.rawValue)
    }

    public var kindName: String {
        switch kind {
        case .cron: "cron"
        case .every: "every"
        case .at: "at"
        }
    }
}

public enum CatchupPolicy: String, Sendable, Hashable, Codable, CaseIterable {
    case none, latest, all
}

public enum ConcurrencyPolicy: String, Sendable, Hashable, Codable, CaseIterable {
    case skip, allow, replace, queue
}

public struct ParameterDefinition: Sendable, Hashable {
    public var name: String
    public var type: ParameterType
    public var defaultValue: ParameterValue?
    public var allowed: [ParameterValue]?
    public var required: Bool
    public var description: String?

    /// Why `value` is not acceptable for this parameter, or nil.
    public func problem(with value: ParameterValue) -> String? {
        guard value.type == type else {
            return "parameter '\(name)' is a \(type.rawValue); \(value.describedWithType) is not"
        }
        if let allowed, !allowed.contains(value) {
            let list = allowed.map(\.description).joined(separator: ", ")
            return "parameter '\(name)': \(value.describedWithType) is not one of the allowed values (\(list))"
        }
        return nil
    }
}

extension ParameterValue {
    var describedWithType: String {
        switch self {
        case .string(let text): "the string \"\(text)\""
        case .number: "the number \(description)"
        case .boolean: "the boolean \(description)"
        }
    }
}

public struct MatrixAxis: Sendable, Hashable {
    public var parameter: String
    public var values: [ParameterValue]
}

public struct RateLimit: Sendable, Hashable {
    public var max: Int
    public var per: JobDuration

    public init(max: Int, per: JobDuration) {
        self.max = max
        self.per = per
    }
}

public struct RetryPolicy: Sendable, Hashable {
    public var max: Int
    public var backoff: JobDuration
    public var maxBackoff: JobDuration

    public static let none = RetryPolicy(max: 0, backoff: RetryPolicy.defaultBackoff, maxBackoff: RetryPolicy.defaultMaxBackoff)
    public static let defaultBackoff = JobDuration(milliseconds: 30_000)
    public static let defaultMaxBackoff = JobDuration(milliseconds: 3_600_000)

    /// The wait before retry `attempt` (1 for the first retry): backoff doubled each time, capped.
    public func delay(beforeRetry attempt: Int) -> JobDuration {
        let doublings = Swift.min(Swift.max(attempt - 1, 0), 40)
        let milliseconds = Double(backoff.milliseconds) * pow(2, Double(doublings))
        return JobDuration(milliseconds: Int64(Swift.min(milliseconds, Double(maxBackoff.milliseconds))))
    }
}

public struct Step: Sendable {
    public enum Kind: Sendable {
        /// argv, never through a shell; templates are rendered per argument.
        case command([Template])
        /// Run by `/bin/sh -c`; no templates, parameters reach it through env only.
        case shell(String)
        case agent(name: String, prompt: Template)
        case http(HTTPRequest)
    }

    public var name: String
    public var kind: Kind
    public var environment: [(name: String, value: Template)]
    public var workdir: String?
    public var timeout: JobDuration?
    public var condition: Condition?

    public var kindName: String {
        switch kind {
        case .command, .shell: "run"
        case .agent: "agent"
        case .http: "http"
        }
    }
}

public struct HTTPRequest: Sendable, Hashable {
    public var method: String
    /// Values rendered into the query are percent-encoded (``Template/Context/url``).
    public var url: Template
    public var headers: [String: Template]
    public var body: HTTPBody?
    public var timeout: JobDuration?
}

/// The body of an http step, agent or webhook.
public enum HTTPBody: Sendable, Hashable {
    /// `body:`, a text template sent as written.
    case text(Template)
    /// `json:`, a structured body serialised by jobctl (`Content-Type: application/json`).
    case json(JSONTemplate)
}

public struct Notification: Sendable, Hashable {
    public enum Target: Sendable, Hashable {
        case webhook(Template, WebhookFormat)
        case notifier(String)
    }

    /// Final statuses, `recovered` and `changed`.
    public var on: [String]
    public var target: Target
    /// One message per run, or one per whole fan-out (sent when its last run ends).
    public var perFanOut: Bool = false
    /// `changed` compares the run's report with the previous run's, not its status.
    public var changedOnReport: Bool = false
}

/// The message a webhook gets.
public enum WebhookFormat: String, Sendable, Hashable, CaseIterable {
    /// `POST` `{"event", "job", "record", ...}`: the run record as history holds it.
    case json
    /// `POST` a Slack message: a `text` fallback and Block Kit `blocks`.
    case slack
    /// `POST` a Microsoft Teams message carrying an Adaptive Card.
    case teams
    /// `GET` the URL, nothing else: a dead man's switch such as a healthchecks.io check.
    case ping
}
