public import Foundation
public import Definitions
public import History
import Expressions

/// Cluster mode's retries: a run that failed or timed out with retries left, or that was
/// interrupted with its node, is retried through the cluster's shared queue, by whichever node
/// takes it, so that a retry outlives the node that ran the first attempt. The record that ends
/// the run (or the reaping that interrupts it) queues it in the same statement; the node that
/// takes it applies the job's retry policy (`retries:`) as the embedded mode does on the node
/// that ran it.
///
/// - The run is retried when its attempt is within `retries.max`: attempt + 1, trigger `retry`,
///   the same scheduled time, parameters and fan-out cell, after the policy's backoff counted
///   from the moment it ended (or was interrupted).
/// - It is not retried (the entry is dropped, and the record stays final) when the job is no
///   longer applied or has no retry left.
/// - Some retries stay with the node that ran the run (``staysOnItsNode``): an event's run (the
///   payload is kept on that node), a run of a definition of its own (`rerun --at-commit`), and a
///   failed run of a fan-out (the fan-out's progress is that node's). A failed one is retried
///   there, as in the embedded mode; an interrupted one is not retried.
public enum ClusterRetry {
    public enum Disposition: Sendable {
        case run(RunPlan)
        /// Not yet: back to the queue until then (any node may take it then).
        case wait(until: Date)
        /// Not retried, for this reason.
        case drop(String)
    }

    /// Why a run stays on the node that has it, for its retry or its wait behind another run
    /// (nil: the cluster's queue takes it): its event's payload, a definition of its own, or its
    /// fan-out's progress are kept on that node.
    public static func staysOnItsNode(hasEvent: Bool, ownDefinition: Bool, fanOut: Bool) -> String? {
        if hasEvent { return "an event triggered it, and the event's payload is kept on the node that ran it" }
        if ownDefinition { return "it ran a definition other than the applied one" }
        if fanOut { return "it is one run of a fan-out, whose progress the node that ran it keeps" }
        return nil
    }

    public static func disposition(of queued: QueuedRun, job: JobDefinition?, now: Date) -> Disposition {
        let run = queued.run
        guard let job else { return .drop("job \(run.job) is no longer applied") }
        let attempt = run.attempt ?? 1
        guard attempt <= job.retries.max else {
            return .drop(job.retries.max == 0 ? "the job has no retries" : "attempt \(attempt) was the last of \(job.retries.max + 1) (retries.max \(job.retries.max))")
        }
        // An interrupted run's node is gone, and its fan-out's progress with it.
        if let reason = staysOnItsNode(hasEvent: run.hasEvent, ownDefinition: run.ownDefinition, fanOut: run.fanout != nil && queued.cause != .interrupted) {
            return .drop(queued.cause == .interrupted ? reason : "\(reason): it is retried there")
        }
        let due = queued.queuedAt.addingTimeInterval(job.retries.delay(beforeRetry: attempt).seconds)
        if due > now { return .wait(until: due) }
        let why = switch queued.cause {
        case .interrupted: "interrupted when node \(run.node ?? "?") went silent or restarted"
        case .timedOut: "which timed out on node \(run.node ?? "?")"
        default: "which failed on node \(run.node ?? "?")"
        }
        var plan = RunPlan(job: job.id, trigger: .retry, scheduledFor: run.scheduledFor, parameters: run.params.mapValues(\.parameterValue),
                           fanout: run.fanout, attempt: attempt + 1, warnings: ["retry of run \(run.run), \(why)"])
        plan.queueEntry = queued.entry
        return .run(plan)
    }
}

extension RunPlan {
    /// Cluster mode: why this run stays on the node that has it (``ClusterRetry/staysOnItsNode(hasEvent:ownDefinition:fanOut:)``).
    var staysOnItsNode: String? {
        ClusterRetry.staysOnItsNode(hasEvent: event != .null, ownDefinition: definitionOverride != nil, fanOut: fanout != nil)
    }
}
