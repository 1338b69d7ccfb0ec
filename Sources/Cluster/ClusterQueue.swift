public import Foundation
public import History
public import Scheduler
import PostgresNIO

/// This node's side of the cluster's shared queue (`jobctl_queue`): runs any node with room may
/// take — retries of runs that failed, timed out or were interrupted with their node, and runs
/// that wait behind a run of their job (`concurrency: queue`). An entry is taken with
/// `FOR UPDATE SKIP LOCKED` (nodes taking at once never wait on one another nor get the same
/// entry), and held for ``ClusterLedger/queueLease``: an entry whose taker did not start it by
/// then, or whose taker is no longer a live incarnation, is free for any node again. Starting
/// the run removes the entry in the same transaction (`jobctl_start_queued`), so a queued run
/// starts at most once; a taker that lost its entry is refused and starts nothing.
extension ClusterLedger {
    /// How long a taken entry stays its taker's before any node may take it again.
    public static let queueLease: Duration = .seconds(60)

    public func takeQueued(limit: Int) async throws -> [QueueEntry] {
        guard limit > 0 else { return [] }
        let rows = try await database.query("""
            UPDATE jobctl_queue q SET taken_node = \(node), taken_incarnation = \(incarnation), taken_at = now()
            WHERE q.id IN (
                SELECT e.id FROM jobctl_queue e
                WHERE e.not_before <= now()
                  AND (e.kind = 'retry' OR (e.kind = 'waiting' AND NOT EXISTS (SELECT 1 FROM jobctl_runs r WHERE r.job = e.job AND r.state = 'running')))
                  AND (e.taken_incarnation IS NULL OR e.taken_at < now() - make_interval(secs => \(Self.queueLease.seconds))
                       OR NOT EXISTS (SELECT 1 FROM jobctl_nodes n WHERE n.incarnation = e.taken_incarnation))
                ORDER BY e.not_before, e.id LIMIT \(Int64(limit)) FOR UPDATE SKIP LOCKED)
            AND EXISTS (SELECT 1 FROM jobctl_nodes WHERE node = \(node) AND incarnation = \(incarnation) FOR SHARE)
            RETURNING q.id, q.kind, q.cause, q.request, q.queued_at
            """)
        var taken: [QueueEntry] = []
        var unreadable: [Int64] = []
        for try await (entry, kind, cause, request, queuedAt) in rows.decode((Int64, String, String, String, Date).self) {
            let data = Data(request.utf8)
            if kind == "retry", let marker = try? JSONDecoder().decode(InFlightRun.self, from: data), let cause = RunStatus(rawValue: cause) {
                taken.append(.retry(QueuedRun(entry: entry, run: marker, cause: cause, queuedAt: queuedAt)))
            } else if kind == "waiting", let request = try? JSONDecoder().decode(WaitingRun.Request.self, from: data) {
                taken.append(.waiting(WaitingRun(entry: entry, request: request, queuedAt: queuedAt)))
            } else {
                unreadable.append(entry)
            }
        }
        if !unreadable.isEmpty {
            // Written by a newer jobctl, perhaps: left (untaken) to a node that reads it.
            log("warning: cluster: queue entries \(unreadable.map(String.init).joined(separator: ", ")) hold runs this jobctl cannot read; they are left to other nodes")
            try await database.query("""
                UPDATE jobctl_queue SET taken_node = NULL, taken_incarnation = NULL, taken_at = NULL,
                    not_before = now() + make_interval(secs => \(Self.queueLease.seconds)) WHERE id = ANY(\(unreadable))
                """)
        }
        return taken.sorted { $0.entry < $1.entry }
    }

    public func enqueueWaiting(_ request: WaitingRun.Request) async throws -> Bool {
        let text = String(decoding: try JSONEncoder().encode(request), as: UTF8.self)
        var queued = false
        let rows = try await database.query("""
            INSERT INTO jobctl_queue (kind, cause, job, request) VALUES ('waiting', 'queue', \(request.job), \(text))
            ON CONFLICT (job) WHERE kind = 'waiting' DO NOTHING RETURNING id
            """)
        for try await _ in rows { queued = true }
        return queued
    }

    public func release(queueEntry: Int64, notBefore: Date) async throws {
        try await database.query("""
            UPDATE jobctl_queue SET taken_node = NULL, taken_incarnation = NULL, taken_at = NULL, not_before = \(notBefore)
            WHERE id = \(queueEntry) AND taken_incarnation = \(incarnation)
            """)
    }

    public func drop(queueEntry: Int64) async throws {
        try await database.query("DELETE FROM jobctl_queue WHERE id = \(queueEntry) AND taken_incarnation = \(incarnation)")
    }
}

/// Cancellations across nodes: a node that cannot cancel a run itself (it runs on another node)
/// writes the request on the run's row; the node holding the run sees it within a second and
/// cancels it, as a cancel on that node would.
extension ClusterLedger {
    public func inProgress(run: String) async throws -> (job: String, node: String)? {
        var found: (String, String)?
        for try await (job, node) in try await database.query("SELECT job, node FROM jobctl_runs WHERE run = \(run) AND state = 'running'").decode((String, String).self) {
            found = (job, node)
        }
        return found
    }

    public func requestCancel(run: String, by: String) async throws -> Bool {
        var asked = false
        for try await _ in try await database.query("UPDATE jobctl_runs SET cancel_requested = \(by) WHERE run = \(run) AND state = 'running' RETURNING run") {
            asked = true
        }
        return asked
    }

    public func cancellationsRequested() async throws -> [String: String] {
        var requests: [String: String] = [:]
        let rows = try await database.query("""
            SELECT run, cancel_requested FROM jobctl_runs
            WHERE state = 'running' AND node = \(node) AND incarnation = \(incarnation) AND cancel_requested IS NOT NULL
            """)
        for try await (run, by) in rows.decode((String, String).self) { requests[run] = by }
        return requests
    }
}
