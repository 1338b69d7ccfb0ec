public import Foundation
public import Definitions
public import Expressions
public import History
import Schedules

/// The applied definitions the scheduler runs: a commit's jobs.
public struct AppliedState: Sendable {
    public var commit: String?
    public var definitions: DefinitionSet
    /// When this state was applied: a job that never fired catches up from here.
    public var appliedAt: Date

    public init(commit: String?, definitions: DefinitionSet, appliedAt: Date) {
        self.commit = commit
        self.definitions = definitions
        self.appliedAt = appliedAt
    }
}

/// Why a requested run did not start.
public struct TriggerRefusal: Error, Sendable, CustomStringConvertible {
    public enum Reason: String, Sendable {
        case unknownJob, invalidParameters, concurrency, rateLimited, notRunnable, stopping
    }

    public var reason: Reason
    public var message: String
    /// The run in progress, for a concurrency refusal.
    public var runInProgress: String?

    public var description: String { message }
}

/// The scheduler: a due-queue of the applied jobs' next fires, the policies that decide whether a
/// fire runs (concurrency, rate limits, a global limit, catch-up), and the runs in progress.
///
/// Every decision is recorded: a fire that does not run becomes a `skipped`, `rate_limited` or
/// `missed` record. A scheduled fire is claimed by (job, scheduled time) before anything else,
/// so it runs at most once across restarts.
public actor Scheduler {
    public struct Options: Sendable {
        public var maxConcurrent: Int
        public var node: String?
        /// How often `run()` re-reads the applied state while idle (see `AppliedStateSource`).
        public var pollInterval: Duration

        public init(maxConcurrent: Int = 64, node: String? = nil, pollInterval: Duration = .seconds(2)) {
            self.maxConcurrent = maxConcurrent
            self.node = node
            self.pollInterval = pollInterval
        }
    }

    public struct Stores: Sendable {
        public var claims: any FireClaims
        public var inFlight: any InFlightRegistry
        public var recorder: any RunRecorder
        public var history: HistoryFolder

        public init(claims: any FireClaims, inFlight: any InFlightRegistry, recorder: any RunRecorder, history: HistoryFolder) {
            self.claims = claims
            self.inFlight = inFlight
            self.recorder = recorder
            self.history = history
        }

        /// The file-mode stores of a root: `history/` (appends fdatasync'ed) and `.jobctl/inflight/`
        /// (markers atomic but not fsynced: see `FileInFlightRegistry`).
        public static func files(root: String, history: HistoryFolder) -> Stores {
            let inFlight = FileInFlightRegistry(root: root, durability: .unsynced)
            return Stores(claims: FileFireClaims(history: history, inFlight: inFlight), inFlight: inFlight,
                          recorder: FileRunRecorder(folder: history), history: history)
        }
    }

    private struct ActiveRun {
        var plan: RunPlan
        var task: Task<Void, Never>
        var startedAt: Date
        var replacedBy: String?
    }

    public let root: String
    public let clock: any SchedulerClock
    public let options: Options
    private let stores: Stores
    private let performer: any RunPerformer
    private let ids = RunIDGenerator()
    private let log: @Sendable (String) -> Void

    private var state: AppliedState?
    /// For each job, the applied jobs whose `needs` name it.
    private var dependents: [JobID: [JobID]] = [:]
    private var queue = DueQueue()
    private var retries: [(at: Date, plan: RunPlan)] = []
    private var active: [String: ActiveRun] = [:]
    private var queuedForJob: [JobID: RunPlan] = [:]
    private var waitingForSlot: [RunPlan] = []
    private var rateWindows: [JobID: RateWindow] = [:]
    private var completedJobs: Set<JobID> = []
    private var stopping = false
    private var sleeper: (id: Int, continuation: CheckedContinuation<Void, Never>)?
    private var sleeperID = 0
    private var pendingWake = false
    private var idleWaiters: [CheckedContinuation<Void, Never>] = []
    /// Fires started by the scheduler, for the dispatch-lag metric: (scheduled runAt, child start).
    public private(set) var dispatchLags: [Double] = []
    public var recordsDispatchLag = false

    public init(root: String, clock: any SchedulerClock, stores: Stores, performer: any RunPerformer, options: Options = Options(), log: @escaping @Sendable (String) -> Void = { _ in }) {
        self.root = root
        self.clock = clock
        self.stores = stores
        self.performer = performer
        self.options = options
        self.log = log
    }

    // MARK: Applied state

    /// Loads (or replaces) the applied definitions. Jobs that disappeared stop firing (their history
    /// stays); new and changed jobs are scheduled from now. On the first load, missed fires since
    /// each job's last recorded fire are handled by its catch-up policy.
    /// - Parameter catchingUp: false for a process that only runs what it is asked to (`jobctl run`).
    public func load(_ newState: AppliedState, catchingUp: Bool = true) async {
        let isFirst = state == nil && catchingUp
        let previous = state
        state = newState
        dependents = [:]
        for job in newState.definitions.sortedJobs {
            for need in job.needs { dependents[need, default: []].append(job.id) }
        }
        let now = clock.now()
        for id in previous?.definitions.jobs.keys.map({ $0 }) ?? [] where newState.definitions.jobs[id] == nil {
            queue.remove(id)
            completedJobs.remove(id)
        }
        for job in newState.definitions.sortedJobs {
            if let old = previous?.definitions.jobs[job.id], Self.sameSchedule(old, job), queue.fire(for: job.id) != nil {
                continue
            }
            guard job.enabled, let schedule = job.schedule else {
                queue.remove(job.id)
                continue
            }
            if isFirst {
                completedJobs.subtract([job.id])
                if await untilAlreadySatisfied(job) {
                    completedJobs.insert(job.id)
                    continue
                }
                await catchUp(job, schedule: schedule, appliedAt: newState.appliedAt, now: now)
            } else {
                scheduleNext(job, after: now)
            }
        }
        wake()
    }

    public var appliedCommit: String? { state?.commit }

    private static func sameSchedule(_ a: JobDefinition, _ b: JobDefinition) -> Bool {
        a.enabled == b.enabled && a.schedule?.text == b.schedule?.text && a.schedule?.kindName == b.schedule?.kindName
            && a.schedule?.timeZone == b.schedule?.timeZone && a.schedule?.start == b.schedule?.start
            && a.schedule?.end == b.schedule?.end && a.schedule?.jitter == b.schedule?.jitter
    }

    private func scheduleNext(_ job: JobDefinition, after instant: Date) {
        guard !completedJobs.contains(job.id), let schedule = job.schedule,
              let fire = schedule.jobSchedule(for: job.id).nextFire(after: instant) else {
            queue.remove(job.id)
            return
        }
        queue.schedule(DueFire(job: job.id, scheduledFor: fire.scheduledFor, runAt: fire.runAt))
    }

    /// Handles the fires missed since the job's last recorded fire (or since it was applied).
    private func catchUp(_ job: JobDefinition, schedule: ScheduleDefinition, appliedAt: Date, now: Date) async {
        let lastFire = lastRecordedFire(of: job.id) ?? appliedAt
        let plan = CatchupPlanner.plan(schedule: schedule.jobSchedule(for: job.id), policy: schedule.catchup, window: schedule.catchupWindow, lastFire: lastFire, now: now)
        if let missed = plan.missed {
            let record = RunRecord(
                run: ids.next(at: now), job: job.id.rawValue, trigger: .catchup, status: .missed,
                scheduledFor: missed.last, finishedAt: now, commit: state?.commit,
                warnings: ["\(missed.count) fire\(missed.count == 1 ? "" : "s") missed while jobctl was not running (catchup: \(schedule.catchup.rawValue), window \(schedule.catchupWindow))"],
                node: options.node, count: missed.count, firstScheduledFor: missed.first, lastScheduledFor: missed.last)
            await append(record)
        }
        for fire in plan.run {
            guard (try? await stores.claims.claim(job: job.id.rawValue, scheduledFor: fire.scheduledFor)) == true else { continue }
            for run in fanOut(job, trigger: .catchup, scheduledFor: fire.scheduledFor) {
                await request(run, claimed: true)
            }
        }
        if let next = plan.next {
            queue.schedule(DueFire(job: job.id, scheduledFor: next.scheduledFor, runAt: next.runAt))
        } else {
            queue.remove(job.id)
        }
    }

    /// The latest scheduled time any record of the job covers. Records are appended in the order
    /// they finish, not the order of their fires (a long run finishes after a later fire's
    /// `skipped`; recovery appends `interrupted` records at start), so the file is read backwards
    /// until records finished before the latest fire seen: no earlier line can cover a later fire.
    private func lastRecordedFire(of job: JobID) -> Date? {
        var latest: Date?
        _ = try? HistoryReader(folder: stores.history).lastRecord(job: job.rawValue) { record in
            if let latest, record.finishedAt < latest.addingTimeInterval(-Self.recordOrderSlack) { return true }
            if let covered = [record.scheduledFor, record.lastScheduledFor].compactMap({ $0 }).max() {
                latest = max(latest ?? covered, covered)
            }
            return false
        }
        return latest
    }

    /// How far out of order (by finish time) records may be written: clocks step, appends queue.
    static let recordOrderSlack: TimeInterval = 600

    private func untilAlreadySatisfied(_ job: JobDefinition) async -> Bool {
        if case .at = job.schedule?.kind {
            // A one-off is done once its fire is recorded.
            let reader = HistoryReader(folder: stores.history)
            if let record = try? reader.lastRecord(job: job.id.rawValue, where: { $0.trigger == .schedule || $0.trigger == .catchup || $0.status == .missed }),
               record.scheduledFor != nil || record.lastScheduledFor != nil {
                return true
            }
        }
        guard let until = job.until else { return false }
        let reader = HistoryReader(folder: stores.history)
        guard let last = try? reader.lastRecord(job: job.id.rawValue, where: { $0.status.ran }) else { return false }
        return until.isSatisfied(by: Self.untilContext(job: job, record: last))
    }

    static func untilContext(job: JobDefinition, record: RunRecord) -> [String: Value] {
        var steps: [String: Value] = [:]
        for step in record.steps {
            steps[step.name] = .object(["status": .string(step.status.rawValue), "exitCode": step.exitCode.map { .number(Double($0)) } ?? .null])
        }
        return [
            "run": .object([
                "id": .string(record.run), "status": .string(record.status.rawValue), "trigger": .string(record.trigger.rawValue),
                "exitCode": record.exitCode.map { .number(Double($0)) } ?? .null, "attempt": .number(Double(record.attempt ?? 1)),
            ]),
            "job": .object(["id": .string(job.id.rawValue), "name": .string(job.name)]),
            "params": .object(record.params.mapValues { scalar in
                switch scalar {
                case .string(let text): .string(text)
                case .integer(let number): .number(Double(number))
                case .number(let number): .number(number)
                case .bool(let flag): .bool(flag)
                }
            }),
            "steps": .object(steps),
            "event": .null,
        ]
    }

    // MARK: The loop

    /// Fires due jobs until the task is cancelled, sleeping on the clock until the earliest fire,
    /// a retry, or a wake-up (new applied state, a finished run).
    /// - Parameter refresh: called every `pollInterval` while waiting, to pick up a new apply.
    public func run(refresh: (@Sendable () async -> Void)? = nil) async {
        var lastRefresh = clock.now()
        var lastCompaction: Date?
        while !Task.isCancelled && !stopping {
            await fireDue()
            let now = clock.now()
            if lastCompaction.map({ now.timeIntervalSince($0) >= Self.compactionInterval }) ?? true {
                compactHistory(now: now)
                lastCompaction = now
            }
            var deadline = nextDeadline() ?? now.addingTimeInterval(3600)
            if refresh != nil {
                let poll = Double(options.pollInterval.components.seconds) + Double(options.pollInterval.components.attoseconds) / 1e18
                let refreshAt = lastRefresh.addingTimeInterval(poll)
                if refreshAt <= now {
                    await refresh?()
                    lastRefresh = now
                    continue
                }
                deadline = min(deadline, refreshAt)
            }
            guard deadline > now else { continue }
            await sleep(until: deadline)
        }
    }

    /// How often the daemon applies `history: {keepRuns, keepDays}`: at start, then hourly.
    static let compactionInterval: TimeInterval = 3600

    /// Applies the retention of `jobctl.yaml` (`history.keepRuns`, `history.keepDays`) to every
    /// job's history file, by rewrite and rename (appends wait on the file's lock meanwhile).
    @discardableResult
    public func compactHistory(now: Date) -> [HistoryCompactor.Result] {
        guard let settings = state?.definitions.config.history else { return [] }
        let policy = RetentionPolicy(keepRuns: settings.keepRuns, keepDays: settings.keepDays)
        guard !policy.keepsEverything else { return [] }
        do {
            let results = try HistoryCompactor(folder: stores.history).compactAll(policy: policy, now: now)
            let removed = results.reduce(0) { $0 + $1.removed }
            if removed > 0 { log("history retention: removed \(removed) record\(removed == 1 ? "" : "s") (keepRuns \(policy.keepRuns.map(String.init) ?? "-"), keepDays \(policy.keepDays.map(String.init) ?? "-"))") }
            return results
        } catch {
            log("error: history retention: \(error)")
            return []
        }
    }

    /// Waits until `deadline` on the clock, or until `wake()` (a new apply, a finished run, a
    /// retry to schedule), or until the task is cancelled — whichever comes first.
    private func sleep(until deadline: Date) async {
        if pendingWake {
            pendingWake = false
            return
        }
        sleeperID += 1
        let id = sleeperID
        let clock = self.clock
        let timer = Task {
            try? await clock.sleep(until: deadline)
            await self.resumeSleeper(id)
        }
        await withTaskCancellationHandler {
            await withCheckedContinuation { continuation in
                if Task.isCancelled {
                    continuation.resume()
                } else {
                    sleeper = (id, continuation)
                }
            }
        } onCancel: {
            Task { await self.resumeSleeper(id) }
        }
        timer.cancel()
    }

    /// Resumes the sleeper `id` if it is still the one waiting (a late timer of an earlier sleep
    /// must not cut a later one short).
    private func resumeSleeper(_ id: Int) {
        guard let current = sleeper, current.id == id else { return }
        sleeper = nil
        current.continuation.resume()
    }

    private func wake() {
        if let current = sleeper {
            sleeper = nil
            current.continuation.resume()
        } else {
            pendingWake = true
        }
    }

    private func nextDeadline() -> Date? {
        let fire = queue.peek()?.runAt
        let retry = retries.map(\.at).min()
        return [fire, retry].compactMap { $0 }.min()
    }

    /// Starts (or records) every fire and retry that is due now. Exposed for tests that step the clock.
    public func fireDue() async {
        guard !stopping, let state else { return }
        let now = clock.now()
        for fire in queue.popDue(at: now) {
            guard let job = state.definitions.jobs[fire.job] else { continue }
            scheduleNext(job, after: fire.scheduledFor)
            let claimed: Bool
            do {
                claimed = try await stores.claims.claim(job: fire.job.rawValue, scheduledFor: fire.scheduledFor)
            } catch {
                log("error: cannot claim the fire of \(fire.job) at \(RecordTime.string(fire.scheduledFor)): \(error)")
                continue
            }
            guard claimed else { continue }
            for plan in fanOut(job, trigger: .schedule, scheduledFor: fire.scheduledFor) {
                await request(plan, claimed: true, runAt: fire.runAt)
            }
        }
        let due = retries.filter { $0.at <= now }
        retries.removeAll { $0.at <= now }
        for retry in due {
            await request(retry.plan, claimed: true)
        }
    }

    /// One plan per matrix combination (or one plan), with defaults filled in.
    private func fanOut(_ job: JobDefinition, trigger: Trigger, scheduledFor: Date?, parameters: [String: ParameterValue] = [:], event: Value = .null) -> [RunPlan] {
        var base: [String: ParameterValue] = [:]
        for parameter in job.parameters {
            if let value = parameters[parameter.name] ?? parameter.defaultValue { base[parameter.name] = value }
        }
        let axes = job.matrix.filter { parameters[$0.parameter] == nil }
        guard !axes.isEmpty else {
            return [RunPlan(job: job.id, trigger: trigger, scheduledFor: scheduledFor, parameters: base, event: event)]
        }
        var combinations: [[String: ParameterValue]] = [[:]]
        for axis in axes {
            combinations = combinations.flatMap { partial in axis.values.map { partial.merging([axis.parameter: $0]) { $1 } } }
        }
        return combinations.enumerated().map { index, combination in
            let key = axes.map { "\($0.parameter)=\(combination[$0.parameter]!)" }.joined(separator: ",")
            return RunPlan(job: job.id, trigger: trigger, scheduledFor: scheduledFor, parameters: base.merging(combination) { $1 },
                           fanout: Fanout(index: index, of: combinations.count, key: key), event: event)
        }
    }

    // MARK: Deciding whether a run starts

    /// Applies the rate limit, the concurrency policy and the global limit to a run that is due,
    /// then starts it or records why it did not start.
    @discardableResult
    private func request(_ plan: RunPlan, claimed: Bool, runAt: Date? = nil) async -> Result<String?, TriggerRefusal> {
        guard let job = plan.definitionOverride ?? state?.definitions.jobs[plan.job] else {
            return .failure(TriggerRefusal(reason: .unknownJob, message: "no applied job '\(plan.job)'"))
        }
        let now = clock.now()
        if let limit = job.rateLimit, plan.trigger != .retry {
            var window = rateWindows[job.id] ?? RateWindow(limit: limit)
            let admitted = window.admit(at: now)
            rateWindows[job.id] = window
            if !admitted {
                let message = "rate limit of \(limit.max) per \(limit.per) reached; next run possible at \(RecordTime.string(window.nextAdmission(after: now)))"
                await record(plan, status: .rateLimited, warning: message, now: now)
                return .failure(TriggerRefusal(reason: .rateLimited, message: message))
            }
        }
        let running = runs(of: job.id)
        let sameFanout = plan.fanout != nil && running.contains { $0.value.plan.scheduledFor == plan.scheduledFor && $0.value.plan.fanout != nil && $0.value.plan.trigger == plan.trigger }
        if !running.isEmpty && !sameFanout && plan.trigger != .retry {
            let inProgress = running.map(\.key).sorted()
            switch job.concurrency {
            case .allow:
                break
            case .skip:
                let message = "skipped: run \(inProgress[0]) of \(job.id) is still in progress (concurrency: skip)"
                await record(plan, status: .skipped, warning: message, now: now)
                return .failure(TriggerRefusal(reason: .concurrency, message: message, runInProgress: inProgress[0]))
            case .replace:
                for id in inProgress {
                    active[id]?.replacedBy = "a newer \(plan.trigger.rawValue) run"
                    active[id]?.task.cancel()
                }
            case .queue:
                if let waiting = queuedForJob[job.id] {
                    let message = "skipped: a run of \(job.id) is already queued behind run \(inProgress[0]) (concurrency: queue holds one)"
                    _ = waiting
                    await record(plan, status: .skipped, warning: message, now: now)
                    return .failure(TriggerRefusal(reason: .concurrency, message: message, runInProgress: inProgress[0]))
                }
                queuedForJob[job.id] = plan
                return .success(nil)
            }
        }
        if active.count >= options.maxConcurrent {
            waitingForSlot.append(plan)
            return .success(nil)
        }
        return .success(await start(plan, job: job, runAt: runAt))
    }

    private func runs(of job: JobID) -> [(key: String, value: ActiveRun)] {
        active.filter { $0.value.plan.job == job }.map { ($0.key, $0.value) }
    }

    /// Records a fire that was decided not to run.
    private func record(_ plan: RunPlan, status: RunStatus, warning: String, now: Date) async {
        let record = RunRecord(run: ids.next(at: now), job: plan.job.rawValue, trigger: plan.trigger, status: status,
                               scheduledFor: plan.scheduledFor, finishedAt: now, attempt: plan.attempt, params: plan.recordedParameters,
                               fanout: plan.fanout, commit: state?.commit, warnings: plan.warnings + [warning], node: options.node)
        log("warning: \(plan.job): \(warning)")
        await append(record)
    }

    private func append(_ record: RunRecord) async {
        do {
            try await stores.recorder.append(record)
        } catch {
            log("error: cannot append the record of run \(record.run) of \(record.job): \(error)")
        }
    }

    // MARK: Running

    private func start(_ plan: RunPlan, job: JobDefinition, runAt: Date?) async -> String? {
        let now = clock.now()
        let runID = ids.next(at: now)
        let logRelative = (try? stores.history.relativeLogPath(job: job.id.rawValue, run: runID))
        let logPath = (try? stores.history.logFile(job: job.id.rawValue, run: runID)) ?? root + "/history/\(runID).log"
        let marker = InFlightRun(run: runID, job: job.id.rawValue, trigger: plan.trigger, status: .pending, scheduledFor: plan.scheduledFor,
                                 startedAt: now, attempt: plan.attempt, params: plan.recordedParameters, fanout: plan.fanout,
                                 commit: state?.commit, log: logRelative, node: options.node)
        do {
            try await stores.inFlight.begin(marker)
        } catch {
            let message = "cannot record the run as in flight, so it was not started: \(error)"
            await append(RunRecord(run: runID, job: job.id.rawValue, trigger: plan.trigger, status: .failed, scheduledFor: plan.scheduledFor,
                                   startedAt: now, finishedAt: now, durationMs: 0, attempt: plan.attempt, params: plan.recordedParameters,
                                   fanout: plan.fanout, commit: state?.commit, error: message, node: options.node))
            return nil
        }
        let context = RunContext(runID: runID, plan: plan, job: job, config: state?.definitions.config ?? RepositoryConfig(),
                                 commit: state?.commit, root: root, logPath: logPath)
        let performer = self.performer
        let inFlight = stores.inFlight
        let clock = self.clock
        let measureLag = recordsDispatchLag
        let task = Task {
            let result = await performer.perform(context) { identity in
                if measureLag, let runAt {
                    let lag = Date().timeIntervalSince(runAt)
                    Task { await self.noteLag(lag) }
                }
                var updated = marker
                updated.status = .running
                updated.process = identity
                Task { try? await inFlight.update(updated) }
            }
            _ = clock
            await self.finished(runID, context: context, result: result)
        }
        active[runID] = ActiveRun(plan: plan, task: task, startedAt: now)
        return runID
    }

    private func noteLag(_ seconds: Double) {
        dispatchLags.append(seconds)
    }

    private func finished(_ runID: String, context: RunContext, result: RunResult) async {
        let plan = context.plan
        var warnings = plan.warnings + result.warnings
        if let replacedBy = active[runID]?.replacedBy, result.status == .cancelled {
            warnings.append("cancelled: replaced by \(replacedBy) (concurrency: replace)")
        }
        let record = RunRecord(
            run: runID, job: plan.job.rawValue, trigger: plan.trigger, status: result.status,
            scheduledFor: plan.scheduledFor, startedAt: result.startedAt, finishedAt: result.finishedAt,
            durationMs: max(0, RecordTime.milliseconds(result.finishedAt) - RecordTime.milliseconds(result.startedAt)),
            exitCode: result.exitCode, attempt: plan.attempt, params: plan.recordedParameters, fanout: plan.fanout,
            commit: context.commit, steps: result.steps, error: result.error, warnings: warnings,
            log: try? stores.history.relativeLogPath(job: plan.job.rawValue, run: runID), node: options.node)
        await append(record)
        try? await stores.inFlight.finish(run: runID)
        active[runID] = nil
        let job = context.job

        if (result.status == .failed || result.status == .timedOut) && plan.attempt <= job.retries.max && !stopping {
            var retry = plan
            retry.attempt += 1
            retry.trigger = .retry
            let delay = job.retries.delay(beforeRetry: plan.attempt)
            retries.append((clock.now().addingTimeInterval(delay.seconds), retry))
        }
        if let until = job.until, until.isSatisfied(by: Self.untilContext(job: job, record: record)) {
            completedJobs.insert(job.id)
            queue.remove(job.id)
            log("\(job.id): until (\(until.source)) holds after run \(runID); the job is completed and fires no more")
        }
        if result.status == .completed, plan.definitionOverride == nil, let definitions = state?.definitions {
            for dependent in (dependents[job.id] ?? []).compactMap({ definitions.jobs[$0] }) where dependent.enabled {
                for dependentPlan in fanOut(dependent, trigger: .dependency, scheduledFor: nil) {
                    var withNote = dependentPlan
                    withNote.warnings = []
                    await request(withNote, claimed: true)
                }
            }
        }
        if let queued = queuedForJob[job.id], runs(of: job.id).isEmpty {
            queuedForJob[job.id] = nil
            await request(queued, claimed: true)
        }
        while active.count < options.maxConcurrent, !waitingForSlot.isEmpty {
            let next = waitingForSlot.removeFirst()
            await request(next, claimed: true)
        }
        if active.isEmpty { releaseIdleWaiters() }
        wake()
    }

    // MARK: Requests from outside (CLI, API, events)

    /// Starts a run of an applied job now (or queues it, per the job's concurrency policy).
    /// - Parameters:
    ///   - parameters: raw values (`--param market=NL`, API JSON), checked against the job's params.
    /// - Returns: the ids of the runs started (several for a matrix fan-out; empty when queued).
    /// - Throws: `TriggerRefusal` for an unknown job, invalid parameters, a concurrency refusal or a rate limit.
    public func trigger(_ id: JobID, trigger: Trigger, parameters: [String: ParameterValue] = [:], event: Value = .null, definitionOverride: JobDefinition? = nil) async throws(TriggerRefusal) -> [String] {
        guard !stopping else { throw TriggerRefusal(reason: .stopping, message: "jobctl is stopping") }
        guard let job = definitionOverride ?? state?.definitions.jobs[id] else {
            let known = state?.definitions.invalidJobs.contains(id) == true ? " (its file is invalid)" : ""
            throw TriggerRefusal(reason: .unknownJob, message: "no applied job '\(id)'\(known)")
        }
        for (name, value) in parameters {
            guard let parameter = job.parameter(named: name) else {
                let names = job.parameters.map(\.name)
                throw TriggerRefusal(reason: .invalidParameters, message: names.isEmpty ? "job '\(id)' has no parameters; '\(name)' is unknown" : "unknown parameter '\(name)'; '\(id)' has \(names.joined(separator: ", "))")
            }
            if let problem = parameter.problem(with: value) {
                throw TriggerRefusal(reason: .invalidParameters, message: problem)
            }
        }
        for parameter in job.parameters where parameter.required && parameters[parameter.name] == nil && parameter.defaultValue == nil {
            throw TriggerRefusal(reason: .invalidParameters, message: "parameter '\(parameter.name)' is required")
        }
        var started: [String] = []
        for var plan in fanOut(job, trigger: trigger, scheduledFor: nil, parameters: parameters, event: event) {
            plan.definitionOverride = definitionOverride
            switch await request(plan, claimed: false) {
            case .success(let runID):
                if let runID { started.append(runID) }
            case .failure(let refusal):
                if started.isEmpty { throw refusal }
            }
        }
        return started
    }

    /// Cancels a run in progress: its process group is torn down and it is recorded `cancelled`.
    /// - Returns: false when no such run is in progress.
    @discardableResult
    public func cancel(run: String) -> Bool {
        guard let entry = active[run] else { return false }
        entry.task.cancel()
        return true
    }

    /// Waits until no run is in progress.
    public func waitUntilIdle() async {
        if active.isEmpty && waitingForSlot.isEmpty && queuedForJob.isEmpty { return }
        await withCheckedContinuation { idleWaiters.append($0) }
    }

    private func releaseIdleWaiters() {
        let waiters = idleWaiters
        idleWaiters = []
        for waiter in waiters { waiter.resume() }
    }

    /// Stops firing: `run()` returns soon after. Runs in progress go on.
    public func beginStopping() {
        stopping = true
        wake()
    }

    /// Stops firing, lets runs finish for up to `grace`, then cancels the rest (recorded `cancelled`).
    public func shutdown(grace: Duration) async {
        stopping = true
        wake()
        let deadline = clock.now().addingTimeInterval(Double(grace.components.seconds) + Double(grace.components.attoseconds) / 1e18)
        let clock = self.clock
        if !active.isEmpty {
            let timer = Task {
                try? await clock.sleep(until: deadline)
                await self.releaseIdleWaiters()
            }
            await waitUntilIdle()
            timer.cancel()
        }
        let remaining = active.values.map(\.task)
        for task in remaining { task.cancel() }
        for task in remaining { await task.value }
        releaseIdleWaiters()
    }

    /// Records an event that a job's filter did not let through; returns the record's run id.
    func recordFiltered(_ job: JobDefinition, type: String, filter: Condition, parameters: [String: ParameterValue]) async -> String {
        let now = clock.now()
        let runID = ids.next(at: now)
        var values: [String: ParameterValue] = [:]
        for parameter in job.parameters {
            if let value = parameters[parameter.name] ?? parameter.defaultValue { values[parameter.name] = value }
        }
        await append(RunRecord(run: runID, job: job.id.rawValue, trigger: .event, status: .filtered, finishedAt: now,
                               params: values.mapValues(\.jsonScalar), commit: state?.commit,
                               warnings: ["event '\(type)' did not pass the filter: \(filter.source)"], node: options.node))
        return runID
    }

    // MARK: Introspection

    public struct RunningRun: Sendable {
        public var run: String
        public var job: JobID
        public var trigger: Trigger
        public var startedAt: Date
    }

    public var runningRuns: [RunningRun] {
        active.map { RunningRun(run: $0.key, job: $0.value.plan.job, trigger: $0.value.plan.trigger, startedAt: $0.value.startedAt) }.sorted { $0.run < $1.run }
    }

    public func nextFire(of job: JobID) -> DueFire? {
        queue.fire(for: job)
    }

    public func isCompleted(_ job: JobID) -> Bool {
        completedJobs.contains(job)
    }

    public var jobs: [JobDefinition] { state?.definitions.sortedJobs ?? [] }
}

