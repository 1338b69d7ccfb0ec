import Foundation
import Definitions
import Expressions
import History

/// What the scheduler learns from history when it loads the applied jobs: where catch-up
/// starts, whether `until` (or a one-off) is already done, what a dependent's needs did. Read
/// on the tracker's I/O thread.
enum HistoryFacts {
    /// The latest scheduled time any record of the job covers. Records are appended in the order
    /// they finish, not the order of their fires (a long run finishes after a later fire's
    /// `skipped`; recovery appends `interrupted` records at start), so the file is read backwards
    /// until records finished before the latest fire seen: no earlier line can cover a later fire.
    static func lastRecordedFire(of job: JobID, tracker: RunTracker) async -> Date? {
        let reader = HistoryReader(folder: tracker.history)
        return await tracker.io.run {
            var latest: Date?
            _ = try? reader.lastRecord(job: job.rawValue) { record in
                if let latest, record.finishedAt < latest.addingTimeInterval(-recordOrderSlack) { return true }
                if let covered = [record.scheduledFor, record.lastScheduledFor].compactMap({ $0 }).max() {
                    latest = max(latest ?? covered, covered)
                }
                return false
            }
            return latest
        }
    }

    /// How far out of order (by finish time) records may be written: clocks step, appends queue.
    static let recordOrderSlack: TimeInterval = 600

    /// A one-off whose fire is recorded, or a job whose `until` holds on its last run.
    static func untilAlreadySatisfied(_ job: JobDefinition, tracker: RunTracker) async -> Bool {
        let reader = HistoryReader(folder: tracker.history)
        return await tracker.io.run { isCompleted(job, reader: reader) }
    }

    /// The rule behind ``untilAlreadySatisfied(_:tracker:)``, read from `reader` on the caller's thread.
    static func isCompleted(_ job: JobDefinition, reader: HistoryReader) -> Bool {
        if case .at = job.schedule?.kind {
            let record = try? reader.lastRecord(job: job.id.rawValue) { $0.trigger == .schedule || $0.trigger == .catchup || $0.status == .missed }
            if record.map({ $0.scheduledFor != nil || $0.lastScheduledFor != nil }) ?? false { return true }
        }
        guard let until = job.until else { return false }
        guard let last = try? reader.lastRecord(job: job.id.rawValue, where: { $0.status.ran }) else { return false }
        return until.isSatisfied(by: untilContext(job: job, record: last).values)
    }

    /// What `until` sees after a run: the job, the run with its status, its parameters, its steps.
    static func untilContext(job: JobDefinition, record: RunRecord) -> ExpressionContext {
        var context = ExpressionContext(
            job: job,
            run: .init(id: record.run, trigger: record.trigger.rawValue, attempt: record.attempt ?? 1, scheduledFor: record.scheduledFor,
                       startedAt: record.startedAt, commit: record.commit, status: record.status.rawValue, exitCode: record.exitCode),
            params: record.params.mapValues(\.parameterValue))
        for step in record.steps {
            context.record(step: step.name, .init(status: step.status.rawValue, exitCode: step.exitCode, durationMs: step.durationMs))
        }
        return context
    }

    /// The needs of `job` whose last run completed after `job`'s own last run (or block).
    static func needsSucceededSinceLastRun(_ job: JobDefinition, tracker: RunTracker) async -> Set<JobID> {
        let reader = HistoryReader(folder: tracker.history)
        return await tracker.io.run {
            let own = try? reader.lastRecord(job: job.id.rawValue) { $0.status.ran || $0.status == .blocked }
            var satisfied: Set<JobID> = []
            for need in job.needs {
                guard let last = try? reader.lastRecord(job: need.rawValue, where: { $0.status.ran }), last.status == .completed else { continue }
                if own.map({ last.finishedAt > $0.finishedAt }) ?? true { satisfied.insert(need) }
            }
            return satisfied
        }
    }
}

extension JSONScalar {
    /// The parameter value a record's scalar was written from.
    var parameterValue: ParameterValue {
        switch self {
        case .string(let text): .string(text)
        case .integer(let number): .number(Double(number))
        case .number(let number): .number(number)
        case .bool(let flag): .boolean(flag)
        }
    }
}
