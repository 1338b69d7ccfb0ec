public import Foundation
public import History
import Locks
import PostgresNIO

/// The leader's export: finished runs go from the database (the source of truth in cluster
/// mode) to the history files on the leader's node, in the order they finished, each once.
///
/// A batch is appended (synced) first and marked `exported` after, fenced by the leader's term: a
/// leader that lost its lease cannot mark anything. A run already in the files (the leader
/// crashed between the two steps, or the marking failed and is tried again) is not appended
/// again. A new leader carries on from the runs not marked yet.
public final class HistoryExporter: Sendable {
    public let database: ClusterDatabase
    /// Where exported records go: the node's own history recorder (synced, observed by the
    /// metrics and the last-runs index).
    public let recorder: any RunRecorder
    public let deadTime: Duration
    public let batchSize: Int
    /// The term in which every batch appended so far was also marked: the files need no check
    /// for runs already written. Cleared when an export fails between the two (a batch appended
    /// and not marked is checked against the files when it is tried again).
    private let checkedTerm = Locked<Int64?>(nil)

    public init(database: ClusterDatabase, recorder: any RunRecorder, deadTime: Duration = .seconds(10), batchSize: Int = 500) {
        self.database = database
        self.recorder = recorder
        self.deadTime = deadTime
        self.batchSize = batchSize
    }

    /// Exports every finished run not exported yet. - Returns: how many records were appended.
    @discardableResult
    public func export(term: Int64, node: String, incarnation: UUID) async throws -> Int {
        var appended = 0
        do {
            while true {
                let batch = try await nextBatch()
                if batch.isEmpty { return appended }
                let checked = checkedTerm.withLock { $0 == term }
                for record in batch {
                    if !checked, try await recorder.contains(run: record.run, job: record.job) { continue }
                    try await recorder.append(record)
                    appended += 1
                }
                guard try await mark(batch, term: term, incarnation: incarnation) else {
                    // The lease was lost: the next leader carries on (and skips what this one wrote).
                    return appended
                }
                checkedTerm.withLock { $0 = term }
                if batch.count < batchSize { return appended }
            }
        } catch {
            checkedTerm.withLock { $0 = nil }
            throw error
        }
    }

    /// Marks a batch exported, fenced by the term. - Returns: false when this node no longer leads.
    private func mark(_ batch: [RunRecord], term: Int64, incarnation: UUID) async throws -> Bool {
        let marked = try await database.query("""
            UPDATE jobctl_runs SET exported = true WHERE run = ANY(\(batch.map(\.run)))
            AND EXISTS (SELECT 1 FROM jobctl_leader WHERE id = 1 AND incarnation = \(incarnation) AND term = \(term))
            RETURNING run
            """)
        var count = 0
        for try await _ in marked { count += 1 }
        return count > 0
    }

    private func nextBatch() async throws -> [RunRecord] {
        let rows = try await database.query("""
            SELECT run, marker, record, finished_at, reaped_by FROM jobctl_runs
            WHERE NOT exported AND state <> 'running' ORDER BY finished_at, run LIMIT \(batchSize)
            """)
        var records: [RunRecord] = []
        for try await (run, marker, record, finishedAt, reapedBy) in rows.decode((String, String?, String?, Date, String?).self) {
            if let record, let parsed = try? RunRecord(jsonLine: record) {
                records.append(parsed)
            } else if let marker, let inFlight = try? JSONDecoder().decode(InFlightRun.self, from: Data(marker.utf8)) {
                records.append(inFlight.interruptedRecord(
                    at: finishedAt,
                    error: "node \(inFlight.node ?? "?") went silent (no heartbeat for \(deadTime)) or restarted while the run was in progress; reaped by \(reapedBy ?? "the leader")"))
            } else {
                throw ClusterError("run \(run) in the cluster database has neither a record nor a marker that this jobctl can read")
            }
        }
        return records
    }
}
