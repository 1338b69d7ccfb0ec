public import Foundation
public import Definitions
public import Expressions

/// Everything one run of a job needs: the definition, who asked, and where to write.
///
/// The caller (the Scheduler, `jobctl run`) has already validated `parameters` against the
/// job's declarations and filled in defaults; the executor uses them as they are.
public struct RunRequest: Sendable {
    public var job: JobDefinition
    public var config: RepositoryConfig
    /// The run's sortable unique id (`JOBCTL_RUN`, `run.id`).
    public var runID: String
    /// `schedule`, `manual`, `api`, `event`, `dependency`, `retry` or `catchup`.
    public var trigger: String
    /// The fire time this run is for, when it was scheduled.
    public var scheduledFor: Date?
    /// 1 for the first attempt, 2 for the first retry, ...
    public var attempt: Int
    public var parameters: [String: ParameterValue]
    /// The event payload for event-triggered runs; `.null` otherwise.
    public var event: Value
    /// The applied commit the definition came from.
    public var commit: String?
    /// The jobs root: the working directory of steps (a step's `workdir` is relative to it).
    public var rootPath: String
    /// Absolute path of the run's log file; missing folders are created. Output is appended.
    public var logPath: String
    public var secrets: SecretStore

    public init(
        job: JobDefinition,
        config: RepositoryConfig,
        runID: String,
        trigger: String,
        scheduledFor: Date? = nil,
        attempt: Int = 1,
        parameters: [String: ParameterValue] = [:],
        event: Value = .null,
        commit: String? = nil,
        rootPath: String,
        logPath: String,
        secrets: SecretStore = SecretStore()
    ) {
        self.job = job
        self.config = config
        self.runID = runID
        self.trigger = trigger
        self.scheduledFor = scheduledFor
        self.attempt = attempt
        self.parameters = parameters
        self.event = event
        self.commit = commit
        self.rootPath = rootPath
        self.logPath = logPath
        self.secrets = secrets
    }
}
