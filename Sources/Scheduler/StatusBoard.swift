public import Foundation
public import Definitions
public import History
public import Reconciler

/// What `jobctl status` shows: the reconciler's view of each job's definition (in force, draft,
/// pending, invalid) side by side with its ``JobState`` and last run, read from the root's files.
public struct StatusBoard: Sendable, Encodable {
    public struct Row: Sendable, Encodable {
        public var id: String
        public var file: String?
        /// In force, draft or pending; nil for an archived job (in history only).
        public var definition: JobStatus.State?
        /// The working tree's version has errors.
        public var invalid: Bool
        /// Nil for a job that is not applied yet (a draft or pending new job).
        public var state: JobState?
        /// The next fire of the applied version; nil when it fires no more (completed, paused).
        public var nextFire: Date?
        public var timeZone: String?
        public var lastRun: JobRuntime.LastRun?
        /// A runtime pause (a drift from git): since when, until when, why, who.
        public var pause: JobPause?
    }

    public var root: String
    public var reference: String
    public var applied: CommitSummary?
    public var head: CommitSummary?
    public var branch: String?
    public var detached: Bool
    public var jobs: [Row]
    /// Finished runs whose records are not in history yet (kept in their in-flight markers
    /// because an append failed): history cannot be written.
    public var unwrittenRecords: UnwrittenRecords?
    public var diagnostics: [Diagnostic]
    public var ignored: [IgnoredEntry]

    /// Reads the reconciler's status and each job's runtime state (``JobRuntime/read(root:applied:)``).
    public static func read(_ reconciler: Reconciler, root: String) throws(ReconcileError) -> StatusBoard {
        let report = try reconciler.status()
        let applied = try reconciler.appliedDefinitions()?.definitions
        let runtime = JobRuntime.read(root: root, applied: applied)
        let appliedIDs = Set(applied?.jobs.keys.map(\.rawValue) ?? [])
        var rows: [Row] = report.jobs.map { job in
            let known = appliedIDs.contains(job.id) ? runtime[job.id] : nil
            return Row(id: job.id, file: job.file, definition: job.state, invalid: job.invalid, state: known?.state,
                       nextFire: known?.state.fires == false ? nil : job.nextFire, timeZone: job.timeZone, lastRun: runtime[job.id]?.lastRun,
                       pause: known?.pause)
        }
        let listed = Set(rows.map(\.id))
        for (id, job) in runtime where !listed.contains(id) && job.state == .archived {
            rows.append(Row(id: id, file: nil, definition: nil, invalid: false, state: .archived, nextFire: nil, timeZone: nil, lastRun: job.lastRun, pause: nil))
        }
        rows.sort { ($0.id, $0.file ?? "") < ($1.id, $1.file ?? "") }
        let kept = ((try? FileInFlightRegistry(root: root).list()) ?? []).compactMap(\.final)
        let unwritten = kept.isEmpty ? nil : UnwrittenRecords(count: kept.count, oldestFinishedAt: kept.map(\.finishedAt).min()!,
                                                              jobs: Set(kept.map(\.job)).sorted())
        return StatusBoard(root: report.root, reference: report.reference, applied: report.applied, head: report.head, branch: report.branch,
                           detached: report.detached, jobs: rows, unwrittenRecords: unwritten, diagnostics: report.diagnostics, ignored: report.ignored)
    }

    public struct UnwrittenRecords: Sendable, Encodable {
        public var count: Int
        public var oldestFinishedAt: Date
        public var jobs: [String]
    }
}
