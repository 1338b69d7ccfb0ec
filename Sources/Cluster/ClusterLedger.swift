public import Foundation
public import History
public import Scheduler
import Locks
import PostgresNIO

/// This node's side of the cluster's shared ledger: fires claimed under the unique key
/// (job, scheduled time), runs admitted under the job's lock and held with a lease token, and
/// final records written only by the token's holder (a node that was reaped cannot write over
/// the run it lost). It is the tracker's ``ClusterCoordination`` and its ``RunRecorder``.
public final class ClusterLedger: ClusterCoordination, RunRecorder {
    public let database: ClusterDatabase
    public let node: String
    private struct State {
        var incarnation: UUID
        /// The lease token of each run this process holds.
        var tokens: [String: Int64] = [:]
        /// The incarnation that claimed each fire (job, scheduled time): the run or decision of
        /// the fire is written as that incarnation, so that one reaped since (paused between
        /// the claim and the start) is refused even after this node rejoined.
        var claimedBy: [FireKey: UUID] = [:]
        var refusedWrites = 0
        /// The commit this node runs: its claims are fenced by it.
        var commit: String?
        /// Runs whose record queues their retry (``queueRetry(ofRun:)``).
        var retryThroughQueue: Set<String> = []
        var claims = 0
        /// What this node last knew of each job's runs in progress and recent starts: the
        /// expectation its next start is tried with before anything is read (``admit``).
        var known: [String: JobReading] = [:]
        /// Admissions settled by their first statement, and those that read first (for tests and
        /// the benchmark's account of round trips).
        var admissionsWithoutReading = 0
        var admissionsWithReading = 0
    }

    /// A job's runs in progress and its finished runs' starts, as last read or since written here.
    private struct JobReading {
        var inFlight: [InFlightRun]
        /// nil: the job's starts were not asked for (it has no rate limit).
        var starts: [Date]?
    }
    private let state: Locked<State>
    let log: @Sendable (String) -> Void

    /// The offset of this node's clock to the database's (``ClusterClock``), for its status.
    let clockOffset: @Sendable () -> Double

    public init(database: ClusterDatabase, node: String, incarnation: UUID = UUID(), clockOffset: @escaping @Sendable () -> Double = { 0 },
                log: @escaping @Sendable (String) -> Void = { _ in }) {
        self.database = database
        self.clockOffset = clockOffset
        self.node = node
        self.log = log
        state = Locked(State(incarnation: incarnation))
    }

    /// This process's incarnation of the node: a new one after the node was reaped.
    public var incarnation: UUID { state.withLock { $0.incarnation } }

    func renewIncarnation() -> UUID {
        state.withLock { state in
            state.incarnation = UUID()
            state.tokens = [:]
            return state.incarnation
        }
    }

    struct FireKey: Hashable {
        var job: String
        var milliseconds: Int64
        init(_ job: String, _ instant: Date) {
            self.job = job
            milliseconds = RecordTime.milliseconds(instant)
        }
    }

    /// The incarnation a run or decision of `job`'s fire at `scheduledFor` is written as: the one
    /// that claimed it, else (a run no fire claimed: manual, API, event) the current one.
    private func incarnation(writing job: String, scheduledFor: Date?) -> UUID {
        state.withLock { state in scheduledFor.flatMap { state.claimedBy[FireKey(job, $0)] } ?? state.incarnation }
    }

    /// Final records this node tried to write for runs it no longer held (refused, not written).
    public var refusedWrites: Int { state.withLock { $0.refusedWrites } }

    // MARK: Fires

    public func claim(job: String, scheduledFor: Date) async throws -> Bool {
        try await claim([(job, scheduledFor)])[0]
    }

    /// Claims every fire in one round trip. A fire still in the future by the database's clock
    /// (this node's clock ran ahead) is claimed again when it is due.
    public func claim(_ fires: [(job: String, scheduledFor: Date)]) async throws -> [Bool] {
        let incarnation = self.incarnation
        let commit = state.withLock { $0.commit }
        var results = [Bool](repeating: false, count: fires.count)
        var pending = Array(fires.indices)
        for _ in 0..<8 {
            let jobs = pending.map { fires[$0].job }
            let times = pending.map { fires[$0].scheduledFor }
            var answers: [Double] = []
            let rows = try await database.query("""
                SELECT w FROM jobctl_claim_all(\(jobs), \(times), \(node), \(incarnation), \(commit)) WITH ORDINALITY AS t(w, i) ORDER BY i
                """)
            for try await value in rows.decode(Double.self) { answers.append(value) }
            guard answers.count == pending.count else { throw ClusterError("the cluster's database answered \(answers.count) claims for \(pending.count)") }
            if answers.contains(-2) { throw CommitNotInForce(running: commit) }
            var early: [Int] = []
            var longest = 0.0
            for (index, answer) in zip(pending, answers) {
                if answer == 0 {
                    results[index] = true
                    remember(fires[index].job, fires[index].scheduledFor, claimedBy: incarnation)
                } else if answer > 0 {
                    early.append(index)
                    longest = max(longest, answer)
                }
            }
            if early.isEmpty { return results }
            pending = early
            // This node's clock runs ahead of the database's: the fires are due there a little later.
            try await Task.sleep(for: .milliseconds(Int(min(longest, 60) * 1000) + 1))
        }
        throw ClusterError("\(pending.count) fire(s), first \(fires[pending[0]].job) at \(RecordTime.string(fires[pending[0]].scheduledFor)), stayed in the future by the database's clock")
    }

    private func remember(_ job: String, _ scheduledFor: Date, claimedBy incarnation: UUID) {
        state.withLock { state in
            // Claims are kept for a day, long enough for any fan-out's last run to start.
            if state.claimedBy.count >= 100_000 {
                let horizon = RecordTime.milliseconds(Date()) - 86_400_000
                state.claimedBy = state.claimedBy.filter { $0.key.milliseconds >= horizon }
            }
            state.claimedBy[FireKey(job, scheduledFor)] = incarnation
        }
    }

    // MARK: Admission

    /// One round trip when this node's last knowledge of the job still holds, else two per try.
    ///
    /// `decide` rules on what this node last knew of the job (its last reading, with its own
    /// starts and ends since); when that is a start, `jobctl_start` writes it under the job's
    /// lock only if the job's runs in progress and recent starts are still exactly those — the
    /// same check as after a reading, so an old expectation is no weaker than a fresh one, only
    /// likelier to fail. A decision not to start is never taken on old knowledge. Otherwise, or
    /// when the expectation fails: what the job has in progress on every node (and its recent
    /// starts) is read, `decide` rules on it, and the start is written the same way.
    public func admit(job: String, startsSince: Date?, marker: InFlightRun, queueEntry: Int64? = nil,
                      decide: @escaping @Sendable ([InFlightRun], [Date]) -> Admission.Decision) async throws -> Admission.Decision {
        let incarnation = incarnation(writing: job, scheduledFor: marker.scheduledFor)
        let markerText = String(decoding: try JSONEncoder().encode(marker), as: UTF8.self)
        let startedAt = marker.startedAt ?? Date()
        if let known = state.withLock({ $0.known[job] }), startsSince == nil || known.starts != nil {
            let starts = startsSince.map { horizon in (known.starts ?? []).filter { $0 > horizon } } ?? []
            let decision = decide(known.inFlight, starts)
            switch decision {
            case .start, .startReplacing:
                if try await start(job: job, startsSince: startsSince, inFlight: known.inFlight, starts: starts, marker: marker,
                                   queueEntry: queueEntry, incarnation: incarnation, startedAt: startedAt, markerText: markerText) {
                    state.withLock { $0.admissionsWithoutReading += 1 }
                    return decision
                }
            default:
                break
            }
        }
        state.withLock { $0.admissionsWithReading += 1 }
        for _ in 0..<16 {
            var inFlight: [InFlightRun] = []
            var starts: [Date] = []
            let rows = try await database.query("SELECT kind, marker, started_at FROM jobctl_lock_job(\(job), \(startsSince))")
            for try await (kind, text, startedAt) in rows.decode((String, String?, Date).self) {
                if kind == "start" {
                    starts.append(startedAt)
                } else if let text, let run = try? JSONDecoder().decode(InFlightRun.self, from: Data(text.utf8)) {
                    inFlight.append(run)
                }
            }
            let reading = JobReading(inFlight: inFlight, starts: startsSince == nil ? nil : starts)
            state.withLock { $0.known[job] = reading }
            let decision = decide(inFlight, starts)
            switch decision {
            case .start, .startReplacing:
                if try await start(job: job, startsSince: startsSince, inFlight: inFlight, starts: starts, marker: marker,
                                   queueEntry: queueEntry, incarnation: incarnation, startedAt: startedAt, markerText: markerText) {
                    return decision
                }
                // The job's situation changed meanwhile: decide again.
            default:
                return decision
            }
        }
        throw ClusterError("the runs in progress of \(job) kept changing while this node decided whether to start one")
    }

    /// `jobctl_start` (`jobctl_start_queued` for a run from the queue): true when the run was
    /// started (the job's runs in progress and recent starts were those expected), false when
    /// they were not.
    private func start(job: String, startsSince: Date?, inFlight: [InFlightRun], starts: [Date], marker: InFlightRun, queueEntry: Int64?,
                       incarnation: UUID, startedAt: Date, markerText: String) async throws -> Bool {
        var token: Int64?? = .none
        let started = if let queueEntry {
            try await database.query("""
                SELECT jobctl_start_queued(\(queueEntry), \(job), \(startsSince), \(inFlight.map(\.run)), \(Int64(starts.count)), \(marker.run),
                                           \(marker.scheduledFor), \(node), \(incarnation), \(startedAt), \(markerText))
                """)
        } else {
            try await database.query("""
                SELECT jobctl_start(\(job), \(startsSince), \(inFlight.map(\.run)), \(Int64(starts.count)), \(marker.run), \(marker.scheduledFor),
                                    \(node), \(incarnation), \(startedAt), \(markerText))
                """)
        }
        for try await value in started.decode(Int64?.self) { token = .some(value) }
        guard case .some(let answer) = token else { throw ClusterError("the cluster's database did not answer a start") }
        guard let answer else {
            state.withLock { _ = $0.known.removeValue(forKey: job) }
            return false
        }
        if answer == -3 { throw CommitNotInForce(running: marker.commit) }
        if let queueEntry, answer < 0 { throw QueuedRunLost(entry: queueEntry) }
        guard answer >= 0 else {
            throw ClusterError("this node was reaped by the cluster (silent for longer than the dead time); it joins again at its next heartbeat")
        }
        state.withLock { state in
            state.tokens[marker.run] = answer
            state.known[job] = JobReading(inFlight: inFlight + [marker], starts: startsSince == nil ? nil : starts)
        }
        return true
    }

    /// How many admissions were settled without reading first, and how many read.
    public var admissionCounts: (withoutReading: Int, withReading: Int) {
        state.withLock { ($0.admissionsWithoutReading, $0.admissionsWithReading) }
    }

    // MARK: Records

    /// Writes a final record: a run's, only while this node holds it (its token, or, for a run of
    /// an earlier incarnation of this node recovered after a restart, the node's name); a
    /// decision's (skipped, missed…) as a new row. A refused write is logged and counted, never
    /// retried: the run belongs to whoever reaped it.
    public func append(_ record: RunRecord) async throws {
        let incarnation = incarnation(writing: record.job, scheduledFor: record.scheduledFor ?? record.lastScheduledFor)
        let token = state.withLock { $0.tokens[record.run] } ?? -1
        let queueRetry = state.withLock { $0.retryThroughQueue.contains(record.run) }
        let text = record.jsonLine
        // A decision's row is written only by a live incarnation (a reaped node's claims were
        // settled by the reaper); a run's row exists already and is updated by its holder.
        // A run that failed or timed out with a retry to come is queued for it by the same
        // statement (``ClusterRetry``): the retry outlives this node.
        let written = try await database.query("""
            WITH written AS (
                INSERT INTO jobctl_runs AS r (run, job, scheduled_for, first_scheduled_for, state, node, incarnation, token, started_at, finished_at, record)
                SELECT \(record.run), \(record.job), \(record.scheduledFor ?? record.lastScheduledFor), \(record.firstScheduledFor ?? record.scheduledFor),
                       \(record.status.rawValue), \(node), \(incarnation), 0,
                       \(record.startedAt ?? record.finishedAt), now(), \(text)
                WHERE EXISTS (SELECT 1 FROM jobctl_nodes WHERE node = \(node) AND incarnation = \(incarnation) FOR SHARE)
                   OR EXISTS (SELECT 1 FROM jobctl_runs WHERE run = \(record.run))
                ON CONFLICT (run) DO UPDATE SET state = EXCLUDED.state, finished_at = now(), record = EXCLUDED.record
                WHERE r.state = 'running' AND r.node = \(node) AND (r.token = \(token) OR (\(token) = -1 AND r.incarnation <> \(incarnation)))
                RETURNING r.run, r.job, r.state, r.marker
            ), queued AS (
                INSERT INTO jobctl_queue (kind, cause, job, source_run, request)
                SELECT 'retry', state, job, run, marker FROM written WHERE \(queueRetry) AND state IN ('failed', 'timed_out') AND marker IS NOT NULL
                ON CONFLICT (source_run) DO NOTHING
            )
            SELECT run FROM written
            """)
        var accepted = false
        for try await _ in written { accepted = true }
        state.withLock { state in
            state.tokens[record.run] = nil
            state.retryThroughQueue.remove(record.run)
            if !accepted { state.refusedWrites += 1 }
            // The run is no longer in progress; its start counts for the rate limit.
            if var known = state.known[record.job], let index = known.inFlight.firstIndex(where: { $0.run == record.run }) {
                // The database counts the start the run was admitted with (its marker's).
                let started = known.inFlight.remove(at: index).startedAt
                if let started, accepted { known.starts?.append(started) }
                state.known[record.job] = known
            }
        }
        if !accepted {
            log("warning: the record of run \(record.run) (\(record.job), \(record.status.rawValue)) was refused by the cluster: this node no longer holds the run (it was reaped as interrupted while this node was silent, or was recorded already)")
        }
    }

    public func running(commit: String?) {
        state.withLock { $0.commit = commit }
    }

    public func appliedCommit() async throws -> ClusterAppliedCommit? {
        try await database.appliedCommit()
    }

    public func moveAppliedCommit(from expected: String?, to commit: String) async throws -> Bool {
        try await database.moveAppliedCommit(from: expected, to: commit, by: node)
    }

    public func queueRetry(ofRun run: String) {
        _ = state.withLock { $0.retryThroughQueue.insert(run) }
    }

    public func status() async throws -> ClusterStatus {
        var status = try await database.status(node: node)
        status.refusedWrites = refusedWrites
        status.clockOffset = clockOffset()
        return status
    }

    public func contains(run: String, job: String) async throws -> Bool {
        var found = false
        for try await _ in try await database.query("SELECT 1 FROM jobctl_runs WHERE run = \(run) AND state <> 'running'") { found = true }
        return found
    }
}
