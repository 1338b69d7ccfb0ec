import Foundation
import Definitions
import History

extension Scheduler {
    /// Cluster mode: how often a node with room looks at the cluster's shared queue.
    static let queuePollInterval: TimeInterval = 1

    /// Cluster mode: takes the due runs of the cluster's shared queue this node has room for (the
    /// retries of runs that failed, timed out or were interrupted with their node) and runs each
    /// as ``ClusterRetry`` says, through the same admission as every run. At most once a second
    /// (``queuePollInterval``).
    func takeQueuedRuns(now: Date) async {
        guard let cluster = tracker.cluster, now >= nextQueuePoll else { return }
        nextQueuePoll = now.addingTimeInterval(Self.queuePollInterval)
        guard state != nil, !stopping else { return }
        let room = options.maxConcurrent - active.count - waitingForSlot.count
        guard room > 0 else { return }
        let taken: [QueuedRun]
        do {
            taken = try await cluster.takeQueued(limit: min(room, 32))
        } catch {
            log("warning: cannot read the cluster's queue, trying again: \(error)")
            return
        }
        for queued in taken {
            let original = queued.run
            let job = JobID(original.job).flatMap { state?.definitions.jobs[$0] }
            do {
                switch ClusterRetry.disposition(of: queued, job: job, now: clock.now()) {
                case .run(let plan):
                    guard let job else { continue }
                    log("\(job.id): retrying run \(original.run) (attempt \(plan.attempt)), \(queued.cause.rawValue) on node \(original.node ?? "?")")
                    _ = await request(plan, job: job)
                case .wait(let until):
                    try await cluster.release(queueEntry: queued.entry, notBefore: until)
                case .drop(let reason):
                    log("\(original.job): run \(original.run), \(queued.cause.rawValue) on node \(original.node ?? "?"), is not retried here: \(reason)")
                    try await cluster.drop(queueEntry: queued.entry)
                }
            } catch {
                // The entry stays taken until its lease runs out; then any node takes it again.
                log("warning: cannot update queue entry \(queued.entry) of the cluster: \(error)")
            }
        }
    }
}
