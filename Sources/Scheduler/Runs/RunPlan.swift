public import Foundation
public import Definitions
public import Execution
public import Expressions
public import History

/// A run about to start: which job, why, for which fire and with which parameters.
public struct RunPlan: Sendable {
    public var job: JobID
    public var trigger: Trigger
    public var scheduledFor: Date?
    public var parameters: [String: ParameterValue]
    public var fanout: Fanout?
    public var attempt: Int
    public var event: Value
    /// The run this one re-runs.
    public var rerunOf: String?
    /// Who asked (`token NAME`, `user NAME`); nil for the schedule and the scheduler's own runs.
    public var requestedBy: String?
    /// Run the working-tree definition instead of the applied one (`jobctl run --draft`), or the
    /// definition of an earlier commit (`jobctl rerun --at-commit`).
    public var definitionOverride: JobDefinition?
    /// The commit ``definitionOverride`` was read from (nil: the working tree), recorded as the run's commit.
    public var overrideCommit: String?
    public var warnings: [String]
    /// Start even when the rate limit is reached (`jobctl run --force`); the record says so.
    public var force: Bool
    /// The entry of the cluster's shared queue this run was taken from (cluster mode): it starts
    /// only while this node holds the entry, and its start removes the entry.
    public var queueEntry: Int64?

    public init(job: JobID, trigger: Trigger, scheduledFor: Date? = nil, parameters: [String: ParameterValue] = [:], fanout: Fanout? = nil,
                attempt: Int = 1, event: Value = .null, definitionOverride: JobDefinition? = nil, warnings: [String] = [], force: Bool = false) {
        self.job = job
        self.trigger = trigger
        self.scheduledFor = scheduledFor
        self.parameters = parameters
        self.fanout = fanout
        self.attempt = attempt
        self.event = event
        self.definitionOverride = definitionOverride
        self.warnings = warnings
        self.force = force
    }

    /// The fan-out this run belongs to, when it is one of several.
    public var group: String? { fanout?.group }

    var recordedParameters: [String: JSONScalar] {
        parameters.mapValues(\.jsonScalar)
    }
}

extension ParameterValue {
    var jsonScalar: JSONScalar {
        switch self {
        case .string(let text): .string(text)
        case .boolean(let flag): .bool(flag)
        case .number(let number):
            number.rounded() == number && abs(number) < 9e15 ? .integer(Int64(number)) : .number(number)
        }
    }
}

/// Everything a performer needs to execute one run.
public struct RunContext: Sendable {
    public var runID: String
    public var plan: RunPlan
    public var job: JobDefinition
    public var config: RepositoryConfig
    public var commit: String?
    public var root: String
    /// Absolute path of the run's log file.
    public var logPath: String
}

/// How a run ended, as the performer reports it.
public struct RunResult: Sendable {
    public var status: RunStatus
    public var exitCode: Int32?
    public var steps: [StepRecord]
    public var error: String?
    public var warnings: [String]
    public var startedAt: Date
    public var finishedAt: Date
    /// Values a later `until:` or dependency sees as `run.*`.
    public var output: String?

    public init(status: RunStatus, exitCode: Int32? = nil, steps: [StepRecord] = [], error: String? = nil, warnings: [String] = [], startedAt: Date, finishedAt: Date, output: String? = nil) {
        self.status = status
        self.exitCode = exitCode
        self.steps = steps
        self.error = error
        self.warnings = warnings
        self.startedAt = startedAt
        self.finishedAt = finishedAt
        self.output = output
    }
}

/// Executes runs. `Execution` provides the real one (processes in their own process groups);
/// cancelling the calling task must tear the run down and return `cancelled`.
public protocol RunPerformer: Sendable {
    func perform(_ context: RunContext, onChildStarted: @escaping @Sendable (ProcessIdentity) -> Void) async -> RunResult
    /// Where runs' secrets come from: their values are redacted from the event payloads kept.
    var secrets: SecretStore { get }
}

extension RunPerformer {
    /// No secrets (a performer that resolves none has none to redact).
    public var secrets: SecretStore { SecretStore(environment: [:], file: nil) }
}
