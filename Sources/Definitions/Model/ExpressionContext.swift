public import Foundation
public import Expressions

/// The names a job's `filter`, step `if:`, `until` and templates read, built one way for all of
/// them (see the docs for which exist where):
///
/// | name | `filter` | `if:` and templates | `until` |
/// |---|---|---|---|
/// | `job.id`, `.name`, `.file` | yes | yes | yes |
/// | `params.NAME` | yes | yes | yes |
/// | `event` (the payload, or `null`) | yes | yes | yes |
/// | `run.trigger` | yes | yes | yes |
/// | `run.id`, `.attempt`, `.scheduledFor`, `.startedAt`, `.commit` | — | yes | yes |
/// | `run.status`, `.exitCode` | — | — | yes |
/// | `steps.NAME.status`, `.exitCode`, `.output`, `.durationMs` | — | earlier steps | every step |
///
/// A name that does not exist at that point reads as `null`.
public struct ExpressionContext: Sendable {
    /// What is known about the run at the point of evaluation.
    public struct RunFacts: Sendable {
        public var id: String?
        public var trigger: String
        public var attempt: Int?
        public var scheduledFor: Date?
        public var startedAt: Date?
        public var commit: String?
        /// The final status (`until` only).
        public var status: String?
        public var exitCode: Int32?

        public init(id: String? = nil, trigger: String, attempt: Int? = nil, scheduledFor: Date? = nil, startedAt: Date? = nil,
                    commit: String? = nil, status: String? = nil, exitCode: Int32? = nil) {
            self.id = id
            self.trigger = trigger
            self.attempt = attempt
            self.scheduledFor = scheduledFor
            self.startedAt = startedAt
            self.commit = commit
            self.status = status
            self.exitCode = exitCode
        }
    }

    /// One finished step, as later steps and `until` see it.
    public struct StepFacts: Sendable {
        public var status: String
        public var exitCode: Int32?
        public var output: String?
        public var durationMs: Int64?

        public init(status: String, exitCode: Int32? = nil, output: String? = nil, durationMs: Int64? = nil) {
            self.status = status
            self.exitCode = exitCode
            self.output = output
            self.durationMs = durationMs
        }
    }

    public var job: JobDefinition
    public var run: RunFacts
    public var params: [String: ParameterValue]
    public var event: Value
    public private(set) var steps: [String: StepFacts] = [:]
    /// The names, as expressions and templates read them.
    public private(set) var values: [String: Value]

    public init(job: JobDefinition, run: RunFacts, params: [String: ParameterValue], event: Value = .null, steps: [String: StepFacts] = [:]) {
        self.job = job
        self.run = run
        self.params = params
        self.event = event
        self.steps = steps
        values = [
            "job": .object(["id": .string(job.id.rawValue), "name": .string(job.name), "file": .string(job.file)]),
            "run": Self.value(of: run),
            "params": .object(params.mapValues(\.expressionValue)),
            "event": event,
            "steps": .object(steps.mapValues(Self.value(of:))),
        ]
    }

    /// Adds a finished step: later `if:` conditions, templates and `until` see it.
    public mutating func record(step name: String, _ facts: StepFacts) {
        steps[name] = facts
        guard case .object(var members) = values["steps"] ?? .null else { return }
        members[name] = Self.value(of: facts)
        values["steps"] = .object(members)
    }

    static func value(of run: RunFacts) -> Value {
        var members: [String: Value] = ["trigger": .string(run.trigger)]
        if let id = run.id { members["id"] = .string(id) }
        if let attempt = run.attempt { members["attempt"] = .number(Double(attempt)) }
        if let scheduledFor = run.scheduledFor { members["scheduledFor"] = .string(Self.rfc3339(scheduledFor)) }
        if let startedAt = run.startedAt { members["startedAt"] = .string(Self.rfc3339(startedAt)) }
        if let commit = run.commit { members["commit"] = .string(commit) }
        if let status = run.status { members["status"] = .string(status) }
        if let exitCode = run.exitCode { members["exitCode"] = .number(Double(exitCode)) }
        return .object(members)
    }

    static func value(of step: StepFacts) -> Value {
        .object([
            "status": .string(step.status),
            "exitCode": step.exitCode.map { .number(Double($0)) } ?? .null,
            "output": step.output.map(Value.string) ?? .null,
            "durationMs": step.durationMs.map { .number(Double($0)) } ?? .null,
        ])
    }

    /// How `run.scheduledFor` and `run.startedAt` read (and `JOBCTL_SCHEDULED_FOR`): RFC 3339 in
    /// UTC, whole seconds (`2026-01-01T08:00:00Z`).
    public static func rfc3339(_ date: Date) -> String {
        date.formatted(.iso8601)
    }
}

extension ParameterValue {
    /// The value as expressions and templates read it.
    public var expressionValue: Value {
        switch self {
        case .string(let text): .string(text)
        case .number(let number): .number(number)
        case .boolean(let flag): .bool(flag)
        }
    }
}
