public import Foundation
public import History
import Definitions

/// Cluster mode, `concurrency: queue`: a run that waits in the cluster's shared queue for the run
/// of its job in progress (on any node) to end; then any node with room takes it and starts it.
public struct WaitingRun: Sendable, Equatable {
    /// The queue's entry, which the run's start removes.
    public var entry: Int64
    public var request: Request
    /// When it was queued, by the database's clock.
    public var queuedAt: Date

    public init(entry: Int64, request: Request, queuedAt: Date) {
        self.entry = entry
        self.request = request
        self.queuedAt = queuedAt
    }

    /// What the run was asked with: enough for any node to start it with its applied definition.
    public struct Request: Sendable, Equatable, Codable {
        public var job: String
        public var trigger: Trigger
        public var scheduledFor: Date?
        public var params: [String: JSONScalar]
        public var rerunOf: String?
        public var requestedBy: String?
        public var warnings: [String]
        public var force: Bool
        /// The node that received the request.
        public var node: String?

        public init(job: String, trigger: Trigger, scheduledFor: Date? = nil, params: [String: JSONScalar] = [:], rerunOf: String? = nil,
                    requestedBy: String? = nil, warnings: [String] = [], force: Bool = false, node: String? = nil) {
            self.job = job
            self.trigger = trigger
            self.scheduledFor = scheduledFor
            self.params = params
            self.rerunOf = rerunOf
            self.requestedBy = requestedBy
            self.warnings = warnings
            self.force = force
            self.node = node
        }
    }
}

extension WaitingRun.Request {
    /// Whether `plan` can wait in the cluster's queue: an event's payload, a definition of its
    /// own and a fan-out's progress stay on the node that has them (such a run waits there).
    static func queueable(_ plan: RunPlan) -> Bool {
        plan.queueEntry == nil && plan.staysOnItsNode == nil
    }

    init(_ plan: RunPlan, node: String?) {
        self.init(job: plan.job.rawValue, trigger: plan.trigger, scheduledFor: plan.scheduledFor, params: plan.recordedParameters,
                  rerunOf: plan.rerunOf, requestedBy: plan.requestedBy, warnings: plan.warnings, force: plan.force, node: node)
    }
}

extension RunPlan {
    /// The run a node took from the cluster's queue.
    init(_ waiting: WaitingRun, job: JobID) {
        self.init(job: job, trigger: waiting.request.trigger, scheduledFor: waiting.request.scheduledFor,
                  parameters: waiting.request.params.mapValues(\.parameterValue), warnings: waiting.request.warnings, force: waiting.request.force)
        rerunOf = waiting.request.rerunOf
        requestedBy = waiting.request.requestedBy
        queueEntry = waiting.entry
    }
}

/// An entry taken from the cluster's shared queue.
public enum QueueEntry: Sendable, Equatable {
    case retry(QueuedRun)
    case waiting(WaitingRun)

    public var entry: Int64 {
        switch self {
        case .retry(let run): run.entry
        case .waiting(let run): run.entry
        }
    }
}
