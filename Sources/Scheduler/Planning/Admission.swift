public import Foundation
public import Definitions
public import History

/// Whether a run that is due may start: the job's rate limit, its concurrency policy, and the
/// global limit on runs at once — one pure decision, for every trigger (schedule, manual, API,
/// event, dependency, catch-up, rerun) and every process (the daemon and `jobctl run` see each
/// other's runs through their in-flight markers).
///
/// The runs of one fan-out (one fire of a matrix job, or one request) are one unit: they never
/// conflict with each other, and a policy applies to the fan-out as a whole.
///
/// ```swift
/// let decision = Admission.decide(plan, job: job, situation: situation)
/// // .start, .startReplacing(["r1"]), .queue, .waitForSlot, or .refuse(.skipped, "…", runInProgress: "r1")
/// ```
public enum Admission {
    /// A run in progress of the job (in this process or another), as admission sees it.
    public struct RunInProgress: Sendable, Hashable {
        public var run: String
        /// The fan-out it belongs to, when it is one of several.
        public var group: String?
        /// This process can cancel it (concurrency `replace`); another process's run it cannot.
        public var local: Bool

        public init(run: String, group: String?, local: Bool) {
            self.run = run
            self.group = group
            self.local = local
        }
    }

    /// What admission looks at, besides the plan and the job.
    public struct Situation: Sendable {
        public var now: Date
        /// The job's runs in progress, across processes.
        public var inProgress: [RunInProgress]
        /// Fan-outs of the job that still have runs waiting for `maxParallel`: they are in
        /// progress too, even between two of their runs.
        public var unfinishedGroups: Set<String>
        /// A run (or fan-out) of the job already waits behind the one in progress (`queue`).
        public var queueIsFull: Bool
        /// When the job's runs inside the rate-limit window started, oldest first.
        public var recentStarts: [Date]
        /// Runs in progress in this process, and the most there may be.
        public var running: Int
        public var maxConcurrent: Int

        public init(now: Date, inProgress: [RunInProgress] = [], unfinishedGroups: Set<String> = [], queueIsFull: Bool = false,
                    recentStarts: [Date] = [], running: Int = 0, maxConcurrent: Int = .max) {
            self.now = now
            self.inProgress = inProgress
            self.unfinishedGroups = unfinishedGroups
            self.queueIsFull = queueIsFull
            self.recentStarts = recentStarts
            self.running = running
            self.maxConcurrent = maxConcurrent
        }
    }

    public enum Decision: Sendable, Equatable {
        case start
        /// Start after cancelling these runs of this process (`replace`).
        case startReplacing([String])
        /// Wait behind the run in progress (`queue`).
        case queue
        /// Cluster mode: waits behind the run in progress in the cluster's queue, for any node to
        /// start once that run ends (`queue`).
        case queuedInCluster
        /// Wait for a free slot under the global limit.
        case waitForSlot
        /// Not run: recorded with `status` (`skipped` or `rate_limited`) and `message`.
        case refuse(RunStatus, String, runInProgress: String?)
        /// Not run here and not recorded, because the run is not this process's to run or record:
        /// a run taken from the cluster's queue whose entry this node no longer holds (the queue
        /// gives it to a node again). `message` says why, for the log.
        case abandon(String)
    }

    public static func decide(_ plan: RunPlan, job: JobDefinition, situation: Situation) -> Decision {
        // A retry continues its run: it was admitted once.
        guard plan.trigger != .retry else {
            return situation.running >= situation.maxConcurrent ? .waitForSlot : .start
        }
        if let limit = job.rateLimit, !plan.force {
            let window = RateWindow(limit: limit, starts: situation.recentStarts)
            if !window.admits(at: situation.now) {
                let message = "rate limit of \(limit.max) per \(limit.per) reached; next run possible at \(RecordTime.string(window.nextAdmission(after: situation.now)))"
                return .refuse(.rateLimited, message, runInProgress: nil)
            }
        }
        let others = situation.inProgress.filter { plan.group == nil || $0.group != plan.group }
        let otherGroups = situation.unfinishedGroups.subtracting(plan.group.map { [$0] } ?? [])
        if !others.isEmpty || !otherGroups.isEmpty {
            let first = others.map(\.run).sorted().first
            switch job.concurrency {
            case .allow:
                break
            case .skip:
                return .refuse(.skipped, "skipped: \(first.map { "run \($0)" } ?? "a fan-out") of \(job.id) is still in progress (concurrency: skip)", runInProgress: first)
            case .queue:
                if situation.queueIsFull {
                    return .refuse(.skipped, "skipped: a run of \(job.id) is already queued behind \(first.map { "run \($0)" } ?? "a fan-out") (concurrency: queue holds one)", runInProgress: first)
                }
                return .queue
            case .replace:
                if let foreign = others.first(where: { !$0.local }) {
                    return .refuse(.skipped, "skipped: run \(foreign.run) of \(job.id) is in progress in another jobctl process, which this one cannot cancel (concurrency: replace)", runInProgress: foreign.run)
                }
                // The replaced runs (and the waiting runs of their fan-outs) make room as they end.
                return .startReplacing(others.map(\.run).sorted())
            }
        }
        return situation.running >= situation.maxConcurrent ? .waitForSlot : .start
    }
}

/// A sliding-window rate limit over the starts it is given: at most `limit.max` in any `limit.per`.
public struct RateWindow: Sendable {
    public let limit: RateLimit
    /// Starts inside the window ending now, oldest first.
    public let starts: [Date]

    public init(limit: RateLimit, starts: [Date]) {
        self.limit = limit
        self.starts = starts.sorted()
    }

    /// The starts that count at `now`.
    func counted(at now: Date) -> [Date] {
        let horizon = now.addingTimeInterval(-limit.per.seconds)
        return starts.filter { $0 > horizon && $0 <= now }
    }

    public func admits(at now: Date) -> Bool {
        counted(at: now).count < limit.max
    }

    /// When the next start would be admitted.
    public func nextAdmission(after now: Date) -> Date {
        let counted = counted(at: now)
        guard counted.count >= limit.max else { return now }
        return counted[counted.count - limit.max].addingTimeInterval(limit.per.seconds)
    }
}
