public import Foundation
public import ServiceLifecycle
import History

/// `jobctl serve` as a long-lived service: recovers runs a crash left in flight, loads the applied
/// state, fires jobs until shutdown, and picks up new applies without a restart.
///
/// On graceful shutdown (SIGTERM/SIGINT through the `ServiceGroup`) it stops firing, lets runs
/// finish for up to `grace`, then cancels the rest (recorded `cancelled`) and returns.
public struct SchedulerService: Service {
    public let scheduler: Scheduler
    public let source: GitAppliedStateSource
    public let stores: Scheduler.Stores
    public let grace: Duration
    public let log: @Sendable (String) -> Void

    public init(scheduler: Scheduler, source: GitAppliedStateSource, stores: Scheduler.Stores, grace: Duration, log: @escaping @Sendable (String) -> Void) {
        self.scheduler = scheduler
        self.source = source
        self.stores = stores
        self.grace = grace
        self.log = log
    }

    public func run() async throws {
        let recovery = InterruptedRunRecovery(inFlight: stores.inFlight, recorder: stores.recorder, node: scheduler.options.node)
        let report = try await recovery.recover(now: scheduler.clock.now())
        for record in report.recorded {
            log("recovered: run \(record.run) of \(record.job) was in flight when jobctl stopped; recorded interrupted")
        }
        for run in report.killed { log("recovered: killed the orphaned process group of run \(run)") }
        if let state = try source.refresh(known: nil) {
            await scheduler.load(state)
            log("running \(state.definitions.jobs.count) applied job\(state.definitions.jobs.count == 1 ? "" : "s") of commit \(state.commit.map { String($0.prefix(12)) } ?? "-")")
        }
        let scheduler = self.scheduler
        let source = self.source
        let log = self.log
        let grace = self.grace
        await withGracefulShutdownHandler {
            await scheduler.run {
                do {
                    if let state = try source.refresh(known: await scheduler.appliedCommit) {
                        log("new applied state \(state.commit.map { String($0.prefix(12)) } ?? "-"): \(state.definitions.jobs.count) jobs")
                        await scheduler.load(state)
                    }
                } catch {
                    log("error: \(error)")
                }
            }
            await scheduler.shutdown(grace: grace)
        } onGracefulShutdown: {
            log("stopping: no new fires; waiting up to \(grace) for runs in progress")
            Task { await scheduler.beginStopping() }
        }
    }
}
