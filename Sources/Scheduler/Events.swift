public import Foundation
public import Definitions
public import Expressions
import History

/// What happened to one job for an incoming event.
public struct EventDecision: Sendable {
    public enum Outcome: Sendable {
        /// The filter passed (or there is none): these runs started (empty when queued).
        case started([String])
        /// The filter was false; the event was recorded `filtered` as this run id.
        case filtered(run: String)
        /// The filter passed but the run did not start (concurrency, rate limit, parameters).
        case refused(TriggerRefusal)
    }

    public var job: JobID
    public var outcome: Outcome
}

extension Scheduler {
    /// Offers an event to every applied, enabled job whose `on.events` lists `type` (or, with
    /// `only`, to that one job whatever it lists: a signed webhook names its job). Each job's
    /// `filter` is evaluated with `event` = the payload; those that pass run (trigger `event`),
    /// those that do not are recorded `filtered`.
    /// - Parameter parameters: values for the jobs' params, checked like any other trigger's.
    public func dispatchEvent(type: String, payload: Value, parameters: [String: ParameterValue] = [:], only: JobID? = nil) async -> [EventDecision] {
        let candidates = jobs.filter { job in
            guard job.enabled else { return false }
            if let only { return job.id == only }
            return job.events.contains(type)
        }
        var decisions: [EventDecision] = []
        for job in candidates {
            let context: [String: Value] = [
                "event": payload,
                "params": .object(job.parameters.reduce(into: [:]) { values, parameter in
                    if let value = parameters[parameter.name] ?? parameter.defaultValue { values[parameter.name] = value.expressionValue }
                }),
                "job": .object(["id": .string(job.id.rawValue), "name": .string(job.name)]),
                "run": .object(["trigger": .string("event")]),
                "steps": .object([:]),
            ]
            if let filter = job.filter, !filter.isSatisfied(by: context) {
                let run = await recordFiltered(job, type: type, filter: filter, parameters: parameters)
                decisions.append(EventDecision(job: job.id, outcome: .filtered(run: run)))
                continue
            }
            do {
                let runs = try await trigger(job.id, trigger: .event, parameters: parameters, event: payload)
                decisions.append(EventDecision(job: job.id, outcome: .started(runs)))
            } catch {
                decisions.append(EventDecision(job: job.id, outcome: .refused(error)))
            }
        }
        return decisions
    }
}

extension ParameterValue {
    var expressionValue: Value {
        switch self {
        case .string(let text): .string(text)
        case .number(let number): .number(number)
        case .boolean(let flag): .bool(flag)
        }
    }
}
