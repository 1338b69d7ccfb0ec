public import Definitions
public import Foundation
public import History

/// Where a job is in its lifecycle (seed 002, DESIGN.md §5): the one rule that `jobctl status`,
/// the API's job list and the dashboard all follow.
public enum JobState: String, Sendable, Hashable, Codable, CaseIterable {
    /// Applied, never run (no record yet).
    case pending
    /// Applied and enabled; its last run did not fail.
    case active
    /// A run of it is in progress.
    case inProgress = "in_progress"
    /// It fires no more: its `until` holds on its last run, or its one-off fired.
    case completed
    /// Its last run failed, timed out or was interrupted.
    case failed
    /// Its last decision was `blocked`: a job it needs failed.
    case blocked
    /// `enabled: false`, or paused at run time (`jobctl pause`, `POST /api/jobs/{id}/pause`).
    case paused
    /// Deleted from git (no longer applied); its history stays.
    case archived

    /// What the state is computed from.
    public struct Facts: Sendable, Hashable {
        /// The job is in the applied commit.
        public var applied: Bool
        /// `enabled: true` in git and not paused at run time.
        public var enabled: Bool
        public var running: Bool
        public var completed: Bool
        /// The status of its last run that started (or was blocked).
        public var lastRan: RunStatus?
        /// It has any record at all.
        public var hasRecords: Bool

        public init(applied: Bool, enabled: Bool, running: Bool, completed: Bool, lastRan: RunStatus?, hasRecords: Bool) {
            self.applied = applied
            self.enabled = enabled
            self.running = running
            self.completed = completed
            self.lastRan = lastRan
            self.hasRecords = hasRecords
        }
    }

    /// The state, first match wins: archived, paused, in progress, completed, failed, blocked,
    /// pending (no record yet), active.
    public init(_ facts: Facts) {
        if !facts.applied {
            self = .archived
        } else if !facts.enabled {
            self = .paused
        } else if facts.running {
            self = .inProgress
        } else if facts.completed {
            self = .completed
        } else if let last = facts.lastRan, last.isFailure {
            self = .failed
        } else if facts.lastRan == .blocked {
            self = .blocked
        } else if !facts.hasRecords {
            self = .pending
        } else {
            self = .active
        }
    }

    /// Whether a job in this state fires on its schedule.
    public var fires: Bool {
        switch self {
        case .completed, .paused, .archived: false
        case .pending, .active, .inProgress, .failed, .blocked: true
        }
    }
}

/// A job's state and last run as read from the root's files, without a daemon: what
/// `jobctl status` shows. The daemon computes the same ``JobState`` from what it holds.
public struct JobRuntime: Sendable, Encodable {
    public var state: JobState
    /// The job's most recent record, whatever its status.
    public var lastRun: LastRun?
    /// Its runtime pause, when one holds (a drift from git).
    public var pause: JobPause?

    public struct LastRun: Sendable, Encodable, Hashable {
        public var run: String
        public var status: RunStatus
        public var finishedAt: Date
    }

    /// Every applied job, and every job with history that is no longer applied (archived), by
    /// id: runs in progress from the in-flight markers of live processes, completion and last
    /// runs from history (``HistoryLocation`` says where).
    public static func read(root: String, applied: DefinitionSet?) -> [String: JobRuntime] {
        let history = HistoryLocation.resolve(root: root)
        let reader = HistoryReader(folder: history)
        let running = Set(((try? FileInFlightRegistry(root: root).list()) ?? [])
            .filter { $0.final == nil && ($0.owner?.isRunning ?? true) }.map(\.job))
        let now = Date()
        let pauses = PauseStore(root: root).all().filter { $0.value.holds(at: now) }
        var result: [String: JobRuntime] = [:]
        func make(_ id: String, job: JobDefinition?) -> JobRuntime {
            let last = try? reader.lastRecord(job: id)
            let lastRan = try? reader.lastRecord(job: id) { $0.status.ran || $0.status == .blocked }
            let facts = JobState.Facts(applied: job != nil, enabled: (job?.enabled ?? false) && pauses[id] == nil, running: running.contains(id),
                                       completed: job.map { HistoryFacts.isCompleted($0, reader: reader) } ?? false,
                                       lastRan: lastRan?.status, hasRecords: last != nil)
            return JobRuntime(state: JobState(facts), lastRun: last.map { LastRun(run: $0.run, status: $0.status, finishedAt: $0.finishedAt) },
                              pause: pauses[id])
        }
        for job in applied?.sortedJobs ?? [] { result[job.id.rawValue] = make(job.id.rawValue, job: job) }
        for id in history.jobs() where result[id] == nil { result[id] = make(id, job: nil) }
        return result
    }
}
