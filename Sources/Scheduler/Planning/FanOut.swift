public import Foundation
public import Definitions
public import Expressions
public import History

/// The runs of one fire or request: one per matrix combination (or just one), with resolved
/// parameters, sharing a fan-out `group` id. A parameter given by the caller pins its matrix axis.
public enum FanOut {
    /// - Parameters:
    ///   - parameters: resolved values (see ``ParameterResolver``); defaults already filled in.
    ///   - explicit: the names the caller gave, which pin their matrix axes.
    ///   - group: the fan-out's id, used only when there are several runs.
    public static func plans(_ job: JobDefinition, trigger: Trigger, scheduledFor: Date?, parameters: [String: ParameterValue],
                             explicit: Set<String> = [], event: Value = .null, group: String) -> [RunPlan] {
        var base = parameters
        for parameter in job.parameters where base[parameter.name] == nil {
            if let value = parameter.defaultValue { base[parameter.name] = value }
        }
        let axes = job.matrix.filter { !explicit.contains($0.parameter) }
        guard !axes.isEmpty else {
            return [RunPlan(job: job.id, trigger: trigger, scheduledFor: scheduledFor, parameters: base, event: event)]
        }
        var combinations: [[String: ParameterValue]] = [[:]]
        for axis in axes {
            combinations = combinations.flatMap { partial in axis.values.map { partial.merging([axis.parameter: $0]) { $1 } } }
        }
        return combinations.enumerated().map { index, combination in
            let key = axes.map { "\($0.parameter)=\(combination[$0.parameter]!)" }.joined(separator: ",")
            return RunPlan(job: job.id, trigger: trigger, scheduledFor: scheduledFor, parameters: base.merging(combination) { $1 },
                           fanout: Fanout(index: index, of: combinations.count, key: key, group: group), event: event)
        }
    }
}

/// The fan-outs in progress: which of their runs wait for `maxParallel`, how many run, and how
/// each ended — so the next run starts as one ends, in order, and the fan-out's outcome is known
/// when its last run ends. A pure state machine; the scheduler feeds it.
public struct FanOutProgress: Sendable {
    public struct Group: Sendable {
        public var job: JobID
        public var limit: Int
        public var waiting: [RunPlan]
        public var running = 0
        /// How the runs that ended ended (run id, final status), by fan-out index.
        public var outcomes: [Int: (run: String, status: RunStatus)] = [:]
        public var size: Int
    }

    public private(set) var groups: [String: Group] = [:]

    public init() {}

    /// Registers a fan-out and returns the runs to start now (at most `limit`, in order); the rest
    /// wait. A single run (no group) starts at once.
    public mutating func begin(_ plans: [RunPlan], limit: Int?) -> [RunPlan] {
        guard let group = plans.first?.group, plans.count > 1 else { return plans }
        let limit = max(1, limit ?? plans.count)
        let now = Array(plans.prefix(limit))
        groups[group] = Group(job: plans[0].job, limit: limit, waiting: Array(plans.dropFirst(limit)), running: now.count, size: plans.count)
        return now
    }

    /// One run of a fan-out ended with `status` (after its retries), or did not start. Returns the
    /// next run to start, and the fan-out's outcome when this was its last run.
    public mutating func ended(_ plan: RunPlan, run: String, status: RunStatus) -> (next: RunPlan?, finished: Outcome?) {
        guard let id = plan.group, var group = groups[id] else { return (nil, nil) }
        group.running -= 1
        if let index = plan.fanout?.index { group.outcomes[index] = (run, status) }
        var next: RunPlan?
        if !group.waiting.isEmpty {
            next = group.waiting.removeFirst()
            group.running += 1
        }
        if group.running == 0 && group.waiting.isEmpty {
            groups[id] = nil
            let runs = (0..<group.size).map { group.outcomes[$0] ?? (run: "", status: .skipped) }
            return (next, Outcome(group: id, job: group.job, runs: runs.map(\.run), statuses: runs.map(\.status)))
        }
        groups[id] = group
        return (next, nil)
    }

    /// Drops the waiting runs of the job's fan-outs other than `keeping` (concurrency `replace`);
    /// returns them, to be recorded.
    public mutating func dropWaiting(job: JobID, keeping: String?) -> [RunPlan] {
        var dropped: [RunPlan] = []
        for (id, var group) in groups where group.job == job && id != keeping && !group.waiting.isEmpty {
            dropped += group.waiting
            group.waiting = []
            groups[id] = group.running == 0 ? nil : group
        }
        return dropped
    }

    /// Fan-outs of `job` that still have runs waiting.
    public func unfinishedGroups(of job: JobID) -> Set<String> {
        Set(groups.filter { $0.value.job == job && !$0.value.waiting.isEmpty }.map(\.key))
    }

    /// How a whole fan-out ended.
    public struct Outcome: Sendable, Equatable {
        public var group: String
        public var job: JobID
        /// Each run's id and final status, by fan-out index.
        public var runs: [String]
        public var statuses: [RunStatus]
        /// Every run completed.
        public var succeeded: Bool { statuses.allSatisfy { $0 == .completed } }

        public init(group: String, job: JobID, runs: [String], statuses: [RunStatus]) {
            self.group = group
            self.job = job
            self.runs = runs
            self.statuses = statuses
        }
    }
}
