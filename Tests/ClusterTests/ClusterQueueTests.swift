import Foundation
import Testing
import History
import Scheduler
import TestSupport
@testable import Cluster

/// The cluster's shared queue against a real PostgreSQL server: a run interrupted with its node
/// is queued once, taken by one node at a time (`FOR UPDATE SKIP LOCKED`), and started at most
/// once, by the node that holds its entry.
@Suite("Cluster queue (PostgreSQL)")
struct ClusterQueueTests {
    func count(_ server: PostgresServer, _ sql: String) throws -> Int {
        Int(try server.psql(sql).trimmingCharacters(in: .whitespacesAndNewlines)) ?? -1
    }

    /// Node `a` starts run r1 (attempt 1, with parameters), goes silent and is reaped by `b`.
    func interruptedRun(on a: ClusterLedger, _ database: ClusterDatabase) async throws -> Date {
        let fire = Date().addingTimeInterval(-1)
        let marker = InFlightRun(run: "r1", job: "backup", trigger: .schedule, status: .running, scheduledFor: fire, startedAt: Date(),
                                 attempt: 1, params: ["region": .string("eu")], node: a.node, owner: ProcessIdentity.current)
        #expect(try await a.admit(job: "backup", startsSince: nil, marker: marker) { _, _ in .start } == .start)
        try await database.query("UPDATE jobctl_nodes SET heartbeat_at = now() - interval '1 minute' WHERE node = \(a.node)")
        #expect(try await database.reap(deadSeconds: 10, by: "b").interrupted == ["r1"])
        return fire
    }

    func retryMarker(_ run: String, on ledger: ClusterLedger, fire: Date) -> InFlightRun {
        InFlightRun(run: run, job: "backup", trigger: .retry, status: .pending, scheduledFor: fire, startedAt: Date(), attempt: 2,
                    node: ledger.node, owner: ProcessIdentity.current)
    }

    @Test("A run interrupted with its node is queued once and taken by one of the nodes taking at once; its start removes it")
    func interruptedRunIsQueuedOnceAndTakenOnce() async throws {
        try await withClusterDatabase { server, database in
            let ledgers = try await registeredLedgers(["a", "b", "c", "d"], database)
            let fire = try await interruptedRun(on: ledgers[0], database)
            // Reaping again queues nothing twice.
            #expect(try await database.reap(deadSeconds: 10, by: "b").interrupted.isEmpty)
            #expect(try count(server, "SELECT count(*) FROM jobctl_queue") == 1)
            #expect(try await ledgers[1].status().queueDepth == 1)

            // Three nodes take at once, four times each: one entry, one taker.
            let takes = try await withThrowingTaskGroup(of: (Int, [QueuedRun]).self) { group in
                for index in 1...3 { for _ in 0..<4 { group.addTask { (index, try await ledgers[index].takeRetries(limit: 5)) } } }
                return try await group.reduce(into: [(Int, [QueuedRun])]()) { $0.append($1) }
            }
            let taken = takes.filter { !$0.1.isEmpty }
            try #require(taken.count == 1)
            let (takerIndex, entries) = taken[0]
            let entry = try #require(entries.first)
            #expect(entries.count == 1)
            #expect(entry.run.run == "r1" && entry.run.attempt == 1 && entry.run.params == ["region": .string("eu")])
            #expect(entry.run.scheduledFor.map(RecordTime.milliseconds) == RecordTime.milliseconds(fire))

            // Another node cannot start it: the entry is not its own.
            let other = ledgers[takerIndex == 1 ? 2 : 1]
            await #expect(throws: QueuedRunLost.self) {
                try await other.admit(job: "backup", startsSince: nil, marker: retryMarker("r2", on: other, fire: fire), queueEntry: entry.entry) { _, _ in .start }
            }
            // The taker starts it once; the entry goes with the start.
            let taker = ledgers[takerIndex]
            #expect(try await taker.admit(job: "backup", startsSince: nil, marker: retryMarker("r3", on: taker, fire: fire), queueEntry: entry.entry) { _, _ in .start } == .start)
            #expect(try count(server, "SELECT count(*) FROM jobctl_queue") == 0)
            await #expect(throws: QueuedRunLost.self) {
                try await taker.admit(job: "backup", startsSince: nil, marker: retryMarker("r4", on: taker, fire: fire), queueEntry: entry.entry) { _, _ in .start }
            }
            #expect(try count(server, "SELECT count(*) FROM jobctl_runs WHERE run IN ('r2', 'r4')") == 0)
            #expect(try count(server, "SELECT count(*) FROM jobctl_runs WHERE run = 'r3' AND state = 'running'") == 1)
        }
    }

    @Test("An entry whose taker died, or which its taker did not start within the lease, is taken again; the first taker then cannot start it")
    func entryOfALostTakerIsTakenAgain() async throws {
        try await withClusterDatabase { server, database in
            let ledgers = try await registeredLedgers(["a", "b", "c"], database)
            let (b, c) = (ledgers[1], ledgers[2])
            let fire = try await interruptedRun(on: ledgers[0], database)
            let entry = try #require(try await b.takeQueued(limit: 1).first)
            #expect(try await c.takeQueued(limit: 1).isEmpty)

            // b goes silent and is reaped: its entry is free, and c takes it.
            try await database.query("UPDATE jobctl_nodes SET heartbeat_at = now() - interval '1 minute' WHERE node = 'b'")
            _ = try await database.reap(deadSeconds: 10, by: "c")
            #expect(try await c.takeQueued(limit: 1).map(\.entry) == [entry.entry])
            // b wakes up and rejoins: the entry is no longer its own.
            try await database.register(node: "b", incarnation: b.renewIncarnation())
            await #expect(throws: QueuedRunLost.self) {
                try await b.admit(job: "backup", startsSince: nil, marker: retryMarker("rb", on: b, fire: fire), queueEntry: entry.entry) { _, _ in .start }
            }

            // c holds it past the lease without starting it: b takes it.
            try await database.query("UPDATE jobctl_queue SET taken_at = now() - interval '2 minutes'")
            #expect(try await b.takeQueued(limit: 1).map(\.entry) == [entry.entry])
            await #expect(throws: QueuedRunLost.self) {
                try await c.admit(job: "backup", startsSince: nil, marker: retryMarker("rc", on: c, fire: fire), queueEntry: entry.entry) { _, _ in .start }
            }
            #expect(try count(server, "SELECT count(*) FROM jobctl_runs WHERE run IN ('rb', 'rc')") == 0)
        }
    }

    @Test("An entry given back waits for its time; an entry dropped is gone")
    func releasedAndDroppedEntries() async throws {
        try await withClusterDatabase { server, database in
            let ledgers = try await registeredLedgers(["a", "b"], database)
            let b = ledgers[1]
            _ = try await interruptedRun(on: ledgers[0], database)
            let entry = try #require(try await b.takeQueued(limit: 1).first)
            try await b.release(queueEntry: entry.entry, notBefore: Date().addingTimeInterval(3600))
            #expect(try await b.takeQueued(limit: 1).isEmpty)
            try await database.query("UPDATE jobctl_queue SET not_before = now() - interval '1 second'")
            #expect(try await b.takeQueued(limit: 1).map(\.entry) == [entry.entry])
            try await b.drop(queueEntry: entry.entry)
            #expect(try count(server, "SELECT count(*) FROM jobctl_queue") == 0)
        }
    }

    @Test("A failed run's record queues its retry in the same statement when asked to; a refused record queues nothing")
    func failedRunQueuesItsRetryWithItsRecord() async throws {
        try await withClusterDatabase { server, database in
            let ledgers = try await registeredLedgers(["a", "b"], database)
            let (a, b) = (ledgers[0], ledgers[1])
            for run in ["r1", "r2", "r3"] {
                let marker = InFlightRun(run: run, job: "backup", trigger: .schedule, status: .running, startedAt: Date(), attempt: 1, node: "a", owner: ProcessIdentity.current)
                #expect(try await a.admit(job: "backup", startsSince: nil, marker: marker) { _, _ in .start } == .start)
            }
            func failed(_ run: String) -> RunRecord {
                RunRecord(run: run, job: "backup", trigger: .schedule, status: .failed, startedAt: Date(), finishedAt: Date(), attempt: 1, node: "a")
            }
            a.queueRetry(ofRun: "r1")
            try await a.append(failed("r1"))
            // A failure with no retry to come queues nothing.
            try await a.append(failed("r2"))
            #expect(try count(server, "SELECT count(*) FROM jobctl_queue") == 1)
            // r3 is interrupted (a goes silent) before its failure is recorded: queued once, as interrupted.
            a.queueRetry(ofRun: "r3")
            try await database.query("UPDATE jobctl_nodes SET heartbeat_at = now() - interval '1 minute' WHERE node = 'a'")
            _ = try await database.reap(deadSeconds: 10, by: "b")
            try await a.append(failed("r3"))
            #expect(a.refusedWrites == 1)
            let taken = try await b.takeRetries(limit: 10)
            #expect(taken.map { "\($0.run.run) \($0.cause.rawValue)" } == ["r1 failed", "r3 interrupted"])
        }
    }

    @Test("A run waits in the cluster's queue once per job, and is taken only once no run of its job is in progress")
    func waitingRunIsTakenWhenTheJobIsFree() async throws {
        try await withClusterDatabase { server, database in
            let ledgers = try await registeredLedgers(["a", "b"], database)
            let (a, b) = (ledgers[0], ledgers[1])
            let running = InFlightRun(run: "r1", job: "backup", trigger: .manual, status: .running, startedAt: Date(), node: "a", owner: ProcessIdentity.current)
            #expect(try await a.admit(job: "backup", startsSince: nil, marker: running) { _, _ in .start } == .start)
            let request = WaitingRun.Request(job: "backup", trigger: .api, params: ["region": .string("eu")], requestedBy: "token ci",
                                             warnings: [], force: false, node: "a")
            #expect(try await a.enqueueWaiting(request))
            // The queue holds one per job.
            #expect(try await b.enqueueWaiting(request) == false)
            #expect(try await b.takeQueued(limit: 5).isEmpty)

            try await a.append(RunRecord(run: "r1", job: "backup", trigger: .manual, status: .completed, startedAt: Date(), finishedAt: Date(), node: "a"))
            let taken = try await b.takeQueued(limit: 5)
            guard case .waiting(let waiting) = try #require(taken.first) else {
                Issue.record("expected the waiting run, got \(taken)")
                return
            }
            #expect(taken.count == 1 && waiting.request == request)
            let marker = InFlightRun(run: "r2", job: "backup", trigger: .api, startedAt: Date(), node: "b", owner: ProcessIdentity.current)
            #expect(try await b.admit(job: "backup", startsSince: nil, marker: marker, queueEntry: waiting.entry) { _, _ in .start } == .start)
            #expect(try count(server, "SELECT count(*) FROM jobctl_queue") == 0)
            // With the entry gone, another run may wait again.
            #expect(try await a.enqueueWaiting(request))
        }
    }

}

extension ClusterLedger {
    /// The retries among the entries taken.
    func takeRetries(limit: Int) async throws -> [QueuedRun] {
        try await takeQueued(limit: limit).compactMap { entry in
            if case .retry(let run) = entry { return run }
            return nil
        }
    }
}

@Suite("Cluster cancellations (PostgreSQL)")
struct ClusterCancellationTests {
    @Test("A cancellation asked of a run in progress reaches the node holding it; one of a finished run is refused")
    func cancellationReachesTheHolder() async throws {
        try await withClusterDatabase { _, database in
            let ledgers = try await registeredLedgers(["a", "b"], database)
            let (a, b) = (ledgers[0], ledgers[1])
            let marker = InFlightRun(run: "r1", job: "backup", trigger: .manual, status: .running, startedAt: Date(), node: "a", owner: ProcessIdentity.current)
            #expect(try await a.admit(job: "backup", startsSince: nil, marker: marker) { _, _ in .start } == .start)
            #expect(try await b.inProgress(run: "r1").map { "\($0.job) \($0.node)" } == "backup a")
            #expect(try await a.cancellationsRequested().isEmpty)
            #expect(try await b.requestCancel(run: "r1", by: "token ci"))
            #expect(try await a.cancellationsRequested() == ["r1": "token ci"])
            #expect(try await b.cancellationsRequested().isEmpty)
            try await a.append(RunRecord(run: "r1", job: "backup", trigger: .manual, status: .cancelled, startedAt: Date(), finishedAt: Date(), node: "a"))
            #expect(try await b.inProgress(run: "r1") == nil)
            #expect(try await b.requestCancel(run: "r1", by: "token ci") == false)
        }
    }
}
