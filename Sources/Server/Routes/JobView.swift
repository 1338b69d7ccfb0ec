package import Definitions
import Foundation
package import History
package import Scheduler
package import Schedules

/// A job as the API lists it: identity, schedule, state, next fire and last run.
///
/// `state` is ``JobState``, the rule `jobctl status` follows too.
package struct JobView: Encodable, Sendable {
    package struct ScheduleView: Encodable, Sendable {
        package var kind: String
        package var expression: String
        package var timezone: String
    }

    package struct LastRunView: Encodable, Sendable {
        package var run: String
        package var status: String
        package var finishedAt: String
    }

    package var id: String
    package var name: String
    package var description: String?
    package var enabled: Bool
    package var state: JobState
    package var schedule: ScheduleView?
    package var events: [String]
    package var nextFire: String?
    package var lastRun: LastRunView?
    /// A runtime pause (a drift from git).
    package var pause: JobPause?

    /// Every applied job, in id order.
    package static func all(_ api: JobctlAPI) async -> [JobView] {
        let (jobs, states) = await api.scheduler.jobSnapshots
        return zip(jobs, states).map { make($0, $1, lastRuns: api.lastRuns) }
    }

    /// The positions of the jobs that `covers` admits and whose id, name or description contains
    /// `q` (any case): the one search of the API's list and the dashboard's.
    package static func matching(_ jobs: [JobDefinition], q: String, covers: (String) -> Bool) -> [Int] {
        let needle = q.lowercased()
        return jobs.indices.filter { index in
            let job = jobs[index]
            return covers(job.id.rawValue) && (needle.isEmpty || job.id.rawValue.contains(needle)
                || job.name.lowercased().contains(needle) || (job.description?.lowercased().contains(needle) ?? false))
        }
    }

    /// A job's view from its definition and what the scheduler knows of it now.
    package static func make(_ job: JobDefinition, _ live: Scheduler.JobLiveState, lastRuns: LastRuns) -> JobView {
        make(job, next: live.next, completed: live.completed, running: live.running, lastRuns: lastRuns, pause: live.pause)
    }

    package static func make(_ job: JobDefinition, next: DueFire?, completed: Bool, running: Bool, lastRuns: LastRuns, pause: JobPause?) -> JobView {
        let last = lastRuns.lastRecord(of: job.id.rawValue)
        let lastRan = lastRuns.lastRun(of: job.id.rawValue)
        let state = JobState(.init(applied: true, enabled: job.enabled && pause == nil, running: running, completed: completed,
                                   lastRan: lastRan?.status, hasRecords: last != nil))
        return JobView(
            id: job.id.rawValue, name: job.name, description: job.description, enabled: job.enabled, state: state,
            schedule: job.schedule.map { ScheduleView(kind: $0.kindName, expression: $0.text, timezone: $0.timeZone.identifier) },
            events: job.events, nextFire: state.fires ? next.map { RecordTime.string($0.runAt) } : nil,
            lastRun: last.map { LastRunView(run: $0.run, status: $0.status.rawValue, finishedAt: RecordTime.string($0.finishedAt)) }, pause: pause)
    }
}

extension JobView {
    /// Writes the view as `JSONEncoder` with sorted keys does (absent optionals left out).
    func write(to out: inout JSONWriter) {
        out.raw("{")
        if let description {
            out.raw("\"description\":")
            out.string(description)
            out.raw(",")
        }
        out.raw("\"enabled\":")
        out.bool(enabled)
        out.raw(",\"events\":")
        out.strings(events)
        out.raw(",\"id\":")
        out.string(id)
        if let lastRun {
            out.raw(",\"lastRun\":{\"finishedAt\":")
            out.string(lastRun.finishedAt)
            out.raw(",\"run\":")
            out.string(lastRun.run)
            out.raw(",\"status\":")
            out.string(lastRun.status)
            out.raw("}")
        }
        out.raw(",\"name\":")
        out.string(name)
        if let nextFire {
            out.raw(",\"nextFire\":")
            out.string(nextFire)
        }
        if let pause {
            out.raw(",\"pause\":{\"by\":")
            out.string(pause.by)
            out.raw(",\"job\":")
            out.string(pause.job)
            if let reason = pause.reason {
                out.raw(",\"reason\":")
                out.string(reason)
            }
            out.raw(",\"since\":")
            out.string(RecordTime.string(pause.since))
            if let until = pause.until {
                out.raw(",\"until\":")
                out.string(RecordTime.string(until))
            }
            out.raw("}")
        }
        if let schedule {
            out.raw(",\"schedule\":{\"expression\":")
            out.string(schedule.expression)
            out.raw(",\"kind\":")
            out.string(schedule.kind)
            out.raw(",\"timezone\":")
            out.string(schedule.timezone)
            out.raw("}")
        }
        out.raw(",\"state\":")
        out.string(state.rawValue)
        out.raw("}")
    }
}

/// A job with its definition, next fire times, last runs and runs in progress: `GET /api/jobs/{id}`.
package struct JobDetail: Encodable, Sendable {
    package struct Parameter: Encodable, Sendable {
        package var name: String
        package var type: String
        package var defaultValue: ParameterValue?
        package var allowed: [ParameterValue]?
        package var required: Bool
        package var description: String?

        enum CodingKeys: String, CodingKey {
            case name, type, allowed, required, description
            case defaultValue = "default"
        }
    }

    package struct Definition: Encodable, Sendable {
        package struct StepView: Encodable, Sendable {
            package var name: String
            package var kind: String
        }

        package struct RateLimitView: Encodable, Sendable {
            package var max: Int
            package var per: String
        }

        package struct RetriesView: Encodable, Sendable {
            package var max: Int
            package var backoff: String
        }

        package var file: String
        package var filter: String?
        package var until: String?
        package var params: [Parameter]
        package var matrix: [String: [ParameterValue]]
        package var needs: [String]
        package var concurrency: String
        package var rateLimit: RateLimitView?
        package var timeout: String?
        package var retries: RetriesView
        package var steps: [StepView]
    }

    package struct InProgress: Encodable, Sendable {
        package var run: String
        package var trigger: String
        package var startedAt: String
        package var fanout: Fanout?
    }

    package var job: JobView
    package var definition: Definition
    package var nextFires: [FireTimeItem]
    package var lastRuns: [RunRecord]
    package var runsInProgress: [InProgress]
    /// Its fan-outs with runs running or waiting (`maxParallel`).
    package var fanOutsInProgress: [Scheduler.FanOutState]

    package static func make(_ job: JobDefinition, api: JobctlAPI) async -> JobDetail {
        let scheduler = api.scheduler
        let running = await scheduler.runningRuns.filter { $0.job == job.id }
        let view = JobView.make(job, next: await scheduler.nextFire(of: job.id), completed: await scheduler.isCompleted(job.id),
                                running: !running.isEmpty, lastRuns: api.lastRuns, pause: await scheduler.pausedJobs[job.id.rawValue])
        var nextFires: [FireTimeItem] = []
        if job.enabled, let schedule = job.schedule, !(await scheduler.isCompleted(job.id)) {
            let sequence = schedule.jobSchedule(for: job.id)
            let fires = sequence.fires(after: Date(), count: 5)
            nextFires = FireTimePreview(fires: fires, zone: sequence.zone, now: Date()).items
        }
        let lastRuns = (try? HistoryReader(folder: api.history).lastRecords(job: job.id.rawValue, count: 5).records.reversed()) ?? []
        let definition = Definition(
            file: job.file, filter: job.filter?.source, until: job.until?.source,
            params: job.parameters.map { Parameter(name: $0.name, type: $0.type.rawValue, defaultValue: $0.defaultValue, allowed: $0.allowed, required: $0.required, description: $0.description) },
            matrix: Dictionary(job.matrix.map { ($0.parameter, $0.values) }, uniquingKeysWith: { a, _ in a }),
            needs: job.needs.map(\.rawValue), concurrency: job.concurrency.rawValue,
            rateLimit: job.rateLimit.map { .init(max: $0.max, per: $0.per.description) },
            timeout: job.timeout?.description,
            retries: .init(max: job.retries.max, backoff: job.retries.backoff.description),
            steps: job.steps.map { .init(name: $0.name, kind: $0.kindName) })
        return JobDetail(job: view, definition: definition, nextFires: nextFires, lastRuns: Array(lastRuns),
                         runsInProgress: running.map { .init(run: $0.run, trigger: $0.trigger.rawValue, startedAt: RecordTime.string($0.startedAt), fanout: $0.fanout) },
                         fanOutsInProgress: await scheduler.fanOutsInProgress.filter { $0.job == job.id })
    }
}
