import Definitions
import Foundation
import History
import Scheduler
import Schedules

/// A job as the API lists it: identity, schedule, state, next fire and last run.
///
/// `state` is ``JobState``, the rule `jobctl status` follows too.
struct JobView: Encodable, Sendable {
    struct ScheduleView: Encodable, Sendable {
        var kind: String
        var expression: String
        var timezone: String
    }

    struct LastRunView: Encodable, Sendable {
        var run: String
        var status: String
        var finishedAt: String
    }

    var id: String
    var name: String
    var description: String?
    var enabled: Bool
    var state: JobState
    var schedule: ScheduleView?
    var events: [String]
    var nextFire: String?
    var lastRun: LastRunView?
    /// A runtime pause (a drift from git).
    var pause: JobPause?

    /// Every applied job, in id order.
    static func all(_ api: JobctlAPI) async -> [JobView] {
        let scheduler = api.scheduler
        let jobs = await scheduler.jobs
        let running = Set(await scheduler.runningRuns.map(\.job))
        let paused = await scheduler.pausedJobs
        var views: [JobView] = []
        views.reserveCapacity(jobs.count)
        for job in jobs {
            views.append(make(job, next: await scheduler.nextFire(of: job.id), completed: await scheduler.isCompleted(job.id),
                              running: running.contains(job.id), lastRuns: api.lastRuns, pause: paused[job.id.rawValue]))
        }
        return views
    }

    static func make(_ job: JobDefinition, next: DueFire?, completed: Bool, running: Bool, lastRuns: LastRuns, pause: JobPause?) -> JobView {
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

/// A job with its definition, next fire times, last runs and runs in progress: `GET /api/jobs/{id}`.
struct JobDetail: Encodable, Sendable {
    struct Parameter: Encodable, Sendable {
        var name: String
        var type: String
        var defaultValue: ParameterValue?
        var allowed: [ParameterValue]?
        var required: Bool
        var description: String?

        enum CodingKeys: String, CodingKey {
            case name, type, allowed, required, description
            case defaultValue = "default"
        }
    }

    struct Definition: Encodable, Sendable {
        struct StepView: Encodable, Sendable {
            var name: String
            var kind: String
        }

        struct RateLimitView: Encodable, Sendable {
            var max: Int
            var per: String
        }

        struct RetriesView: Encodable, Sendable {
            var max: Int
            var backoff: String
        }

        var file: String
        var filter: String?
        var until: String?
        var params: [Parameter]
        var matrix: [String: [ParameterValue]]
        var needs: [String]
        var concurrency: String
        var rateLimit: RateLimitView?
        var timeout: String?
        var retries: RetriesView
        var steps: [StepView]
    }

    struct InProgress: Encodable, Sendable {
        var run: String
        var trigger: String
        var startedAt: String
        var fanout: Fanout?
    }

    var job: JobView
    var definition: Definition
    var nextFires: [FireTimeItem]
    var lastRuns: [RunRecord]
    var runsInProgress: [InProgress]
    /// Its fan-outs with runs running or waiting (`maxParallel`).
    var fanOutsInProgress: [Scheduler.FanOutState]

    static func make(_ job: JobDefinition, api: JobctlAPI) async -> JobDetail {
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
