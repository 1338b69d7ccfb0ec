public import Foundation
public import Definitions
public import History
import Locks

/// Every in-flight marker of this process's runs and every record it appends, in order, on one
/// I/O thread — so that a marker is never written after its run's end, the blocking file work
/// never holds the cooperative pool, and no record is lost when history cannot be written.
///
/// - **Admission is atomic across processes.** ``admit(_:decide:)`` takes the root's admission
///   lock (`.jobctl/admission.lock`), reads the job's runs in flight — this process's and other
///   processes' markers: a daemon and a `jobctl run` see each other — and its recent starts
///   for the rate limit, lets ``Admission`` decide, and writes the new run's marker before it
///   lets go. A marker whose owner process is gone (a `jobctl run` killed with -9) is recovered
///   on the spot by whoever meets it: its final record, or `interrupted`.
/// - **Markers change in order.** A child's start (``childStarted(run:process:)``) and the run's
///   end are applied one after the other on the I/O thread; an update for a run that has ended
///   is dropped, so a finished run's marker is never re-created.
/// - **A final record is never dropped.** ``finish(_:)`` appends the record, and only then
///   removes the marker. When the append fails (a read-only or full disk, a folder where the
///   file should be), the record is kept in the marker, the fault is reported (``fault``), and
///   the append is retried with backoff until it lands — or, after a restart, recovery appends it.
public final class RunTracker: Sendable {
    /// History could not be written: since when, why, and how many records wait.
    public struct Fault: Sendable, Hashable {
        public var since: Date
        public var message: String
        public var pending: Int
    }

    public let history: HistoryFolder
    public let registry: FileInFlightRegistry
    public let recorder: any RunRecorder
    public let claims: FileFireClaims
    /// The cluster that claims fires and admits runs in place of the root's files; nil: files.
    public let cluster: (any ClusterCoordination)?
    public let node: String?
    let io: IOQueue
    private let clock: any SchedulerClock
    private let admissionLock: String
    private let onFault: @Sendable (Fault?) -> Void

    private struct State {
        /// This process's runs in flight, by run id.
        var live: [String: InFlightRun] = [:]
        /// Final records handed to ``finish(_:)`` and not appended yet, by run id.
        var finishing: [String: RunRecord] = [:]
        /// Records waiting to be appended after a failed append, by run id.
        var pending: [String: RunRecord] = [:]
        var fault: Fault?
        var retrying = false
        var stopped = false
    }

    private let state = Locked(State())

    /// - Parameters:
    ///   - recorder: where final records go (the daemon's is synced with group commit).
    ///   - onFault: told when history becomes unwritable (with the fault) and writable again (nil).
    public init(root: String, history: HistoryFolder, recorder: any RunRecorder, clock: any SchedulerClock, node: String?,
                cluster: (any ClusterCoordination)? = nil, onFault: @escaping @Sendable (Fault?) -> Void = { _ in }) {
        self.history = history
        self.cluster = cluster
        self.recorder = recorder
        self.clock = clock
        self.node = node
        self.onFault = onFault
        registry = FileInFlightRegistry(root: root, durability: .unsynced)
        claims = FileFireClaims(history: history, inFlight: registry)
        admissionLock = URL(fileURLWithPath: root).appendingPathComponent(".jobctl/admission.lock").standardizedFileURL.path
        io = IOQueue(label: "jobctl.runs")
    }

    // MARK: Admission

    /// What admission needs that only the caller knows.
    public struct Request: Sendable {
        public var job: JobDefinition
        public var plan: RunPlan
        /// The marker to write when the run may start.
        public var marker: InFlightRun
        public var unfinishedGroups: Set<String>
        public var queueIsFull: Bool
        public var running: Int
        public var maxConcurrent: Int
        public var now: Date

        public init(job: JobDefinition, plan: RunPlan, marker: InFlightRun, unfinishedGroups: Set<String>, queueIsFull: Bool, running: Int, maxConcurrent: Int, now: Date) {
            self.job = job
            self.plan = plan
            self.marker = marker
            self.unfinishedGroups = unfinishedGroups
            self.queueIsFull = queueIsFull
            self.running = running
            self.maxConcurrent = maxConcurrent
            self.now = now
        }
    }

    /// Decides, under the root's admission lock, whether the run may start, and writes its marker
    /// when it may (`.start`, `.startReplacing`).
    /// - Returns: the decision; `.refuse(.failed, …)` when the marker could not be written (the
    ///   run is then not started: nothing of it could be recovered after a crash).
    public func admit(_ request: Request) async -> Admission.Decision {
        if let cluster { return await admit(request, in: cluster) }
        let recovery = FileRunRecorder(folder: history)
        return await io.run { [self] () -> Admission.Decision in
            let lock = try? FileLock(path: admissionLock)
            let body = { [self] () -> Admission.Decision in
                let inFlight = runsInFlight(of: request.job.id.rawValue, recovering: recovery, now: request.now)
                var starts: [Date] = inFlight.compactMap(\.startedAt)
                if let limit = request.job.rateLimit {
                    starts += recentStarts(of: request.job.id.rawValue, since: request.now.addingTimeInterval(-limit.per.seconds))
                }
                let situation = Admission.Situation(
                    now: request.now,
                    inProgress: inFlight.map { Admission.RunInProgress(run: $0.run, group: $0.fanout?.group, local: $0.owner == ProcessIdentity.current) },
                    unfinishedGroups: request.unfinishedGroups, queueIsFull: request.queueIsFull, recentStarts: starts,
                    running: request.running, maxConcurrent: request.maxConcurrent)
                let decision = Admission.decide(request.plan, job: request.job, situation: situation)
                switch decision {
                case .start, .startReplacing:
                    do {
                        try registry.begin(request.marker)
                        state.withLock { $0.live[request.marker.run] = request.marker }
                    } catch {
                        return .refuse(.failed, "cannot record the run as in flight, so it was not started: \(error)", runInProgress: nil)
                    }
                default:
                    break
                }
                return decision
            }
            guard let lock else { return body() }
            return lock.withExclusiveLock(body)
        }
    }

    /// Admission in cluster mode: the job's runs in progress on every node and its recent starts
    /// come from the cluster, under its lock on the job; the marker is also written here, so
    /// that a crash of this node can still find the run's child.
    private func admit(_ request: Request, in cluster: any ClusterCoordination) async -> Admission.Decision {
        let horizon = request.job.rateLimit.map { request.now.addingTimeInterval(-$0.per.seconds) }
        let decision: Admission.Decision
        // The runs of other nodes the decision saw: a replacement asks the cluster to cancel them.
        let foreign = Locked<Set<String>>([])
        do {
            decision = try await cluster.admit(job: request.job.id.rawValue, startsSince: horizon, marker: request.marker,
                                               queueEntry: request.plan.queueEntry) { inFlight, starts in
                foreign.withLock { $0 = Set(inFlight.filter { $0.owner != ProcessIdentity.current }.map(\.run)) }
                // Every run can be cancelled, through the cluster (`concurrency: replace`).
                let situation = Admission.Situation(
                    now: request.now,
                    inProgress: inFlight.map { Admission.RunInProgress(run: $0.run, group: $0.fanout?.group, local: true) },
                    unfinishedGroups: request.unfinishedGroups, queueIsFull: request.queueIsFull,
                    recentStarts: starts + inFlight.compactMap(\.startedAt), running: request.running, maxConcurrent: request.maxConcurrent)
                let decision = Admission.decide(request.plan, job: request.job, situation: situation)
                guard decision == .queue, request.plan.queueEntry == nil else { return decision }
                // It waits in the cluster's queue, for any node; what must stay here waits here,
                // which it can only behind a run this node will see end.
                if WaitingRun.Request.queueable(request.plan) { return .queuedInCluster }
                if let foreign = inFlight.first(where: { $0.owner != ProcessIdentity.current }) {
                    return .refuse(.skipped, "skipped: run \(foreign.run) of \(request.job.id) is in progress on node \(foreign.node ?? "another node"); in cluster mode a run with an event, a definition of its own or a fan-out queues only behind a run of its own node (concurrency: queue)", runInProgress: foreign.run)
                }
                return decision
            }
        } catch {
            // A queued run is not this node's to record: its entry goes back to the queue (once
            // its lease runs out, or at once when it was lost), and another try starts it.
            if let entry = request.plan.queueEntry {
                return .abandon(error is QueuedRunLost ? "\(error)" : "queue entry \(entry) was not started (\(error)); the cluster's queue gives it to a node again")
            }
            if error is CommitNotInForce { return .refuse(.failed, "not started: \(error)", runInProgress: nil) }
            return .refuse(.failed, "cannot reach the cluster's database, so the run was not started: \(error)", runInProgress: nil)
        }
        switch decision {
        case .start, .startReplacing:
            await io.run { [self] in
                state.withLock { $0.live[request.marker.run] = request.marker }
                try? registry.begin(request.marker)
            }
            if case .startReplacing(let runs) = decision {
                for run in runs where foreign.withLock({ $0.contains(run) }) {
                    do {
                        _ = try await cluster.requestCancel(run: run, by: "replace:a newer \(request.plan.trigger.rawValue) run")
                    } catch {
                        // The run it replaces goes on until it ends; the new one has started.
                    }
                }
            }
        case .queuedInCluster:
            do {
                guard try await cluster.enqueueWaiting(WaitingRun.Request(request.plan, node: node)) else {
                    return .refuse(.skipped, "skipped: a run of \(request.job.id) already waits in the cluster's queue (concurrency: queue holds one)", runInProgress: nil)
                }
            } catch {
                return .refuse(.failed, "cannot reach the cluster's database, so the run was not queued: \(error)", runInProgress: nil)
            }
        case .queue:
            // A run taken from the cluster's queue behind which another started first: back to the queue.
            if let entry = request.plan.queueEntry {
                try? await cluster.release(queueEntry: entry, notBefore: request.now)
                return .abandon("another run of \(request.job.id) started first; this one waits in the cluster's queue again")
            }
        default:
            break
        }
        return decision
    }

    /// The job's runs in flight, in every process on this root, and the owner-less markers'
    /// recovery: called on the I/O thread, under the admission lock.
    private func runsInFlight(of job: String, recovering recorder: FileRunRecorder, now: Date) -> [InFlightRun] {
        var result = state.withLock { $0.live.values.filter { $0.job == job && $0.final == nil } }
        for marker in registry.othersInFlight() where marker.job == job && marker.final == nil {
            if let owner = marker.owner, !owner.isRunning, owner != ProcessIdentity.current, node == nil || marker.node == nil || marker.node == node {
                recover(marker, recorder: recorder, now: now)
                continue
            }
            result.append(marker)
        }
        return result.sorted { $0.run < $1.run }
    }

    /// Records a marker whose process is gone, as restart recovery would.
    private func recover(_ marker: InFlightRun, recorder: FileRunRecorder, now: Date) {
        if (try? recorder.contains(run: marker.run, job: marker.job)) == true {
            try? registry.finish(run: marker.run)
            return
        }
        var warnings: [String] = []
        if let process = marker.process, OrphanedProcessGroup.kill(process) == .killed {
            warnings.append("killed process group \(process.processGroup), still running after its jobctl process was gone")
        }
        let record = marker.final ?? marker.interruptedRecord(
            at: now, error: "the jobctl process that ran it (pid \(marker.owner?.pid ?? 0)) was gone; recovered by \(node ?? "another jobctl process")",
            warnings: warnings)
        if (try? recorder.append(record)) != nil { try? registry.finish(run: marker.run) }
    }

    /// Start times of the job's runs that finished since `horizon` (for the rate limit).
    private func recentStarts(of job: String, since horizon: Date) -> [Date] {
        let page = try? HistoryReader(folder: history).lastRecords(job: job, count: .max, filter: RecordFilter(since: horizon))
        return (page?.records ?? []).compactMap(\.startedAt).filter { $0 > horizon }
    }

    // MARK: Markers

    /// The child of a run's step started: its process group goes into the marker, so a crash
    /// can be cleaned up. Applied after everything before it; dropped once the run has ended.
    public func childStarted(run: String, process: ProcessIdentity) {
        let updated: InFlightRun? = state.withLock { state in
            guard var marker = state.live[run], marker.final == nil else { return nil }
            marker.status = .running
            marker.process = process
            state.live[run] = marker
            return marker
        }
        guard let updated else { return }
        io.enqueue { [self] in
            // Still in flight when its turn comes (the end is queued after it, in order).
            guard state.withLock({ $0.live[run] != nil && $0.live[run]?.final == nil }) else { return }
            try? registry.update(updated)
        }
    }

    /// This process's runs in flight.
    public var liveRuns: [InFlightRun] {
        state.withLock { Array($0.live.values) }.filter { $0.final == nil }.sorted { $0.run < $1.run }
    }

    /// Claims the due fires of one turn of the scheduler at once (in cluster mode, one round
    /// trip): whether this process owns each, in order.
    public func claim(_ fires: [DueFire]) async throws -> [Bool] {
        if let cluster { return try await cluster.claim(fires.map { ($0.job.rawValue, $0.scheduledFor) }) }
        return try await io.run { [claims] () throws(HistoryError) -> [Bool] in
            var owned: [Bool] = []
            for fire in fires { owned.append(try claims.claim(job: fire.job.rawValue, scheduledFor: fire.scheduledFor)) }
            return owned
        }
    }

    /// Claims the fire of `job` at `scheduledFor` (see ``FileFireClaims``), on the I/O thread.
    public func claim(job: JobID, scheduledFor: Date) async throws -> Bool {
        if let cluster { return try await cluster.claim(job: job.rawValue, scheduledFor: scheduledFor) }
        return try await io.run { [claims] () throws(HistoryError) -> Bool in try claims.claim(job: job.rawValue, scheduledFor: scheduledFor) }
    }

    // MARK: Records

    /// Keeps what a run leaves beside its record — its event payload (see ``EventPayload``), its
    /// report — as `history/<job>/<run>.<artifact>`, written atomically on the I/O thread.
    /// - Returns: the file relative to the root, for the record; nil when it could not be written.
    public func keep(_ contents: [UInt8], as artifact: HistoryFolder.Artifact, job: String, run: String) async -> String? {
        await io.run { [history] in try? history.write(contents, as: artifact, job: job, run: run) }
    }

    /// Appends an event payload to the job's ``EventLog`` on the I/O thread; the record that
    /// names it syncs it. - Returns: the log relative to the root, for the record; nil when it
    /// could not be written.
    public func keepEvent(_ payload: [UInt8], job: String, run: String) async -> String? {
        await io.run { [history] in try? EventLog(folder: history).append(payload, job: job, run: run) }
    }

    /// Appends a run's final record, then removes its marker. When history cannot be written the
    /// record is kept (in the marker, so a restart recovers it) and retried until it lands; the
    /// run counts as ended for admission at once.
    ///
    /// Call ``handOver(_:)`` first, in the same synchronous step that ends the run for its caller.
    public func finish(_ record: RunRecord) async {
        handOver(record)
        await write(record, hasMarker: true)
    }

    /// Makes ``finalRecord(of:)`` answer with the record from now on, before it is appended: a
    /// caller that drops the run from its runs in progress in the same synchronous step never
    /// shows a run that is neither in progress nor recorded.
    /// The run also stops counting as in progress for this process's admissions (its marker
    /// file goes once the record is appended).
    public func handOver(_ record: RunRecord) {
        state.withLock { state in
            state.finishing[record.run] = record
            state.live[record.run]?.final = record
        }
    }

    /// The final record of a run of this process that is being (or waits to be) appended.
    public func finalRecord(of run: String) -> RunRecord? {
        state.withLock { $0.finishing[run] ?? $0.pending[run] }
    }

    /// Appends a record of a fire that did not run (`skipped`, `rate_limited`, `filtered`,
    /// `missed`, `blocked`), with the same guarantee.
    public func record(_ record: RunRecord) async {
        await write(record, hasMarker: false)
    }

    private func write(_ record: RunRecord, hasMarker: Bool) async {
        defer { state.withLock { _ = $0.finishing.removeValue(forKey: record.run) } }
        do {
            try await recorder.append(record)
            if hasMarker {
                await io.run { [self] in
                    state.withLock { _ = $0.live.removeValue(forKey: record.run) }
                    try? registry.finish(run: record.run)
                }
            }
        } catch {
            await keep(record, hasMarker: hasMarker, error: error)
        }
    }

    /// Keeps a record that could not be appended: in its marker (written anew for a record that
    /// had none), and in memory for the retry loop.
    private func keep(_ record: RunRecord, hasMarker: Bool, error: any Error) async {
        let now = clock.now()
        let marker: InFlightRun = state.withLock { state in
            var marker = state.live[record.run] ?? InFlightRun(
                run: record.run, job: record.job, trigger: record.trigger, status: record.status, scheduledFor: record.scheduledFor,
                startedAt: record.startedAt, attempt: record.attempt, params: record.params, fanout: record.fanout, commit: record.commit,
                log: record.log, node: record.node, owner: ProcessIdentity.current)
            marker.final = record
            state.live[record.run] = marker
            state.pending[record.run] = record
            let fault = Fault(since: state.fault?.since ?? now, message: "\(error)", pending: state.pending.count)
            state.fault = fault
            return marker
        }
        let registry = self.registry
        await io.run { try? registry.update(marker) }
        onFault(state.withLock { $0.fault })
        startRetrying()
    }

    /// Retries the kept records with backoff (1 s doubling to 60 s) until every one has landed
    /// or the tracker stops.
    private func startRetrying() {
        let start = state.withLock { state -> Bool in
            guard !state.retrying, !state.stopped else { return false }
            state.retrying = true
            return true
        }
        guard start else { return }
        Task { [self] in
            var delay = 1.0
            while true {
                try? await clock.sleep(until: clock.now().addingTimeInterval(delay))
                let records = state.withLock { state -> [RunRecord]? in
                    if state.stopped || state.pending.isEmpty {
                        state.retrying = false
                        return nil
                    }
                    return state.pending.values.sorted { $0.finishedAt < $1.finishedAt }
                }
                guard let records else { return }
                var failure: (any Error)?
                for record in records {
                    do {
                        try await recorder.append(record)
                        await io.run { [self] in
                            state.withLock { state in
                                state.pending[record.run] = nil
                                state.live[record.run] = nil
                            }
                            try? registry.finish(run: record.run)
                        }
                    } catch {
                        failure = error
                        break
                    }
                }
                let fault = state.withLock { state -> Fault? in
                    if state.pending.isEmpty {
                        state.fault = nil
                    } else if let failure {
                        state.fault?.message = "\(failure)"
                        state.fault?.pending = state.pending.count
                    }
                    return state.fault
                }
                onFault(fault)
                delay = failure == nil ? 1 : min(delay * 2, 60)
            }
        }
    }

    /// The current history fault, nil when history is being written.
    public var fault: Fault? { state.withLock { $0.fault } }

    /// Stops retrying: records still waiting stay in their markers, for the next start to append.
    public func stop() {
        state.withLock { $0.stopped = true }
    }
}
