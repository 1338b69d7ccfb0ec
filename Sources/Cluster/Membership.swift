import Foundation
import History
import PostgresNIO
import Scheduler

/// The nodes' heartbeats, the leader's lease, and the reaping of silent nodes: the statements
/// behind ``ClusterService``'s loop, one round trip each.
extension ClusterDatabase {
    /// Registers (or re-registers) `node` as `incarnation`. The node's earlier incarnation (a
    /// crash and restart) is settled at once, as a dead node's would be.
    func register(node: String, incarnation: UUID) async throws {
        try await transaction { connection in
            var previous: [UUID] = []
            let rows = try await connection.query("""
                WITH old AS (SELECT incarnation FROM jobctl_nodes WHERE node = \(node) FOR UPDATE)
                INSERT INTO jobctl_nodes (node, incarnation) VALUES (\(node), \(incarnation))
                ON CONFLICT (node) DO UPDATE SET incarnation = EXCLUDED.incarnation, started_at = now(), heartbeat_at = now()
                RETURNING (SELECT incarnation FROM old)
                """, logger: logger)
            for try await old in rows.decode(UUID?.self) { if let old, old != incarnation { previous.append(old) } }
            _ = try await settle(previous, by: node, on: connection)
        }
    }

    /// Beats `node`'s heart. - Returns: the database's clock, or nil when this incarnation is no
    /// longer registered (it was reaped: its runs were interrupted).
    func heartbeat(node: String, incarnation: UUID) async throws -> Date? {
        var now: Date?
        let rows = try await query("UPDATE jobctl_nodes SET heartbeat_at = now() WHERE node = \(node) AND incarnation = \(incarnation) RETURNING clock_timestamp()")
        for try await value in rows.decode(Date.self) { now = value }
        return now
    }

    /// Takes or renews the leader's lease for `seconds`. - Returns: the lease's term when this
    /// incarnation holds it (a new holder gets a new term), nil when another node does.
    func lead(node: String, incarnation: UUID, seconds: Double) async throws -> Int64? {
        var term: Int64?
        let rows = try await query("""
            INSERT INTO jobctl_leader AS l (id, node, incarnation, term, expires_at)
            VALUES (1, \(node), \(incarnation), 1, now() + make_interval(secs => \(seconds)))
            ON CONFLICT (id) DO UPDATE SET node = EXCLUDED.node, incarnation = EXCLUDED.incarnation,
                term = CASE WHEN l.incarnation = EXCLUDED.incarnation THEN l.term ELSE l.term + 1 END,
                expires_at = EXCLUDED.expires_at
            WHERE l.incarnation = EXCLUDED.incarnation OR l.expires_at < now()
            RETURNING term
            """)
        for try await value in rows.decode(Int64.self) { term = value }
        return term
    }

    /// The live nodes with the age of their heartbeats, the leader, the runs in progress and queued.
    func status(node: String) async throws -> ClusterStatus {
        var status = ClusterStatus(node: node)
        let rows = try await query("SELECT node, extract(epoch FROM clock_timestamp() - heartbeat_at)::float8 FROM jobctl_nodes ORDER BY node")
        for try await (name, age) in rows.decode((String, Double).self) { status.nodes.append(.init(node: name, heartbeatAge: age)) }
        let leader = try await query("SELECT node, term FROM jobctl_leader WHERE expires_at > now()")
        for try await (name, term) in leader.decode((String, Int64).self) { (status.leader, status.term) = (name, term) }
        let counts = try await query("""
            SELECT (SELECT count(*) FROM jobctl_runs WHERE state = 'running'), (SELECT count(*) FROM jobctl_queue),
                   (SELECT commit FROM jobctl_applied WHERE id = 1)
            """)
        for try await (running, queued, commit) in counts.decode((Int64, Int64, String?).self) {
            status.runsInProgress = Int(running)
            status.queueDepth = Int(queued)
            status.appliedCommit = commit
        }
        return status
    }

    /// A node's graceful exit, in one transaction: its lease if it led, its row, and what it
    /// still held settled (a fire it claimed and, stopping, never started is recorded `missed`).
    func leave(node: String, incarnation: UUID) async throws {
        _ = try await transaction { connection in
            try await connection.query("DELETE FROM jobctl_leader WHERE incarnation = \(incarnation)", logger: logger)
            try await connection.query("DELETE FROM jobctl_nodes WHERE node = \(node) AND incarnation = \(incarnation)", logger: logger)
            return try await settle([incarnation], by: node, on: connection)
        }
    }

    /// Removes the nodes silent for more than `deadSeconds` and settles what they held, in one
    /// transaction. - Returns: the runs marked `interrupted` and the fires recorded `missed`.
    func reap(deadSeconds: Double, by node: String) async throws -> Settlement {
        try await transaction { connection in
            var dead: [UUID] = []
            let rows = try await connection.query(
                "DELETE FROM jobctl_nodes WHERE heartbeat_at < now() - make_interval(secs => \(deadSeconds)) RETURNING incarnation", logger: logger)
            for try await incarnation in rows.decode(UUID.self) { dead.append(incarnation) }
            return try await settle(dead, by: node, on: connection)
        }
    }

    /// What the incarnations that are gone held: each run in progress becomes `interrupted` (its
    /// holder's later record is refused, and the run is queued for a retry by any node), and
    /// each fire they claimed but never started or recorded (the node died in between) is
    /// recorded `missed`, so that no fire is lost.
    private func settle(_ incarnations: [UUID], by node: String, on connection: ClusterConnection) async throws -> Settlement {
        var settlement = Settlement()
        guard !incarnations.isEmpty else { return settlement }
        // Each interrupted run is queued for its retry in the same statement: whichever node
        // takes it decides by the job's retry policy (``ClusterRetry``).
        let runs = try await connection.query("""
            WITH reaped AS (
                UPDATE jobctl_runs SET state = 'interrupted', finished_at = now(), reaped_by = \(node)
                WHERE state = 'running' AND incarnation = ANY(\(incarnations)) RETURNING run, job, marker
            ), queued AS (
                INSERT INTO jobctl_queue (kind, cause, job, source_run, request)
                SELECT 'retry', 'interrupted', job, run, marker FROM reaped WHERE marker IS NOT NULL
                ON CONFLICT (source_run) DO NOTHING
            )
            SELECT run FROM reaped
            """, logger: logger)
        for try await run in runs.decode(String.self) { settlement.interrupted.append(run) }
        let orphans = try await connection.query("""
            SELECT f.job, f.scheduled_for, f.node FROM jobctl_fires f
            WHERE f.incarnation = ANY(\(incarnations)) AND NOT EXISTS (
                SELECT 1 FROM jobctl_runs r WHERE r.job = f.job AND r.scheduled_for >= f.scheduled_for
                AND coalesce(r.first_scheduled_for, r.scheduled_for) <= f.scheduled_for)
            """, logger: logger)
        var records: [RunRecord] = []
        let ids = RunIDGenerator()
        for try await (job, scheduledFor, claimant) in orphans.decode((String, Date, String).self) {
            records.append(RunRecord(
                run: ids.next(at: Date()), job: job, trigger: .schedule, status: .missed, scheduledFor: scheduledFor, finishedAt: Date(),
                warnings: ["claimed by node \(claimant), which went silent or restarted before it started the run; recorded by \(node)"],
                node: claimant, count: 1, firstScheduledFor: scheduledFor, lastScheduledFor: scheduledFor))
        }
        for record in records {
            try await connection.query("""
                INSERT INTO jobctl_runs (run, job, scheduled_for, first_scheduled_for, state, node, token, started_at, finished_at, record)
                VALUES (\(record.run), \(record.job), \(record.scheduledFor), \(record.scheduledFor), 'missed', \(node), 0, now(), now(), \(record.jsonLine))
                """, logger: logger)
            settlement.missed.append(record.run)
        }
        return settlement
    }
}

/// What reaping settled: runs marked `interrupted`, and `missed` records of orphaned claims.
struct Settlement: Sendable {
    var interrupted: [String] = []
    var missed: [String] = []
}
