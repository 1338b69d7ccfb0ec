public import Foundation

/// How a run ended. Every field is already redacted: no resolved secret value appears in
/// `error`, `warnings`, `report` or any step's `output`.
public struct RunOutcome: Sendable {
    /// A run's final status, as history records it (`rawValue`).
    public enum Status: String, Sendable, Hashable, Codable, CaseIterable {
        case completed
        case failed
        case timedOut = "timed_out"
        case cancelled
    }

    public var status: Status
    /// The exit code of the last step that ran a process and exited, nil when none did
    /// (e.g. a step killed by a signal or an http step).
    public var exitCode: Int32?
    /// One entry per step of the job, in order; steps that did not run are `skipped`.
    public var steps: [StepOutcome]
    /// Why the run did not complete, naming the step: `step 'extract': command not found: pyhton3`.
    public var error: String?
    /// Things worth knowing that did not fail the run (e.g. leftover background processes).
    public var warnings: [String]
    /// The output of the last agent step that completed: the run's report.
    public var report: String?
    public var startedAt: Date
    public var finishedAt: Date

    public var durationMs: Int64 {
        Int64((finishedAt.timeIntervalSince(startedAt) * 1000).rounded())
    }

    /// For callers' test doubles; the executor builds outcomes itself.
    public init(
        status: Status, exitCode: Int32? = nil, steps: [StepOutcome] = [], error: String? = nil,
        warnings: [String] = [], report: String? = nil, startedAt: Date, finishedAt: Date
    ) {
        self.status = status
        self.exitCode = exitCode
        self.steps = steps
        self.error = error
        self.warnings = warnings
        self.report = report
        self.startedAt = startedAt
        self.finishedAt = finishedAt
    }
}

/// One step's result.
public struct StepOutcome: Sendable {
    public enum Status: String, Sendable, Hashable, Codable, CaseIterable {
        case completed
        case failed
        case timedOut = "timed_out"
        case cancelled
        /// Not run: its `if:` was false, or an earlier step failed, timed out or was cancelled.
        case skipped
    }

    public var name: String
    public var status: Status
    /// The process's exit code when it exited (not when killed by a signal); the HTTP status
    /// code is not an exit code and is not recorded here.
    public var exitCode: Int32?
    public var durationMs: Int64
    /// What later steps see as `steps.NAME.output`: a `run` or agent step's standard output
    /// (one trailing newline removed, as `$(...)` does) or an http step's response body, capped
    /// at ``RunExecutor/outputCapBytes``; nil for a step that produced none.
    public var output: String?
    /// Why the step failed, timed out or was cancelled.
    public var error: String?

    public init(name: String, status: Status, exitCode: Int32? = nil, durationMs: Int64 = 0, output: String? = nil, error: String? = nil) {
        self.name = name
        self.status = status
        self.exitCode = exitCode
        self.durationMs = durationMs
        self.output = output
        self.error = error
    }
}
