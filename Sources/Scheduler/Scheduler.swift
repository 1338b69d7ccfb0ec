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
        case unknownJob, unknownRun, invalidParameters, concurrency, rateLimited, notRunnable, stopping
    }

    public var reason: Reason
    public var message: String
    /// The run in progress, for a concurrency refusal.
    public var runInProgress: String?

    public var description: String { message }
}

/// The scheduler: it keeps the applied jobs' next fires in a due-queue, asks ``Admission``
/// whether each due run may start, starts it through the ``RunPerformer``, and acts on how it
/// ended (retries, `until`, fan-outs, dependents, queued runs).
///
/// It coordinates; the rules live in small types of their own: ``DueQueue`` (when), ``CatchupPlanner``
/// (after downtime), ``FanOut`` and ``FanOutProgress`` (matrix runs, `maxParallel`), ``Admission``
/// (rate limit, concurrency, global limit), ``DependencyGate`` (`needs`), ``RunTracker`` (markers
/// and records, in order, durably), ``Alarm`` (waiting). Every decision is recorded: a fire that does
/// not run becomes a `skipped`, `rate_limited`, `missed` or `blocked` record.
public actor Scheduler {
    public struct Options: Sendable {
        public var maxConcurrent: Int
        public var node: String?

        public init(maxConcurrent: Int = 64, node: String? = nil) {
            self.maxConcurrent = maxConcurrent
            self.node = node
        }
    }

    struct ActiveRun {
        var plan: RunPlan
        var job: JobDefinition
        var task: Task<Void, Never>
        var startedAt: Date
        var replacedBy: String?
        /// Who cancelled it through the API.
        var cancelledBy: String?
    }

    public nonisolated let root: String
    public nonisolated let clock: any SchedulerClock
    public nonisolated let options: Options
    public nonisolated let tracker: RunTracker
    let performer: any RunPerformer
    /// Sends what `notify:` asks for each record, in the background (nil: nothing is sent).
    public nonisolated let notifications: NotificationService?
    let ids = RunIDGenerator()
    let log: @Sendable (String) -> Void
    let alarm: Alarm

    var state: AppliedState? {
        didSet { sortedJobs = state?.definitions.sortedJobs ?? [] }
    }
    /// The applied jobs in id order, sorted once per load (lists read it on every request).
    var sortedJobs: [JobDefinition] = []
    var queue = DueQueue()
    var retries: [(at: Date, plan: RunPlan)] = []
    /// Fires whose claim could not be made (the cluster's database unreachable, history
    /// unreadable): tried again every second until the claim is decided, so that none is lost.
    var unclaimed: [DueFire] = []
    /// Cluster mode: when this node looks at the cluster's shared queue next.
    var nextQueuePoll = Date.distantPast
    var active: [String: ActiveRun] = [:]
    var fanOuts = FanOutProgress()
    /// Per job, the run (or a fan-out's runs) waiting behind the one in progress (`queue`).
    var queued: [JobID: [RunPlan]] = [:]
    var waitingForSlot: [RunPlan] = []
    var dependencies = DependencyGate()
    var completedJobs: Set<JobID> = []
    /// The runtime pauses of the root, and the fires each paused job has held back so far.
    nonisolated let pauses: PauseStore
    var pauseGaps: [JobID: PauseGap] = [:]
    var stopping = false
    var idleWaiters: [CheckedContinuation<Void, Never>] = []
    /// Runs that left `active` and whose record is being appended (their marker still exists).
    var finishing = 0
    /// Admissions go one at a time, so each sees the decisions before it.
    var admitting = false
    var admissionWaiters: [CheckedContinuation<Void, Never>] = []

    public init(root: String, clock: any SchedulerClock, tracker: RunTracker, performer: any RunPerformer, options: Options = Options(),
                notifications: NotificationService? = nil, log: @escaping @Sendable (String) -> Void = { _ in }) {
        self.root = root
        self.notifications = notifications
        pauses = PauseStore(root: root)
        self.clock = clock
        self.tracker = tracker
        self.performer = performer
        self.options = options
        self.log = log
        alarm = Alarm(clock: clock)
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
        tracker.cluster?.running(commit: newState.commit)
        dependencies.load(newState.definitions.sortedJobs)
        if isFirst { await seedDependencies() }
        let now = clock.now()
        for id in previous?.definitions.jobs.keys.map({ $0 }) ?? [] where newState.definitions.jobs[id] == nil {
            queue.remove(id)
            completedJobs.remove(id)
        }
        for job in newState.definitions.sortedJobs {
            if let old = previous?.definitions.jobs[job.id], old.schedule?.sameFires(as: job.schedule) ?? (job.schedule == nil),
               old.enabled == job.enabled, queue.fire(for: job.id) != nil {
                continue
            }
            guard job.enabled, let schedule = job.schedule else {
                queue.remove(job.id)
                continue
            }
            guard isFirst else {
                scheduleNext(job, after: now)
                continue
            }
            if await HistoryFacts.untilAlreadySatisfied(job, tracker: tracker) {
                completedJobs.insert(job.id)
                continue
            }
            // A paused job catches up nothing: the fires missed while down are recorded `missed`.
            var policy = schedule
            if pauses.pause(of: job.id.rawValue, at: now) != nil { policy.catchup = .none }
            await catchUp(job, schedule: policy, appliedAt: newState.appliedAt, now: now)
        }
        alarm.ring()
    }

    public var appliedCommit: String? { state?.commit }

    func scheduleNext(_ job: JobDefinition, after instant: Date) {
        guard !completedJobs.contains(job.id), let schedule = job.schedule,
              let fire = schedule.jobSchedule(for: job.id).nextFire(after: instant) else {
            queue.remove(job.id)
            return
        }
        queue.schedule(DueFire(job: job.id, scheduledFor: fire.scheduledFor, runAt: fire.runAt))
    }

    /// Handles the fires missed since the job's last recorded fire (or since it was applied).
    private func catchUp(_ job: JobDefinition, schedule: ScheduleDefinition, appliedAt: Date, now: Date) async {
        let lastFire = await HistoryFacts.lastRecordedFire(of: job.id, tracker: tracker) ?? appliedAt
        let plan = CatchupPlanner.plan(schedule: schedule.jobSchedule(for: job.id), policy: schedule.catchup, window: schedule.catchupWindow, lastFire: lastFire, now: now)
        for missed in await claimed(plan.missed, of: job, schedule: schedule) {
            let record = RunRecord(
                run: ids.next(at: now), job: job.id.rawValue, trigger: .catchup, status: .missed,
                scheduledFor: missed.last, finishedAt: now, commit: state?.commit,
                warnings: ["\(missed.count) fire\(missed.count == 1 ? "" : "s") missed while jobctl was not running (catchup: \(schedule.catchup.rawValue), window \(schedule.catchupWindow))"],
                node: options.node, count: missed.count, firstScheduledFor: missed.first, lastScheduledFor: missed.last)
            await tracker.record(record)
            announce(record, job: job)
        }
        for fire in plan.run where (try? await tracker.claim(job: job.id, scheduledFor: fire.scheduledFor)) == true {
            await submit(FanOut.plans(job, trigger: .catchup, scheduledFor: fire.scheduledFor, parameters: [:], group: ids.next(at: now)), job: job)
        }
        if let next = plan.next {
            queue.schedule(DueFire(job: job.id, scheduledFor: next.scheduledFor, runAt: next.runAt))
        } else {
            queue.remove(job.id)
        }
    }

    /// The missed fires this process records. In cluster mode each fire is claimed first (a
    /// node that started earlier may have run some), and the summary splits into the runs of
    /// consecutive fires this node claimed; in file mode, the summary as it is.
    private func claimed(_ missed: MissedFires?, of job: JobDefinition, schedule: ScheduleDefinition) async -> [MissedFires] {
        guard let missed else { return [] }
        guard tracker.cluster != nil else { return [missed] }
        let fires = schedule.jobSchedule(for: job.id)
        var ranges: [MissedFires] = []
        var current: MissedFires?
        var fire: Date? = missed.first
        while let instant = fire, instant <= missed.last {
            if (try? await tracker.claim(job: job.id, scheduledFor: instant)) == true {
                if current == nil { current = MissedFires(count: 0, first: instant, last: instant) }
                current?.count += 1
                current?.last = instant
            } else if let range = current {
                ranges.append(range)
                current = nil
            }
            fire = fires.nextFire(after: instant)?.scheduledFor
        }
        if let current { ranges.append(current) }
        return ranges
    }

    /// What history says each dependent's needs did since it last ran.
    private func seedDependencies() async {
        guard let jobs = state?.definitions.sortedJobs else { return }
        for job in jobs where !job.needs.isEmpty {
            dependencies.seed(job.id, satisfied: await HistoryFacts.needsSucceededSinceLastRun(job, tracker: tracker))
        }
    }

    // MARK: The loop

    /// Fires due jobs until the task is cancelled or the scheduler stops, sleeping on the clock
    /// until the earliest fire or retry, or until something rings the alarm.
    public func run() async {
        while !Task.isCancelled && !stopping {
            await fireDue()
            let now = clock.now()
            let deadline = [queue.peek()?.runAt, retries.map(\.at).min(), unclaimed.isEmpty ? nil : now.addingTimeInterval(1),
                            tracker.cluster == nil || state == nil ? nil : nextQueuePoll]
                .compactMap { $0 }.min() ?? now.addingTimeInterval(3600)
            if deadline > now { await alarm.sleep(until: deadline) }
        }
    }

    /// Starts (or records) every fire and retry that is due now. Exposed for tests that step the clock.
    public func fireDue() async {
        guard !stopping, let state else { return }
        let now = clock.now()
        let retrying = unclaimed.filter { state.definitions.jobs[$0.job] != nil }
        unclaimed = []
        var fires: [DueFire] = []
        for fire in queue.popDue(at: now) {
            guard let job = state.definitions.jobs[fire.job] else { continue }
            // A one-off is completed once its fire comes, whatever that fire's outcome.
            if case .at = job.schedule?.kind { completedJobs.insert(job.id) }
            scheduleNext(job, after: fire.scheduledFor)
            if await heldByPause(job.id, fire: fire.scheduledFor, now: now) { continue }
            fires.append(fire)
        }
        await claimAndSubmit(retrying + fires, retrying: retrying.count, now: now)
        let due = retries.filter { $0.at <= now }
        retries.removeAll { $0.at <= now }
        for retry in due {
            guard let job = retry.plan.definitionOverride ?? state.definitions.jobs[retry.plan.job] else { continue }
            _ = await request(retry.plan, job: job)
        }
        await takeQueuedRuns(now: now)
    }
}

extension Scheduler {
    /// Claims the due fires (at once) and submits the runs of those this process owns. Claims
    /// that fail (rather than being refused) are kept and tried again a second later, and their
    /// fires then run late. The first `retrying` fires are such retries (their failure was logged).
    private func claimAndSubmit(_ fires: [DueFire], retrying: Int, now: Date) async {
        guard !fires.isEmpty else { return }
        let owned: [Bool]
        do {
            owned = try await tracker.claim(fires)
        } catch is CommitNotInForce {
            // Said when fires start to wait, not at every second they go on waiting.
            if retrying == 0 { log("warning: \(fires.count) fire(s) wait to be claimed: \(CommitNotInForce(running: state?.commit))") }
            unclaimed = fires
            return
        } catch {
            for fire in fires.dropFirst(retrying) {
                log("error: cannot claim the fire of \(fire.job) at \(RecordTime.string(fire.scheduledFor)), trying again: \(error)")
            }
            unclaimed = fires
            return
        }
        for (fire, mine) in zip(fires, owned) where mine {
            guard let job = state?.definitions.jobs[fire.job] else { continue }
            await submit(FanOut.plans(job, trigger: .schedule, scheduledFor: fire.scheduledFor, parameters: [:], group: ids.next(at: now)), job: job)
        }
    }
}

extension ScheduleDefinition {
    /// Whether `other` fires at the same times (an apply that changed something else keeps the
    /// job's queued fire).
    func sameFires(as other: ScheduleDefinition?) -> Bool {
        guard let other else { return false }
        return text == other.text && kindName == other.kindName && timeZone == other.timeZone && start == other.start
            && end == other.end && jitter == other.jitter
    }
}
