import Foundation
import Schedules
import Expressions

/// Reads one job file into a `JobDefinition`, collecting every problem in it.
/// Checks that need other files (`needs`, cycles) are `CrossFileChecks`.
enum JobFileParser {
    static let conditionRoots: Set<String> = ["event", "params", "run", "steps", "job"]
    /// What a webhook URL may refer to: the run it reports on.
    static let notificationScope = ExpressionScope(roots: ["job", "run", "params"], parameters: nil, earlierSteps: nil)

    static func parse(_ root: YAMLNode, id: JobID, config: RepositoryConfig, context: LoadContext) -> JobDefinition? {
        guard let fields = Fields(root, shape: FileShapes.job, path: "", context: context) else { return nil }
        var failed = false
        func require<T>(_ value: T?, when key: String) -> T? {
            if value == nil && fields.has(key) { failed = true }
            return value
        }

        let (parameters, parametersValid) = readParameters(fields)
        if !parametersValid { failed = true }
        let parameterNames = Set(parameters.map(\.name))
        let schedule = require(readSchedule(fields, id: id, config: config), when: "schedule")
        let events = require(readEvents(fields), when: "on") ?? []
        let eventScope = ExpressionScope(roots: conditionRoots, parameters: parameterNames, earlierSteps: [])
        let filter: Condition? = require(fields.expression("filter", scope: eventScope), when: "filter")
        if filter != nil && events.isEmpty {
            context.warning("'filter' applies only to event runs, and this job has no 'on.events'", at: fields.keyNode("filter")!)
        }
        let matrix = require(readMatrix(fields, parameters: parameters), when: "matrix") ?? []
        let needs = require(readNeeds(fields, id: id), when: "needs") ?? []
        let rateLimit = require(readRateLimit(fields), when: "rateLimit")
        let retries = require(readRetries(fields["retries"], field: "retries", context: context), when: "retries")
        let steps = require(readSteps(fields, parameters: parameterNames, config: config), when: "steps") ?? []
        let notifications = require(readNotifications(fields, config: config), when: "notify") ?? []
        let untilScope = ExpressionScope(roots: conditionRoots, parameters: parameterNames, earlierSteps: Set(steps.map(\.name)))
        let until: Condition? = require(fields.expression("until", scope: untilScope), when: "until")

        let definition = JobDefinition(
            id: id,
            file: context.file,
            name: require(fields.string("name"), when: "name") ?? id.rawValue,
            description: fields.string("description"),
            enabled: require(fields.boolean("enabled"), when: "enabled") ?? true,
            schedule: schedule,
            events: events,
            filter: filter,
            parameters: parameters,
            matrix: matrix,
            maxParallel: require(fields.integer("maxParallel"), when: "maxParallel"),
            needs: needs,
            concurrency: require(fields.enumeration("concurrency", as: ConcurrencyPolicy.self), when: "concurrency") ?? config.defaults.concurrency,
            rateLimit: rateLimit,
            timeout: require(fields.duration("timeout"), when: "timeout") ?? config.defaults.timeout,
            retries: retries ?? config.defaults.retries,
            until: until,
            steps: steps,
            notifications: notifications
        )
        if let node = fields["maxParallel"], matrix.isEmpty {
            context.warning("'maxParallel' has no effect without a 'matrix'", at: node)
        }
        _ = fields.string("apiVersion")
        return failed || context.log.hasErrors ? nil : definition
    }

    // MARK: schedule

    static func readSchedule(_ fields: Fields, id: JobID, config: RepositoryConfig) -> ScheduleDefinition? {
        guard let node = fields["schedule"] else { return nil }
        let context = fields.context
        if let scalar = node.scalar {
            guard let cron = Fields.cron(scalar.text, node: node, context: context) else { return nil }
            return ScheduleDefinition(kind: .cron(cron), text: scalar.text, timeZone: config.timeZone, start: nil, end: nil, jitter: nil,
                                      catchup: config.defaults.catchup, catchupWindow: config.defaults.catchupWindow)
        }
        guard let schedule = Fields(node, shape: FileShapes.schedule, path: "schedule", context: context) else { return nil }
        let errorsBefore = context.log.errorCount
        var kind: JobSchedule.Kind?
        var text = ""
        if let cron = schedule.cron("cron") {
            kind = .cron(cron)
            text = cron.source
        } else if let every = schedule.duration("every") {
            if every.milliseconds < 1000 {
                context.error("'schedule.every' must be at least 1s", at: schedule["every"]!)
            }
            kind = .every(every)
            text = every.description
        } else if let at = schedule.dateTime("at") {
            kind = .at(at)
            text = schedule.string("at") ?? ""
        }
        let zone = schedule.timeZone("timezone") ?? config.timeZone
        let start = schedule.dateTime("start")
        let end = schedule.dateTime("end")
        let jitter = schedule.duration("jitter")
        let catchup = schedule.enumeration("catchup", as: CatchupPolicy.self) ?? config.defaults.catchup
        let window = schedule.duration("catchupWindow") ?? config.defaults.catchupWindow
        guard let kind, context.log.errorCount == errorsBefore else { return nil }
        if let start, let end, start.resolve(in: zone) > end.resolve(in: zone) {
            context.error("'schedule.start' (\(schedule.string("start")!)) is after 'schedule.end' (\(schedule.string("end")!)); the job could never fire", at: schedule["start"]!)
            return nil
        }
        let definition = ScheduleDefinition(kind: kind, text: text, timeZone: zone, start: start, end: end, jitter: jitter, catchup: catchup, catchupWindow: window)
        if !definition.jobSchedule(for: id).canEverFire {
            let key = schedule.has("at") ? "at" : schedule.has("cron") ? "cron" : "every"
            context.error("'schedule' can never fire between its start and end", at: schedule[key]!)
            return nil
        }
        return definition
    }
}
