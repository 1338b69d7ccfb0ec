import Foundation
import Testing
import History
import Scheduler
import TestSupport
@testable import Cluster

/// The ledger against a real PostgreSQL server: claims, admission under the job's lock, fenced
/// records, reaping and the leader's lease.
@Suite("Cluster ledger (PostgreSQL)")
struct ClusterLedgerTests {
    func marker(_ run: String, job: String = "backup", node: String) -> InFlightRun {
        InFlightRun(run: run, job: job, trigger: .schedule, status: .pending, startedAt: Date(), node: node, owner: ProcessIdentity.current)
    }

    @Test("Migrations are applied once, however many nodes start at once")
    func migrationsOnce() async throws {
        try await withClusterDatabase { server, _ in
            // The body's database migrated already; three more at once find nothing to do.
            let others = (0..<3).map { _ in ClusterDatabase(url: try! DatabaseURL(server.url)) }
            let pools = others.map { database in Task { await database.run() } }
            defer { pools.forEach { $0.cancel() } }
            let applied = try await withThrowingTaskGroup(of: [Int].self) { group in
                for database in others { group.addTask { try await database.migrate() } }
                return try await group.reduce(into: [Int]()) { $0 += $1 }
            }
            #expect(applied.isEmpty)
            #expect(try server.psql("SELECT count(*) FROM jobctl_migrations").trimmingCharacters(in: .whitespacesAndNewlines) == "\(Migrations.latest)")
        }
    }

    @Test("A fire is claimed by exactly one of several nodes, and never before its time by the database's clock")
    func oneClaimPerFire() async throws {
        try await withClusterDatabase { server, database in
            let ledgers = (0..<4).map { ClusterLedger(database: database, node: "node-\($0)") }
            for ledger in ledgers { try await database.register(node: ledger.node, incarnation: ledger.incarnation) }
            let due = Date().addingTimeInterval(1.5)
            let wins = try await withThrowingTaskGroup(of: Bool.self) { group in
                for ledger in ledgers { for _ in 0..<3 { group.addTask { try await ledger.claim(job: "backup", scheduledFor: due) } } }
                return try await group.reduce(0) { $0 + ($1 ? 1 : 0) }
            }
            #expect(wins == 1)
            let early = try server.psql("SELECT count(*) FROM jobctl_fires WHERE claimed_at < scheduled_for")
            #expect(early.trimmingCharacters(in: .whitespacesAndNewlines) == "0")
        }
    }

    /// Nodes `a` and `b`, registered.
    func twoNodes(_ database: ClusterDatabase) async throws -> (ClusterLedger, ClusterLedger) {
        let a = ClusterLedger(database: database, node: "a")
        let b = ClusterLedger(database: database, node: "b")
        try await database.register(node: "a", incarnation: a.incarnation)
        try await database.register(node: "b", incarnation: b.incarnation)
        return (a, b)
    }

    @Test("Admission sees the job's runs on every node, under the job's lock")
    func admissionAcrossNodes() async throws {
        try await withClusterDatabase { _, database in
            let (a, b) = try await twoNodes(database)
            // Many requests for one job with `skip` at once, from two nodes: one starts.
            let decisions = try await withThrowingTaskGroup(of: Admission.Decision.self) { group in
                for index in 0..<10 {
                    let ledger = index % 2 == 0 ? a : b
                    group.addTask {
                        try await ledger.admit(job: "backup", startsSince: nil, marker: self.marker("r\(index)", node: ledger.node)) { inFlight, _ in
                            inFlight.isEmpty ? .start : .refuse(.skipped, "in progress", runInProgress: inFlight[0].run)
                        }
                    }
                }
                return try await group.reduce(into: [Admission.Decision]()) { $0.append($1) }
            }
            #expect(decisions.filter { $0 == .start }.count == 1)
            // Another job is not held up by it.
            let other = try await b.admit(job: "report", startsSince: nil, marker: marker("x1", job: "report", node: "b")) { inFlight, _ in inFlight.isEmpty ? .start : .queue }
            #expect(other == .start)
        }
    }

    @Test("A node admits on what it last knew in one statement, and reads when another node changed the job")
    func admissionOnWhatWasLastKnown() async throws {
        try await withClusterDatabase { _, database in
            let (a, b) = try await twoNodes(database)
            let skip: @Sendable ([InFlightRun], [Date]) -> Admission.Decision = { inFlight, _ in
                inFlight.isEmpty ? .start : .refuse(.skipped, "in progress", runInProgress: inFlight[0].run)
            }
            func finish(_ ledger: ClusterLedger, _ run: InFlightRun) async throws {
                try await ledger.append(RunRecord(run: run.run, job: run.job, trigger: .schedule, status: .completed, startedAt: run.startedAt, finishedAt: Date(), node: ledger.node))
            }
            let first = marker("t1", job: "tick", node: "a")
            #expect(try await a.admit(job: "tick", startsSince: nil, marker: first, decide: skip) == .start)
            #expect(a.admissionCounts == (0, 1))
            // Its own run in progress is known: a second request is refused only after a reading.
            #expect(try await a.admit(job: "tick", startsSince: nil, marker: marker("t2", job: "tick", node: "a"), decide: skip) != .start)
            #expect(a.admissionCounts == (0, 2))
            try await finish(a, first)
            // Nothing changed elsewhere: one statement.
            let third = marker("t3", job: "tick", node: "a")
            #expect(try await a.admit(job: "tick", startsSince: nil, marker: third, decide: skip) == .start)
            #expect(a.admissionCounts == (1, 2))
            try await finish(a, third)
            // Node b starts a run: a's expectation (nothing in progress) fails, a reads and skips.
            let other = marker("u1", job: "tick", node: "b")
            #expect(try await b.admit(job: "tick", startsSince: nil, marker: other, decide: skip) == .start)
            #expect(try await a.admit(job: "tick", startsSince: nil, marker: marker("t4", job: "tick", node: "a"), decide: skip) == .refuse(.skipped, "in progress", runInProgress: "u1"))
            #expect(a.admissionCounts == (1, 3))
            // A rate limit of 2 starts per hour, counted across nodes: b's finished run counts.
            try await finish(b, other)
            let hour = Date().addingTimeInterval(-3600)
            let limit: @Sendable ([InFlightRun], [Date]) -> Admission.Decision = { inFlight, starts in
                starts.count + inFlight.count < 2 ? .start : .refuse(.rateLimited, "limit", runInProgress: nil)
            }
            let a5 = marker("t5", job: "limited", node: "a")
            #expect(try await a.admit(job: "limited", startsSince: hour, marker: a5, decide: limit) == .start)
            try await finish(a, a5)
            let b1 = marker("u2", job: "limited", node: "b")
            #expect(try await b.admit(job: "limited", startsSince: hour, marker: b1, decide: limit) == .start)
            try await finish(b, b1)
            // a knew of one start; the database has two: its expectation fails and it reads.
            #expect(try await a.admit(job: "limited", startsSince: hour, marker: marker("t6", job: "limited", node: "a"), decide: limit) == .refuse(.rateLimited, "limit", runInProgress: nil))
        }
    }

    @Test("A reaped node's record is refused; the run stays interrupted and is exported once")
    func fencedRecords() async throws {
        try await withClusterDatabase { _, database in
            let a = ClusterLedger(database: database, node: "a")
            try await database.register(node: "a", incarnation: a.incarnation)
            let startA = marker("r1", node: "a")
            #expect(try await a.admit(job: "backup", startsSince: nil, marker: startA) { _, _ in .start } == .start)
            let startB = marker("r2", node: "a")
            #expect(try await a.admit(job: "backup", startsSince: nil, marker: startB) { _, _ in .start } == .start)
            // r2 ends normally.
            let done = RunRecord(run: "r2", job: "backup", trigger: .schedule, status: .completed, startedAt: startB.startedAt, finishedAt: Date(), node: "a")
            try await a.append(done)
            // Node a goes silent: its row ages past the dead time and is reaped.
            try await database.query("UPDATE jobctl_nodes SET heartbeat_at = now() - interval '1 minute'")
            #expect(try await database.reap(deadSeconds: 10, by: "b").interrupted == ["r1"])
            // The zombie wakes up and reports r1: refused.
            let late = RunRecord(run: "r1", job: "backup", trigger: .schedule, status: .completed, startedAt: startA.startedAt, finishedAt: Date(), node: "a")
            try await a.append(late)
            #expect(a.refusedWrites == 1)
            #expect(try await a.contains(run: "r1", job: "backup"))

            let folder = FileManager.default.temporaryDirectory.appendingPathComponent("jobctl-export-\(UUID().uuidString)").path
            defer { try? FileManager.default.removeItem(atPath: folder) }
            let history = HistoryFolder(path: folder)
            let exporter = HistoryExporter(database: database, recorder: FileRunRecorder(folder: history), history: history)
            #expect(try await exporter.export() == 2)
            #expect(try await exporter.export() == 0)
            let records = try HistoryReader(folder: history).lastRecords(job: "backup", count: 10).records
            #expect(records.map(\.run).sorted() == ["r1", "r2"])
            #expect(records.first { $0.run == "r1" }?.status == .interrupted)
            #expect(records.first { $0.run == "r2" }?.status == .completed)
        }
    }

    @Test("A fire claimed by a node that dies before starting it is recorded missed; the node, reaped, can neither claim nor start")
    func orphanedClaims() async throws {
        try await withClusterDatabase { _, database in
            let a = ClusterLedger(database: database, node: "a")
            try await database.register(node: "a", incarnation: a.incarnation)
            let fire = Date().addingTimeInterval(-1)
            #expect(try await a.claim(job: "backup", scheduledFor: fire))
            try await database.query("UPDATE jobctl_nodes SET heartbeat_at = now() - interval '1 minute'")
            let settled = try await database.reap(deadSeconds: 10, by: "b")
            #expect(settled.missed.count == 1 && settled.interrupted.isEmpty)
            // The zombie wakes up: its admission and its next claim are refused.
            await #expect(throws: ClusterError.self) {
                try await a.admit(job: "backup", startsSince: nil, marker: InFlightRun(run: "z1", job: "backup", trigger: .schedule, scheduledFor: fire, node: "a")) { _, _ in .start }
            }
            #expect(try await a.claim(job: "backup", scheduledFor: fire.addingTimeInterval(-1)) == false)
            // A decision it records is refused too (the reaper settled its fire).
            try await a.append(RunRecord(run: "z2", job: "backup", trigger: .schedule, status: .skipped, scheduledFor: fire, finishedAt: Date(), node: "a"))
            #expect(a.refusedWrites == 1)
            // Reaping again settles nothing twice.
            #expect(try await database.reap(deadSeconds: 10, by: "b").missed.isEmpty)
        }
    }

    @Test("A node frozen in the middle of a transaction loses it: the server ends the session, and its locks go")
    func frozenTransactionLosesItsLocks() async throws {
        try await withClusterDatabase { server, database in
            // Node `old`, silent, is being reaped by a leader that froze inside the reaping
            // transaction (here: a task that never goes on), holding the row of `old`.
            let frozenLeader = ClusterDatabase(url: try DatabaseURL(server.url), abandonedTransaction: .seconds(1))
            let pool = Task { await frozenLeader.run() }
            defer { pool.cancel() }
            try await database.register(node: "old", incarnation: UUID())
            let locked = Gate(), released = Gate()
            let frozenEnded = Gate()
            let frozen = Task {
                defer { frozenEnded.open() }
                try await frozenLeader.transaction { connection in
                    try await connection.query("DELETE FROM jobctl_nodes WHERE node = 'old'", logger: frozenLeader.logger)
                    locked.open()
                    await released.wait()
                    try await connection.query("SELECT 1", logger: frozenLeader.logger)
                }
            }
            try await eventually("the frozen transaction holds the row") { locked.isOpen }
            // The node comes back as a new incarnation while the frozen transaction holds its row:
            // the server ends that transaction's session after 1 s idle, and the row is free.
            defer { released.open() }
            let rejoined = Gate()
            let rejoin = Task {
                try await database.register(node: "old", incarnation: UUID())
                rejoined.open()
            }
            try await eventually("the frozen transaction's session is ended, and the node registers") { rejoined.isOpen }
            try await rejoin.value
            released.open()
            // Woken up, the frozen node's transaction fails at once: its session is gone. (Through
            // PostgresNIO's withTransaction its next query waited for ever.)
            try await eventually("the frozen node's transaction ends") { frozenEnded.isOpen }
            await #expect(throws: (any Error).self) { try await frozen.value }
            #expect(try server.psql("SELECT count(*) FROM jobctl_nodes WHERE node = 'old'").trimmingCharacters(in: .whitespacesAndNewlines) == "1")
        }
    }

    @Test("The leader's lease: one holder; a new holder gets a new term")
    func leadership() async throws {
        try await withClusterDatabase { _, database in
            let a = UUID(), b = UUID()
            let first = try #require(try await database.lead(node: "a", incarnation: a, seconds: 10))
            #expect(try await database.lead(node: "b", incarnation: b, seconds: 10) == nil)
            #expect(try await database.lead(node: "a", incarnation: a, seconds: 10) == first)
            try await database.query("UPDATE jobctl_leader SET expires_at = now() - interval '1 second'")
            let second = try #require(try await database.lead(node: "b", incarnation: b, seconds: 10))
            #expect(second == first + 1)
            #expect(try await database.lead(node: "a", incarnation: a, seconds: 10) == nil)

        }
    }

    @Test("Database URLs: what is wrong is said, and the password is never shown")
    func urls() throws {
        let url = try DatabaseURL("postgres://jobctl:s3cret@db.example:6543/jobs?sslmode=require")
        #expect(url.port == 6543 && url.database == "jobs" && url.tls == .require && url.password == "s3cret")
        #expect(!url.description.contains("s3cret"))
        #expect(throws: ClusterError.self) { try DatabaseURL("mysql://u@h/db") }
        #expect(throws: ClusterError.self) { try DatabaseURL("postgres://h/db") }
        #expect(throws: ClusterError.self) { try DatabaseURL("postgres://u@h/") }
        #expect(throws: ClusterError.self) { try DatabaseURL("postgres://u@h/db?sslmode=maybe") }
    }
}
