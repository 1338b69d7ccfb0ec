/// Where a run stands. A record in a history file always has a final status; `pending` and
/// `running` exist only while a run is in flight (see ``InFlightRun``).
public enum RunStatus: String, Sendable, Hashable, CaseIterable, Codable, Comparable {
    case pending
    case running
    case completed
    case failed
    case timedOut = "timed_out"
    case cancelled
    /// A run of the job was still in progress (concurrency `skip`).
    case skipped
    /// An event did not pass the job's `filter`.
    case filtered
    case rateLimited = "rate_limited"
    /// Fires not run after downtime (catch-up); see ``RunRecord/count``.
    case missed
    /// A dependency failed.
    case blocked
    /// jobctl stopped or crashed while the run was in progress.
    case interrupted

    /// Every status a history record may have (all but `pending` and `running`).
    public static let finalStatuses: [RunStatus] = allCases.filter(\.isFinal)

    public var isFinal: Bool { self != .pending && self != .running }

    /// The run started and reached an outcome: the runs a success rate is computed over.
    public var ran: Bool {
        switch self {
        case .completed, .failed, .timedOut, .cancelled, .interrupted: true
        default: false
        }
    }

    /// Counts as a failure for `jobctl check --max-consecutive-failures` and "last failure".
    public var isFailure: Bool { self == .failed || self == .timedOut || self == .interrupted }

    public static func < (a: RunStatus, b: RunStatus) -> Bool {
        allCases.firstIndex(of: a)! < allCases.firstIndex(of: b)!
    }
}

/// What started a run (or the fire that was decided not to run).
public enum Trigger: String, Sendable, Hashable, CaseIterable, Codable {
    case schedule
    case manual
    case api
    case event
    case dependency
    case retry
    case catchup
    /// `jobctl rerun RUN`, `POST /api/runs/{run}/rerun`: the record's `rerunOf` names the original.
    case rerun
}

/// The outcome of one step of a run.
public enum StepStatus: String, Sendable, Hashable, CaseIterable, Codable {
    case completed
    case failed
    case timedOut = "timed_out"
    case cancelled
    /// Its `if:` was false, or an earlier step failed.
    case skipped
    case interrupted
}
