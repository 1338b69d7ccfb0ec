import Foundation
import Definitions
import Execution
import Expressions
import History

/// How one run request ended up.
enum RequestOutcome: Sendable {
    case started(String)
    /// Waiting: behind the run in progress (`queue`), for a slot, or for `maxParallel`.
    case waiting
    case refused(TriggerRefusal)
}

extension Scheduler {
    // MARK: Deciding whether a run starts

    /// Requests the runs of one fire or request: a fan-out starts at most `maxParallel` of them
    /// at once, the rest as earlier ones end.
    @discardableResult
    func submit(_ plans: [RunPlan], job: JobDefinition) async -> [RequestOutcome] {
        let now = fanOuts.begin(plans, limit: job.maxParallel)
        var outcomes: [RequestOutcome] = []
        for plan in now { outcomes.append(await request(plan, job: job)) }
        return outcomes + Array(repeating: .waiting, count: plans.count - now.count)
    }

    /// Asks ``Admission`` (through the tracker, under the root's admission lock) whether the run may
    /// start, and starts it, queues it or records why it did not start.
    func request(_ plan: RunPlan, job: JobDefinition) async -> RequestOutcome {
        await takeAdmissionTurn()
        let now = clock.now()
        let runID = ids.next(at: now)
        let marker = InFlightRun(run: runID, job: job.id.rawValue, trigger: plan.trigger, status: .pending, scheduledFor: plan.scheduledFor,
                                 startedAt: now, attempt: plan.attempt, params: plan.recordedParameters, fanout: plan.fanout,
                                 commit: plan.definitionOverride == nil ? state?.commit : plan.overrideCommit,
                                 log: try? tracker.history.relativeLogPath(job: job.id.rawValue, run: runID), node: options.node,
                                 owner: ProcessIdentity.current, hasEvent: plan.event != .null, ownDefinition: plan.definitionOverride != nil)
        let queueIsFull = queued[job.id].map { waiting in waiting.first?.group == nil || waiting.first?.group != plan.group } ?? false
        let decision = await tracker.admit(RunTracker.Request(
            job: job, plan: plan, marker: marker, unfinishedGroups: fanOuts.unfinishedGroups(of: job.id), queueIsFull: queueIsFull,
            running: active.count, maxConcurrent: options.maxConcurrent, now: now))
        var outcome = RequestOutcome.waiting
        switch decision {
        case .start:
            start(plan, job: job, marker: marker)
            outcome = .started(runID)
        case .startReplacing(let runs):
            for run in runs {
                active[run]?.replacedBy = "a newer \(plan.trigger.rawValue) run"
                active[run]?.task.cancel()
            }
            for dropped in fanOuts.dropWaiting(job: job.id, keeping: plan.group) {
                await recordDecision(dropped, status: .skipped, message: "skipped: its fan-out was replaced by a newer \(plan.trigger.rawValue) run (concurrency: replace)")
            }
            start(plan, job: job, marker: marker)
            outcome = .started(runID)
        case .queue:
            queued[job.id, default: []].append(plan)
        case .queuedInCluster:
            log("\(job.id): a \(plan.trigger.rawValue) run waits in the cluster's queue behind the run in progress (concurrency: queue)")
        case .waitForSlot:
            waitingForSlot.append(plan)
        case .refuse:
            break
        case .abandon(let message):
            log("warning: \(plan.job): a \(plan.trigger.rawValue) run was not started here: \(message)")
            outcome = .refused(TriggerRefusal(reason: .notRunnable, message: message))
        }
        endAdmissionTurn()
        guard case .refuse(let status, let message, let runInProgress) = decision else { return outcome }
        await recordDecision(plan, status: status, message: message)
        await ended(plan, job: job, run: runID, status: status)
        let reason: TriggerRefusal.Reason = switch status {
        case .rateLimited: .rateLimited
        case .skipped: .concurrency
        default: .notRunnable
        }
        return .refused(TriggerRefusal(reason: reason, message: message, runInProgress: runInProgress))
    }

    private func takeAdmissionTurn() async {
        guard admitting else {
            admitting = true
            return
        }
        await withCheckedContinuation { admissionWaiters.append($0) }
    }

    private func endAdmissionTurn() {
        if admissionWaiters.isEmpty {
            admitting = false
        } else {
            admissionWaiters.removeFirst().resume()
        }
    }

    /// Records a run that was decided not to start: the reason is its `error` when it is blocked
    /// (a job it needs failed), else a warning (skipped, rate limited: policies doing their job).
    func recordDecision(_ plan: RunPlan, status: RunStatus, message: String) async {
        let now = clock.now()
        let run = ids.next(at: now)
        log("warning: \(plan.job): \(message)")
        let job = plan.definitionOverride ?? state?.definitions.jobs[plan.job]
        let event = await keepEvent(plan.event, job: job, run: run)
        let record = RunRecord(
            run: run, job: plan.job.rawValue, trigger: plan.trigger, status: status, scheduledFor: plan.scheduledFor,
            finishedAt: now, attempt: plan.attempt, params: plan.recordedParameters, fanout: plan.fanout, commit: state?.commit,
            error: status == .blocked ? message : nil, warnings: plan.warnings + (status == .blocked ? [] : [message]), event: event,
            rerunOf: plan.rerunOf, requestedBy: plan.requestedBy, node: options.node)
        await tracker.record(record)
        announce(record, job: job)
    }

    /// Tells the notifiers that listen for it about a trouble of the daemon itself
    /// (`apply_refused`, `history_write_failed`), with the applied configuration's notifiers.
    public func daemonTrouble(_ event: String, message: String) {
        notifications?.daemonEvent(event, message: message, node: options.node, config: state?.definitions.config ?? RepositoryConfig())
    }

    /// Hands a written record to the notifications (which send in the background).
    func announce(_ record: RunRecord, job: JobDefinition?) {
        guard let notifications, let job else { return }
        notifications.recordWritten(record, job: job, config: state?.definitions.config ?? RepositoryConfig())
    }

    /// Keeps the payload of the event behind a run or decision beside its log (nothing for runs
    /// that no event triggered); the file relative to the root, for the record.
    func keepEvent(_ payload: Value, job: JobDefinition?, run: String) async -> String? {
        if case .null = payload { return nil }
        guard let job else { return nil }
        return await tracker.keepEvent(EventPayload.contents(payload, job: job, secrets: performer.secrets), job: job.id.rawValue, run: run)
    }

    // MARK: Running

    private func start(_ plan: RunPlan, job: JobDefinition, marker: InFlightRun) {
        dependencies.ran(job.id)
        let logPath = (try? tracker.history.logFile(job: job.id.rawValue, run: marker.run)) ?? root + "/history/\(marker.run).log"
        let context = RunContext(runID: marker.run, plan: plan, job: job, config: state?.definitions.config ?? RepositoryConfig(),
                                 commit: marker.commit, root: root, logPath: logPath)
        let performer = self.performer
        let tracker = self.tracker
        let runID = marker.run
        let task = Task {
            let event = await self.keepEvent(plan.event, job: job, run: runID)
            let result = await performer.perform(context) { process in
                tracker.childStarted(run: runID, process: process)
            }
            await self.finished(runID, context: context, result: result, event: event)
        }
        active[runID] = ActiveRun(plan: plan, job: job, task: task, startedAt: marker.startedAt ?? clock.now())
    }

    private func finished(_ runID: String, context: RunContext, result: RunResult, event: String?) async {
        // Before the record becomes visible: a retry's wait counts from here.
        let now = clock.now()
        let plan = context.plan
        let job = context.job
        var warnings = plan.warnings + result.warnings
        if let replacedBy = active[runID]?.replacedBy, result.status == .cancelled {
            warnings.append("cancelled: replaced by \(replacedBy) (concurrency: replace)")
        }
        if let cancelledBy = active[runID]?.cancelledBy, result.status == .cancelled { warnings.append("cancelled by \(cancelledBy)") }
        if plan.force { warnings.append("started with --force: the rate limit was not applied") }
        // The report (an agent step's output) is kept beside the log before the record names it.
        var report: String?
        if let output = result.output {
            report = await tracker.keep(Array(output.utf8), as: .report, job: plan.job.rawValue, run: runID)
        }
        let record = RunRecord(
            run: runID, job: plan.job.rawValue, trigger: plan.trigger, status: result.status,
            scheduledFor: plan.scheduledFor, startedAt: result.startedAt, finishedAt: result.finishedAt,
            durationMs: max(0, RecordTime.milliseconds(result.finishedAt) - RecordTime.milliseconds(result.startedAt)),
            exitCode: result.exitCode, attempt: plan.attempt, params: plan.recordedParameters, fanout: plan.fanout,
            commit: context.commit, steps: result.steps, error: result.error, warnings: warnings,
            log: try? tracker.history.relativeLogPath(job: plan.job.rawValue, run: runID), event: event, report: report,
            rerunOf: plan.rerunOf, requestedBy: plan.requestedBy, node: options.node)
        // Cluster mode: a retry to come is queued in the cluster with the record, for any node
        // (even when this one is stopping); only what must stay here waits here.
        let retrying = (result.status == .failed || result.status == .timedOut) && plan.attempt <= job.retries.max
        let retryInCluster = retrying && tracker.cluster != nil && plan.staysOnItsNode == nil
        if retryInCluster { tracker.cluster?.queueRetry(ofRun: runID) }
        // In one turn of the actor: the run leaves the runs in progress as its record becomes
        // readable through the tracker, so a reader sees one or the other, never neither.
        tracker.handOver(record)
        active[runID] = nil
        finishing += 1
        await tracker.finish(record)
        finishing -= 1
        announce(record, job: job)

        if retryInCluster {
            // Its end (dependents, the fan-out) comes with the retry's, on the node that runs it.
        } else if retrying && !stopping {
            var retry = plan
            retry.attempt += 1
            retry.trigger = .retry
            retries.append((now.addingTimeInterval(job.retries.delay(beforeRetry: plan.attempt).seconds), retry))
        } else {
            if let until = job.until, until.isSatisfied(by: HistoryFacts.untilContext(job: job, record: record).values) {
                completedJobs.insert(job.id)
                queue.remove(job.id)
                log("\(job.id): until (\(until.source)) holds after run \(runID); the job is completed and fires no more")
            }
            await ended(plan, job: job, run: runID, status: result.status)
        }
        // Cluster mode: a run of the job may wait in the cluster's queue; look now, not in a second.
        if tracker.cluster != nil { nextQueuePoll = .distantPast }
        if let waiting = queued[job.id], !active.values.contains(where: { $0.plan.job == job.id }) {
            queued[job.id] = nil
            await submit(waiting, job: job)
        }
        while active.count < options.maxConcurrent, !waitingForSlot.isEmpty {
            let next = waitingForSlot.removeFirst()
            if let nextJob = next.definitionOverride ?? state?.definitions.jobs[next.job] { _ = await request(next, job: nextJob) }
        }
        if isIdle { releaseIdleWaiters() }
        alarm.ring()
    }

    /// A run ended for good (after its retries), or did not start: the next run of its fan-out
    /// starts, and when the fan-out (or the single run) is over, its dependents learn of it: a
    /// success when every run completed, a failure naming the first run that did not. Runs that
    /// never started (skipped, rate limited) are neither.
    func ended(_ plan: RunPlan, job: JobDefinition, run: String, status: RunStatus) async {
        var runs = [run], statuses = [status]
        if plan.group != nil {
            let (next, finished) = fanOuts.ended(plan, run: run, status: status)
            if let next { _ = await request(next, job: job) }
            guard let finished else { return }
            (runs, statuses) = (finished.runs, finished.statuses)
            notifications?.fanOutEnded(runs: runs.filter { !$0.isEmpty }, job: job, config: state?.definitions.config ?? RepositoryConfig())
        }
        guard plan.definitionOverride == nil, statuses.contains(where: \.ran) else { return }
        if statuses.allSatisfy({ $0 == .completed }) {
            await upstreamEnded(job, succeeded: true, run: runs.last!, status: "completed")
        } else if let failed = statuses.indices.first(where: { statuses[$0].ran && statuses[$0] != .completed }) {
            await upstreamEnded(job, succeeded: false, run: runs[failed], status: statuses[failed].rawValue)
        }
    }

    /// Runs or blocks the dependents of `job`.
    private func upstreamEnded(_ job: JobDefinition, succeeded: Bool, run: String, status: String) async {
        guard !stopping, let definitions = state?.definitions else { return }
        for effect in dependencies.ended(job.id, succeeded: succeeded, run: run, status: status) {
            switch effect {
            case .run(let id):
                guard let dependent = definitions.jobs[id] else { continue }
                await submit(FanOut.plans(dependent, trigger: .dependency, scheduledFor: nil, parameters: [:], group: ids.next(at: clock.now())), job: dependent)
            case .block(let id, let upstream, let upstreamRun, let upstreamStatus):
                let message = "blocked: it needs \(upstream), whose run \(upstreamRun) ended \(upstreamStatus); it runs again after a later successful run of each job it needs"
                await recordDecision(RunPlan(job: id, trigger: .dependency), status: .blocked, message: message)
            }
        }
    }

    func releaseIdleWaiters() {
        let waiters = idleWaiters
        idleWaiters = []
        for waiter in waiters { waiter.resume() }
    }
}
