public import Foundation
public import History
import Locks
import PostgresNIO

/// Each node's export: every finished run goes from the database (the source of truth in cluster
/// mode) to this node's history files, each once, so that `jobctl history`, `check` and the API
/// of any node read the whole cluster's records.
///
/// Every node appends them in one order: the order the runs became final, by the transaction
/// that made them so (`final_xid`, stamped by a trigger), then by run id. A run is read only once
/// every transaction before its own has ended (below the oldest running transaction,
/// `pg_snapshot_xmin`), so none can be committed later before it and be skipped.
///
/// The position reached is kept beside the files (`.cluster-export.json` in the history folder),
/// written after each batch is appended and synced. After a start, or a failure, the records at
/// the position are first looked for in the files (the whole file: records stamped by several
/// nodes' clocks are not in the order they finished), until one is not there: a crash between an
/// append and the position's write appends nothing twice.
public final class HistoryExporter: Sendable {
    public let database: ClusterDatabase
    /// Where exported records go: the node's own history recorder (synced, observed by the
    /// metrics and the last-runs index).
    public let recorder: any RunRecorder
    public let deadTime: Duration
    public let batchSize: Int
    public let history: HistoryFolder
    /// The file that holds the position reached.
    public let positionFile: String

    struct Position: Codable, Equatable {
        /// The transaction id (`xid8`, as text) and the run of the last record exported.
        var xid: String
        var run: String
        static let start = Position(xid: "0", run: "")
    }

    private struct State {
        var position: Position?
        /// Whether the files may hold records past the position (after a start or a failure).
        var checking = true
    }
    private let state = Locked(State())

    public init(database: ClusterDatabase, recorder: any RunRecorder, history: HistoryFolder, deadTime: Duration = .seconds(10), batchSize: Int = 500) {
        self.database = database
        self.recorder = recorder
        self.deadTime = deadTime
        self.batchSize = batchSize
        self.history = history
        positionFile = history.path + "/.cluster-export.json"
    }

    /// Exports every finished run not exported to this node's files yet.
    ///
    /// Exports run one after the other, each to its end, even when the calling task is cancelled
    /// (the node stops) and calls again: two exports at once would both append what follows the
    /// same position.
    /// - Returns: how many records were appended.
    @discardableResult
    public func export() async throws -> Int {
        let export = running.withLock { last -> Task<Int, any Error> in
            let previous = last
            let next = Task {
                _ = try? await previous?.value
                return try await self.exportBatches()
            }
            last = next
            return next
        }
        return try await export.value
    }
    private let running = Locked<Task<Int, any Error>?>(nil)

    private func exportBatches() async throws -> Int {
        var appended = 0
        do {
            while true {
                let batch = try await nextBatch(after: try loadPosition())
                guard let last = batch.last else { return appended }
                var fresh: [RunRecord] = []
                for (record, _) in batch {
                    if state.withLock({ $0.checking }) {
                        if try HistoryReader(folder: history).contains(run: record.run, job: record.job, wholeFile: true) { continue }
                        state.withLock { $0.checking = false }
                    }
                    fresh.append(record)
                }
                // One sync per file for the batch, not one per record.
                try await recorder.append(contentsOf: fresh)
                appended += fresh.count
                try save(Position(xid: last.xid, run: last.record.run))
                if batch.count < batchSize { return appended }
            }
        } catch {
            state.withLock { $0.checking = true }
            throw error
        }
    }

    private func loadPosition() throws -> Position {
        if let position = state.withLock({ $0.position }) { return position }
        var position = Position.start
        if let data = FileManager.default.contents(atPath: positionFile) {
            guard let read = try? JSONDecoder().decode(Position.self, from: data) else {
                throw ClusterError("\(positionFile) is not a position this jobctl can read: remove it, and this node exports the cluster's whole history again (runs its files hold are not appended twice)")
            }
            position = read
        }
        state.withLock { $0.position = position }
        return position
    }

    private func save(_ position: Position) throws {
        try FileManager.default.createDirectory(atPath: (positionFile as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
        try JSONEncoder().encode(position).write(to: URL(fileURLWithPath: positionFile), options: .atomic)
        state.withLock { $0.position = position }
    }

    private func nextBatch(after position: Position) async throws -> [(record: RunRecord, xid: String)] {
        let rows = try await database.query("""
            SELECT run, marker, record, finished_at, reaped_by, final_xid::text AS position_xid FROM jobctl_runs
            WHERE final_xid IS NOT NULL AND (final_xid, run) > (\(position.xid)::xid8, \(position.run))
              AND final_xid < pg_snapshot_xmin(pg_current_snapshot())
            ORDER BY jobctl_runs.final_xid, run LIMIT \(batchSize)
            """)
        var records: [(RunRecord, String)] = []
        for try await (run, marker, record, finishedAt, reapedBy, xid) in rows.decode((String, String?, String?, Date, String?, String).self) {
            if let record, let parsed = try? RunRecord(jsonLine: record) {
                records.append((parsed, xid))
            } else if let marker, let inFlight = try? JSONDecoder().decode(InFlightRun.self, from: Data(marker.utf8)) {
                records.append((inFlight.interruptedRecord(
                    at: finishedAt,
                    error: "node \(inFlight.node ?? "?") went silent (no heartbeat for \(deadTime)) or restarted while the run was in progress; reaped by \(reapedBy ?? "the leader")"), xid))
            } else {
                throw ClusterError("run \(run) in the cluster database has neither a record nor a marker that this jobctl can read")
            }
        }
        return records
    }
}
