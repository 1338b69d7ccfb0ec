public import Foundation
public import Definitions
public import Expressions
public import History

/// What happened to one job for an incoming event.
public struct EventDecision: Sendable {
    public enum Outcome: Sendable {
        /// The filter passed (or there is none): these runs started (empty when queued).
        case started([String])
        /// The filter was false; the event was recorded `filtered` as this run id.
        case filtered(run: String)
        /// The filter passed but the run did not start (concurrency, rate limit, parameters).
        case refused(TriggerRefusal)
    }

    public var job: JobID
    public var outcome: Outcome
}

extension Scheduler {
    // MARK: Requests from outside (CLI, API, events)

    /// Starts a run of an applied job now (or queues it, per the job's concurrency policy).
    /// - Parameters:
    ///   - parameters: values as the caller gave them, checked by ``ParameterResolver``.
    ///   - definitionOverride: run this definition instead of the applied one (`run --draft`,
    ///     `rerun --at-commit`), with `overrideCommit` the commit it was read from (nil: the working tree).
    ///   - force: start even when the rate limit is reached (recorded as a warning).
    /// - Returns: the ids of the runs started (several for a matrix fan-out; empty when queued).
    /// - Throws: `TriggerRefusal` for an unknown job, invalid parameters, a concurrency refusal or a rate limit.
    public func trigger(_ id: JobID, trigger: Trigger, parameters: [String: ParameterInput] = [:], event: Value = .null,
                        definitionOverride: JobDefinition? = nil, overrideCommit: String? = nil, force: Bool = false, rerunOf: String? = nil,
                        requestedBy: String? = nil) async throws(TriggerRefusal) -> [String] {
        guard !stopping else { throw TriggerRefusal(reason: .stopping, message: "jobctl is stopping") }
        guard let job = definitionOverride ?? state?.definitions.jobs[id] else {
            let known = state?.definitions.invalidJobs.contains(id) == true ? " (its file is invalid)" : ""
            throw TriggerRefusal(reason: .unknownJob, message: "no applied job '\(id)'\(known)")
        }
        let values: [String: ParameterValue]
        do {
            values = try ParameterResolver(job: job).resolve(parameters)
        } catch {
            throw TriggerRefusal(reason: .invalidParameters, message: error.message)
        }
        var plans = FanOut.plans(job, trigger: trigger, scheduledFor: nil, parameters: values, explicit: Set(parameters.keys),
                                 event: event, group: ids.next(at: clock.now()))
        for index in plans.indices {
            plans[index].definitionOverride = definitionOverride
            plans[index].overrideCommit = definitionOverride == nil ? nil : overrideCommit
            plans[index].force = force
            plans[index].rerunOf = rerunOf
            plans[index].requestedBy = requestedBy
        }
        var started: [String] = []
        var refusals: [TriggerRefusal] = []
        let outcomes = await submit(plans, job: job)
        for outcome in outcomes {
            switch outcome {
            case .started(let run): started.append(run)
            case .waiting: break
            case .refused(let refused): refusals.append(refused)
            }
        }
        // Refused only when no run of the request started or waits to start.
        if refusals.count == outcomes.count, let first = refusals.first { throw first }
        return started
    }

    /// Re-runs a recorded run (see ``RerunSource``): its job as applied now, with its parameters and
    /// matrix cell, replaying its event's payload; trigger `rerun`, the record's `rerunOf` naming it.
    /// Policies (concurrency, rate limit) hold as for any run. With `atCommit`, the definition of
    /// the original run's commit is read from git and run instead of the applied one.
    public func rerun(_ run: String, atCommit: Bool = false, requestedBy: String? = nil) async throws(TriggerRefusal) -> [String] {
        let source: RerunSource
        do { source = try RerunSource.load(run: run, history: tracker.history) } catch {
            throw TriggerRefusal(reason: error.reason == .unknownRun ? .unknownRun : .notRunnable, message: error.message)
        }
        var definition: (job: JobDefinition, commit: String)?
        if atCommit {
            do { definition = try source.definitionAtItsCommit(root: root) } catch {
                throw TriggerRefusal(reason: .notRunnable, message: error.message)
            }
        }
        return try await trigger(source.job, trigger: .rerun, parameters: source.parameters, event: source.event,
                                 definitionOverride: definition?.job, overrideCommit: definition?.commit, rerunOf: run, requestedBy: requestedBy)
    }

    /// Offers an event to every applied, enabled job whose `on.events` lists `type` (or, with
    /// `only`, to those jobs whatever they list: a signed webhook names its job; a token limited
    /// to some jobs offers it to those). Each job's `filter` is evaluated with `event` = the
    /// payload; those that pass run (trigger `event`), those that do not are recorded `filtered`.
    public func dispatchEvent(type: String, payload: Value, parameters: [String: ParameterInput] = [:], only: Set<JobID>? = nil,
                              requestedBy: String? = nil) async -> [EventDecision] {
        let candidates = jobs.filter { job in
            guard job.enabled else { return false }
            if let only { return only.contains(job.id) && (only.count == 1 || job.events.contains(type)) }
            return job.events.contains(type)
        }
        var decisions: [EventDecision] = []
        for job in candidates {
            if let filter = job.filter {
                let values = (try? ParameterResolver(job: job).resolve(parameters)) ?? [:]
                let context = ExpressionContext(job: job, run: .init(trigger: Trigger.event.rawValue), params: values, event: payload)
                if !filter.isSatisfied(by: context.values) {
                    let run = await recordFiltered(job, type: type, filter: filter, parameters: values, payload: payload, requestedBy: requestedBy)
                    decisions.append(EventDecision(job: job.id, outcome: .filtered(run: run)))
                    continue
                }
            }
            do {
                let runs = try await trigger(job.id, trigger: .event, parameters: parameters, event: payload, requestedBy: requestedBy)
                decisions.append(EventDecision(job: job.id, outcome: .started(runs)))
            } catch {
                decisions.append(EventDecision(job: job.id, outcome: .refused(error)))
            }
        }
        return decisions
    }

    /// Records an event that a job's filter did not let through; returns the record's run id.
    private func recordFiltered(_ job: JobDefinition, type: String, filter: Condition, parameters: [String: ParameterValue], payload: Value,
                                requestedBy: String?) async -> String {
        let now = clock.now()
        let runID = ids.next(at: now)
        let event = await keepEvent(payload, job: job, run: runID)
        let record = RunRecord(run: runID, job: job.id.rawValue, trigger: .event, status: .filtered, finishedAt: now,
                               params: parameters.mapValues(\.jsonScalar), commit: state?.commit,
                               warnings: ["event '\(type)' did not pass the filter: \(filter.source)"], event: event, requestedBy: requestedBy,
                               node: options.node)
        await tracker.record(record)
        announce(record, job: job)
        return runID
    }

    /// Cancels a run in progress: its process group is torn down and it is recorded `cancelled`.
    /// - Returns: false when no such run is in progress.
    @discardableResult
    public func cancel(run: String, requestedBy: String? = nil) async -> Bool {
        if let entry = active[run] {
            if let requestedBy { active[run]?.cancelledBy = requestedBy }
            entry.task.cancel()
            return true
        }
        // Cluster mode: the node holding it cancels it within a second.
        guard let cluster = tracker.cluster else { return false }
        return (try? await cluster.requestCancel(run: run, by: requestedBy ?? "a cancel request")) ?? false
    }

    /// A run in progress here or, in cluster mode, on any node: its job, and the node running it.
    public func runInProgress(_ run: String) async -> (job: String, node: String?)? {
        if let entry = active[run] { return (entry.plan.job.rawValue, options.node) }
        guard let cluster = tracker.cluster, let found = try? await cluster.inProgress(run: run) else { return nil }
        return (found.job, found.node)
    }

    /// Cluster mode: cancels the runs of this node that other nodes asked to cancel.
    func honourCancellations(_ cluster: any ClusterCoordination) async {
        let requests: [String: String]
        do { requests = try await cluster.cancellationsRequested() } catch { return }
        for (run, by) in requests where active[run] != nil && active[run]?.task.isCancelled == false {
            if by.hasPrefix("replace:") {
                active[run]?.replacedBy = String(by.dropFirst("replace:".count))
            } else {
                active[run]?.cancelledBy = by
            }
            active[run]?.task.cancel()
        }
    }

    /// Waits until no run is in progress, waiting to start, or having its record appended.
    public func waitUntilIdle() async {
        if isIdle { return }
        await withCheckedContinuation { idleWaiters.append($0) }
    }

    /// Stops firing: `run()` returns soon after. Runs in progress go on.
    /// No run in progress, waiting, or being recorded: every marker of this scheduler's runs is gone.
    var isIdle: Bool { active.isEmpty && waitingForSlot.isEmpty && queued.isEmpty && finishing == 0 }

    public func beginStopping() {
        stopping = true
        alarm.ring()
    }

    /// Stops firing, lets runs finish for up to `grace`, then cancels the rest (recorded `cancelled`).
    public func shutdown(grace: Duration) async {
        beginStopping()
        queued = [:]
        waitingForSlot = []
        await endAllPauseGaps()
        if !active.isEmpty {
            let clock = self.clock
            let deadline = clock.now().addingTimeInterval(grace.seconds)
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
        tracker.stop()
    }

    // MARK: Introspection

    public struct RunningRun: Sendable {
        public var run: String
        public var job: JobID
        public var trigger: Trigger
        public var startedAt: Date
        /// Which run of a fan-out it is.
        public var fanout: Fanout?
    }

    public var runningRuns: [RunningRun] {
        active.map { RunningRun(run: $0.key, job: $0.value.plan.job, trigger: $0.value.plan.trigger, startedAt: $0.value.startedAt, fanout: $0.value.plan.fanout) }
            .sorted { $0.run < $1.run }
    }

    /// A fan-out in progress: how many of its runs ended (and how), run, and wait for `maxParallel`.
    public struct FanOutState: Sendable, Encodable {
        public var group: String
        public var job: JobID
        public var size: Int
        /// `maxParallel` (the size when the job sets none).
        public var limit: Int
        public var running: Int
        public var waiting: Int
        public var completed: Int
        /// Ended otherwise: failed, timed out, cancelled, skipped...
        public var notCompleted: Int
    }

    /// The fan-outs with runs running or waiting, oldest first.
    public var fanOutsInProgress: [FanOutState] {
        fanOuts.groups.map { id, group in
            let completed = group.outcomes.values.filter { $0.status == .completed }.count
            return FanOutState(group: id, job: group.job, size: group.size, limit: group.limit, running: group.running, waiting: group.waiting.count,
                               completed: completed, notCompleted: group.outcomes.count - completed)
        }.sorted { $0.group < $1.group }
    }

    public func nextFire(of job: JobID) -> DueFire? {
        queue.fire(for: job)
    }

    public func isCompleted(_ job: JobID) -> Bool {
        completedJobs.contains(job)
    }

    public var jobs: [JobDefinition] { sortedJobs }

    /// One applied job by id (a dictionary lookup); nil when it is not applied.
    public func job(_ id: JobID) -> JobDefinition? { state?.definitions.jobs[id] }

    /// What the scheduler knows of one job now, beside its definition: its next fire, whether it
    /// completed, whether a run is in progress, its pause.
    public struct JobLiveState: Sendable {
        public var next: DueFire?
        public var completed: Bool
        public var running: Bool
        public var pause: JobPause?
    }

    /// Every applied job (in id order) with its live state, read in one call. The definitions
    /// are the array kept since the last load (shared, not copied): copying 10,000 definitions per
    /// request was most of a list's time.
    public var jobSnapshots: (jobs: [JobDefinition], states: [JobLiveState]) {
        let running = Set(active.values.map(\.plan.job))
        let paused = pausedJobs
        return (sortedJobs, sortedJobs.map { job in
            JobLiveState(next: queue.fire(for: job.id), completed: completedJobs.contains(job.id),
                         running: running.contains(job.id), pause: paused[job.id.rawValue])
        })
    }
}
