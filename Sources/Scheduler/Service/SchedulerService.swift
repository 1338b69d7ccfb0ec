public import Foundation
public import ServiceLifecycle
import Definitions
public import History

/// `jobctl serve`'s scheduling as a long-lived service: recovers runs a crash left in flight,
/// loads the applied state, and fires jobs until shutdown.
///
/// On graceful shutdown (SIGTERM/SIGINT through the `ServiceGroup`) it stops firing, lets runs
/// finish for up to `grace`, then cancels the rest (recorded `cancelled`) and returns.
public struct SchedulerService: Service {
    public let scheduler: Scheduler
    public let source: GitAppliedStateSource
    public let grace: Duration
    public let log: @Sendable (String) -> Void

    public init(scheduler: Scheduler, source: GitAppliedStateSource, grace: Duration, log: @escaping @Sendable (String) -> Void) {
        self.scheduler = scheduler
        self.source = source
        self.grace = grace
        self.log = log
    }

    public func run() async throws {
        let tracker = scheduler.tracker
        let recovery = InterruptedRunRecovery(inFlight: tracker.registry, recorder: tracker.recorder, node: scheduler.options.node)
        let report = try await recovery.recover(now: scheduler.clock.now())
        for record in report.recorded {
            log("recovered: run \(record.run) of \(record.job) was in flight when jobctl stopped; recorded \(record.status.rawValue)")
        }
        for run in report.killed { log("recovered: killed the orphaned process group of run \(run)") }
        await source.syncWithCluster(running: nil)
        if let state = try source.refresh(known: nil) {
            await scheduler.load(state)
            log("running \(state.definitions.jobs.count) applied job\(state.definitions.jobs.count == 1 ? "" : "s") of commit \(state.commit.map { String($0.prefix(12)) } ?? "-")")
        }
        let scheduler = self.scheduler
        let log = self.log
        let grace = self.grace
        await withGracefulShutdownHandler {
            await scheduler.run()
            await scheduler.shutdown(grace: grace)
        } onGracefulShutdown: {
            log("stopping: no new fires; waiting up to \(grace) for runs in progress")
            Task { await scheduler.beginStopping() }
        }
    }
}

/// Picks up a new apply (or, with auto-apply, a new commit) without a restart: polls the applied
/// ref every `interval` — one file read while nothing changed — and loads a new state into the
/// scheduler.
public struct AppliedStateWatcher: Service {
    public let scheduler: Scheduler
    public let source: GitAppliedStateSource
    public let interval: Duration
    public let log: @Sendable (String) -> Void
    private let wakeup = Wakeup()

    public init(scheduler: Scheduler, source: GitAppliedStateSource, interval: Duration = .seconds(2), log: @escaping @Sendable (String) -> Void) {
        self.scheduler = scheduler
        self.source = source
        self.interval = interval
        self.log = log
    }

    public func run() async throws {
        try await cancelWhenGracefulShutdown { await watch() }
    }

    /// Read the applied ref now rather than at the next poll (a remote head was just applied).
    public func refreshSoon() { wakeup.signal() }

    private func watch() async {
        let clock = scheduler.clock
        while !Task.isCancelled {
            await wakeup.wait(until: clock.now().addingTimeInterval(interval.seconds), clock: clock)
            guard !Task.isCancelled else { return }
            do {
                await source.syncWithCluster(running: await scheduler.appliedCommit)
                if let state = try source.refresh(known: await scheduler.appliedCommit) {
                    log("new applied state \(state.commit.map { String($0.prefix(12)) } ?? "-"): \(state.definitions.jobs.count) job\(state.definitions.jobs.count == 1 ? "" : "s")")
                    await scheduler.load(state)
                }
            } catch {
                log("error: \(error)")
            }
        }
    }
}

/// Applies the retention of `jobctl.yaml` (`history.keepRuns`, `history.keepDays`) at start and
/// hourly, by rewrite and rename (appends wait on each file's lock meanwhile), on the tracker's
/// I/O thread.
public struct RetentionService: Service {
    public let scheduler: Scheduler
    public let interval: TimeInterval
    public let log: @Sendable (String) -> Void

    public init(scheduler: Scheduler, interval: TimeInterval = 3600, log: @escaping @Sendable (String) -> Void) {
        self.scheduler = scheduler
        self.interval = interval
        self.log = log
    }

    public func run() async throws {
        try await cancelWhenGracefulShutdown {
            let clock = scheduler.clock
            while !Task.isCancelled {
                await compact(now: clock.now())
                try? await clock.sleep(until: clock.now().addingTimeInterval(interval))
            }
        }
    }

    /// One pass over every job's history file.
    @discardableResult
    public func compact(now: Date) async -> [HistoryCompactor.Result] {
        guard let settings = await scheduler.historySettings else { return [] }
        let policy = RetentionPolicy(keepRuns: settings.keepRuns, keepDays: settings.keepDays)
        guard !policy.keepsEverything else { return [] }
        let tracker = scheduler.tracker
        do {
            let results = try await tracker.io.run { () throws(HistoryError) in
                try HistoryCompactor(folder: tracker.history).compactAll(policy: policy, now: now)
            }
            let removed = results.reduce(0) { $0 + $1.removed }
            if removed > 0 {
                log("history retention: removed \(removed) record\(removed == 1 ? "" : "s") (keepRuns \(policy.keepRuns.map(String.init) ?? "-"), keepDays \(policy.keepDays.map(String.init) ?? "-"))")
            }
            return results
        } catch {
            log("error: history retention: \(error)")
            return []
        }
    }
}

extension Scheduler {
    /// `jobctl.yaml`'s history settings of the applied state.
    var historySettings: HistorySettings? { state?.definitions.config.history }
}
