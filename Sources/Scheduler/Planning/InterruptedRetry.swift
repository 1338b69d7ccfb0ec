public import Foundation
public import Definitions
public import History

/// What a cluster node does with a run it took from the cluster's queue: the retry of a run
/// interrupted with its node, by the job's retry policy (`retries:`), as a retry after a failure
/// would be on the node that ran it.
///
/// - The run is retried when its attempt is within `retries.max`: attempt + 1, trigger `retry`,
///   the same scheduled time, parameters and fan-out cell, after the policy's backoff counted
///   from the moment it was interrupted (the reaping).
/// - It is not retried (the entry is dropped, and `interrupted` stays its final record) when the
///   job is no longer applied, has no retry left, was triggered by an event (the payload is kept
///   on the node that received it), or ran a definition of its own (`rerun --at-commit`).
public enum InterruptedRetry {
    public enum Disposition: Sendable {
        case run(RunPlan)
        /// Not yet: back to the queue until then (any node may take it then).
        case wait(until: Date)
        /// Not retried, for this reason.
        case drop(String)
    }

    public static func disposition(of queued: QueuedRun, job: JobDefinition?, now: Date) -> Disposition {
        let run = queued.interrupted
        guard let job else { return .drop("job \(run.job) is no longer applied") }
        let attempt = run.attempt ?? 1
        guard attempt <= job.retries.max else {
            return .drop(job.retries.max == 0 ? "the job has no retries" : "attempt \(attempt) was the last of \(job.retries.max + 1) (retries.max \(job.retries.max))")
        }
        if run.hasEvent { return .drop("an event triggered it, and the event's payload is kept on node \(run.node ?? "?"), which ran it") }
        if run.ownDefinition { return .drop("it ran a definition other than the applied one") }
        let due = queued.queuedAt.addingTimeInterval(job.retries.delay(beforeRetry: attempt).seconds)
        if due > now { return .wait(until: due) }
        var plan = RunPlan(job: job.id, trigger: .retry, scheduledFor: run.scheduledFor, parameters: run.params.mapValues(\.parameterValue),
                           fanout: run.fanout, attempt: attempt + 1,
                           warnings: ["retry of run \(run.run), interrupted when node \(run.node ?? "?") went silent or restarted"])
        plan.queueEntry = queued.entry
        return .run(plan)
    }
}
