public import Definitions

/// `needs:` as a gate: a job runs (trigger `dependency`) once every job it needs has succeeded
/// since its own last run; it is `blocked` when one of them fails, times out or is cancelled, and
/// then runs again only after a later success of each. A fan-out counts as one run that
/// succeeded when all its runs did. A pure state machine; the scheduler feeds it the ends of
/// upstream runs and acts on what it returns.
public struct DependencyGate: Sendable {
    /// What the scheduler should do for a dependent.
    public enum Effect: Sendable, Equatable {
        case run(JobID)
        /// Record `blocked` for the dependent, naming the upstream run that did not succeed.
        case block(JobID, upstream: JobID, run: String, status: String)
    }

    private var needs: [JobID: [JobID]] = [:]
    private var dependents: [JobID: [JobID]] = [:]
    /// For each dependent, the needs that succeeded since it last ran or was blocked.
    private var satisfied: [JobID: Set<JobID>] = [:]

    public init() {}

    /// The applied jobs changed: rebuild the indexes, keeping what is known of jobs that remain.
    public mutating func load(_ jobs: [JobDefinition]) {
        needs = [:]
        dependents = [:]
        for job in jobs where job.enabled && !job.needs.isEmpty {
            needs[job.id] = job.needs
            for need in job.needs { dependents[need, default: []].append(job.id) }
        }
        satisfied = satisfied.filter { needs[$0.key] != nil }
    }

    /// What is known from history at start: the needs of `dependent` that succeeded since it
    /// last ran.
    public mutating func seed(_ dependent: JobID, satisfied needs: Set<JobID>) {
        satisfied[dependent] = needs.intersection(self.needs[dependent] ?? [])
    }

    /// The jobs that need `job`.
    public func dependents(of job: JobID) -> [JobID] { dependents[job] ?? [] }

    public func needs(of job: JobID) -> [JobID] { needs[job] ?? [] }

    /// An upstream run (or whole fan-out) of `job` ended after its retries.
    public mutating func ended(_ job: JobID, succeeded: Bool, run: String, status: String) -> [Effect] {
        var effects: [Effect] = []
        for dependent in dependents[job] ?? [] {
            if succeeded {
                satisfied[dependent, default: []].insert(job)
                if satisfied[dependent]!.isSuperset(of: needs[dependent] ?? []) {
                    satisfied[dependent] = []
                    effects.append(.run(dependent))
                }
            } else {
                satisfied[dependent] = []
                effects.append(.block(dependent, upstream: job, run: run, status: status))
            }
        }
        return effects
    }

    /// The dependent ran for another reason (by hand, on schedule): its needs count again from now.
    public mutating func ran(_ dependent: JobID) {
        if needs[dependent] != nil { satisfied[dependent] = [] }
    }
}
