import Foundation
import Definitions
import History

extension Scheduler {
    /// Cluster mode: how often a node with room looks at the cluster's shared queue.
    static let queuePollInterval: TimeInterval = 1

    /// Cluster mode: takes the entries of the cluster's shared queue this node has room for, and
    /// starts each through the same admission as every run: retries (of runs that failed, timed
    /// out or were interrupted with their node) as ``ClusterRetry`` says, and runs that waited
    /// behind a run of their job (`concurrency: queue`). At most once a second
    /// (``queuePollInterval``), and at once after a run of this node ended. Cancellations other
    /// nodes asked of this node's runs are honoured at the same pace.
    func takeQueuedRuns(now: Date) async {
        guard let cluster = tracker.cluster, now >= nextQueuePoll else { return }
        nextQueuePoll = now.addingTimeInterval(Self.queuePollInterval)
        if !active.isEmpty { await honourCancellations(cluster) }
        guard state != nil, !stopping else { return }
        let room = options.maxConcurrent - active.count - waitingForSlot.count
        guard room > 0 else { return }
        let taken: [QueueEntry]
        do {
            taken = try await cluster.takeQueued(limit: min(room, 32))
        } catch {
            log("warning: cannot read the cluster's queue, trying again: \(error)")
            return
        }
        for entry in taken {
            do {
                switch entry {
                case .retry(let queued): try await retry(queued, cluster: cluster)
                case .waiting(let waiting): try await start(waiting, cluster: cluster)
                }
            } catch {
                // The entry stays taken until its lease runs out; then any node takes it again.
                log("warning: cannot update queue entry \(entry.entry) of the cluster: \(error)")
            }
        }
    }

    private func retry(_ queued: QueuedRun, cluster: any ClusterCoordination) async throws {
        let original = queued.run
        let job = JobID(original.job).flatMap { state?.definitions.jobs[$0] }
        switch ClusterRetry.disposition(of: queued, job: job, now: clock.now()) {
        case .run(let plan):
            guard let job else { return }
            log("\(job.id): retrying run \(original.run) (attempt \(plan.attempt)), \(queued.cause.rawValue) on node \(original.node ?? "?")")
            _ = await request(plan, job: job)
        case .wait(let until):
            try await cluster.release(queueEntry: queued.entry, notBefore: until)
        case .drop(let reason):
            log("\(original.job): run \(original.run), \(queued.cause.rawValue) on node \(original.node ?? "?"), is not retried here: \(reason)")
            try await cluster.drop(queueEntry: queued.entry)
        }
    }

    private func start(_ waiting: WaitingRun, cluster: any ClusterCoordination) async throws {
        guard let id = JobID(waiting.request.job), let job = state?.definitions.jobs[id] else {
            log("\(waiting.request.job): a run that waited in the cluster's queue is dropped: the job is no longer applied")
            try await cluster.drop(queueEntry: waiting.entry)
            return
        }
        _ = await request(RunPlan(waiting, job: id), job: job)
    }
}
