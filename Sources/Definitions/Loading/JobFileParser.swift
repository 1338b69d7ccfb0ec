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

    // MARK: events and parameters

    static func readEvents(_ fields: Fields) -> [String]? {
        guard let node = fields["on"], let on = Fields(node, shape: FileShapes.on, path: "on", context: fields.context) else {
            return fields.has("on") ? nil : []
        }
        guard let events = on.stringList("events") else { return nil }
        var result: [String] = []
        for (text, node) in events {
            let valid = !text.isEmpty && text.count <= 200 && text.unicodeScalars.allSatisfy { !$0.properties.isWhitespace && $0.value > 0x20 }
            if !valid {
                fields.context.error("'on.events': '\(text)' is not a valid event type (no spaces, at most 200 characters)", at: node)
                return nil
            }
            result.append(text)
        }
        if result.isEmpty {
            fields.context.error("'on.events' lists no event types", at: on["events"]!)
            return nil
        }
        return result
    }

    /// Every parameter that could be read (so later checks know the names), and whether all were valid.
    static func readParameters(_ fields: Fields) -> ([ParameterDefinition], Bool) {
        guard let pairs = fields.mapping("params") else { return ([], !fields.has("params")) }
        let context = fields.context
        var result: [ParameterDefinition] = []
        var ok = true
        for pair in pairs {
            let name = pair.key.scalar?.text ?? ""
            guard Fields.isName(name), !name.contains("-") else {
                context.error("parameter name '\(name)' must start with a letter or '_' and use letters, digits and '_' (it becomes JOBCTL_PARAM_\(name.uppercased()))", at: pair.key)
                ok = false
                continue
            }
            if let scalar = pair.value.scalar, !pair.value.isNull {
                let value = literal(scalar, declared: nil)
                result.append(ParameterDefinition(name: name, type: value.type, defaultValue: value, allowed: nil, required: false, description: nil))
                continue
            }
            guard let parameter = Fields(pair.value, shape: FileShapes.parameter, path: "params.\(name)", context: context) else {
                ok = false
                continue
            }
            let type = parameter.enumeration("type", as: ParameterType.self) ?? .string
            var definition = ParameterDefinition(name: name, type: type, defaultValue: nil, allowed: nil, required: parameter.boolean("required") ?? false, description: parameter.string("description"))
            if let allowedNodes = parameter.list("allowed") {
                var allowed: [ParameterValue] = []
                for (index, node) in allowedNodes.enumerated() {
                    if let value = typedValue(node, type: type, field: "params.\(name).allowed[\(index)]", context: context) { allowed.append(value) } else { ok = false }
                }
                if allowed.isEmpty && allowedNodes.isEmpty {
                    context.error("'params.\(name).allowed' is empty; no value could ever be given", at: parameter["allowed"]!)
                    ok = false
                }
                definition.allowed = allowed
            }
            if let node = parameter["default"] {
                if let value = typedValue(node, type: type, field: "params.\(name).default", context: context) {
                    if let problem = definition.problem(with: value) {
                        context.error("'params.\(name).default': \(problem)", at: node)
                        ok = false
                    }
                    definition.defaultValue = value
                } else {
                    ok = false
                }
            }
            if definition.required, definition.defaultValue != nil {
                context.warning("'params.\(name)' is required but has a default, so a value is never missing", at: parameter["required"]!)
            }
            result.append(definition)
        }
        return (result, ok)
    }

    /// A scalar as a parameter value of `type`; quoted scalars are strings, plain ones are read as the type asks.
    static func typedValue(_ node: YAMLNode, type: ParameterType, field: String, context: LoadContext) -> ParameterValue? {
        guard let scalar = node.scalar, !node.isNull else {
            context.error("'\(field)' must be a \(type.rawValue), not \(node.kindDescription)", at: node)
            return nil
        }
        if type == .string {
            return .string(scalar.text)
        }
        if scalar.isPlain, let value = ParameterValue.parse(scalar.text, as: type) {
            return value
        }
        context.error("'\(field)' must be a \(type.rawValue), not \(node.kindDescription)", at: node)
        return nil
    }

    /// A scalar whose type is not declared: plain numbers and booleans keep their type, everything else is a string.
    static func literal(_ scalar: YAMLScalar, declared: ParameterType?) -> ParameterValue {
        guard scalar.isPlain else { return .string(scalar.text) }
        if let value = ParameterValue.parse(scalar.text, as: .boolean) { return value }
        if let value = ParameterValue.parse(scalar.text, as: .number), !scalar.text.hasPrefix("0") || scalar.text == "0" || scalar.text.hasPrefix("0.") { return value }
        return .string(scalar.text)
    }

    static func readMatrix(_ fields: Fields, parameters: [ParameterDefinition]) -> [MatrixAxis]? {
        guard let pairs = fields.mapping("matrix") else { return fields.has("matrix") ? nil : [] }
        let context = fields.context
        var axes: [MatrixAxis] = []
        var ok = true
        for pair in pairs {
            let name = pair.key.scalar?.text ?? ""
            guard let parameter = parameters.first(where: { $0.name == name }) else {
                let declared = parameters.map(\.name)
                context.error("matrix key '\(name)' is not a declared parameter\(Suggestion.didYouMean(name, among: declared)); declare it under 'params'", at: pair.key)
                ok = false
                continue
            }
            guard let items = pair.value.sequence, !items.isEmpty else {
                context.error("'matrix.\(name)' must be a non-empty list of values", at: pair.value)
                ok = false
                continue
            }
            var values: [ParameterValue] = []
            for (index, item) in items.enumerated() {
                let field = "matrix.\(name)[\(index)]"
                guard let value = typedValue(item, type: parameter.type, field: field, context: context) else { ok = false; continue }
                if let problem = parameter.problem(with: value) {
                    context.error("'\(field)': \(problem)", at: item)
                    ok = false
                } else if values.contains(value) {
                    context.error("'\(field)': \(value.describedWithType) is listed twice", at: item)
                    ok = false
                } else {
                    values.append(value)
                }
            }
            axes.append(MatrixAxis(parameter: name, values: values))
        }
        let combinations = axes.reduce(1) { $0 * max($1.values.count, 1) }
        if combinations > 1000, let node = fields["matrix"] {
            context.error("'matrix' makes \(combinations) runs per fire; at most 1000 are allowed", at: node)
            ok = false
        }
        return ok ? axes : nil
    }

    static func readNeeds(_ fields: Fields, id: JobID) -> [JobID]? {
        guard let items = fields.stringList("needs") else { return fields.has("needs") ? nil : [] }
        var result: [JobID] = []
        for (text, node) in items {
            guard let need = JobID(text) else {
                fields.context.error("'needs': \(JobID.problem(with: text)!)", at: node)
                return nil
            }
            if need == id {
                fields.context.error("'needs': a job cannot need itself", at: node)
                return nil
            }
            result.append(need)
            fields.context.needs.append(need)
            fields.context.needsLocations[need] = fields.context.location(of: node)
        }
        return result
    }

    static func readRateLimit(_ fields: Fields) -> RateLimit? {
        guard let node = fields["rateLimit"], let limit = Fields(node, shape: FileShapes.rateLimit, path: "rateLimit", context: fields.context),
              let max = limit.integer("max"), let per = limit.duration("per") else { return nil }
        if per.milliseconds < 1000 {
            fields.context.error("'rateLimit.per' must be at least 1s", at: limit["per"]!)
            return nil
        }
        return RateLimit(max: max, per: per)
    }

    static func readRetries(_ node: YAMLNode?, field: String, context: LoadContext) -> RetryPolicy? {
        guard let node else { return nil }
        if node.scalar != nil {
            guard let max = Fields.integer(node, field: field, minimum: 0, maximum: 100, context: context) else { return nil }
            return RetryPolicy(max: max, backoff: RetryPolicy.defaultBackoff, maxBackoff: RetryPolicy.defaultMaxBackoff)
        }
        guard let retries = Fields(node, shape: FileShapes.retries, path: field, context: context), let max = retries.integer("max") else { return nil }
        let backoff = retries.duration("backoff") ?? RetryPolicy.defaultBackoff
        let cap = retries.duration("maxBackoff") ?? Swift.max(RetryPolicy.defaultMaxBackoff, backoff)
        if cap < backoff {
            context.error("'\(field).maxBackoff' (\(cap)) is shorter than 'backoff' (\(backoff))", at: retries["maxBackoff"]!)
            return nil
        }
        return RetryPolicy(max: max, backoff: backoff, maxBackoff: cap)
    }

    // MARK: steps

    static func readSteps(_ fields: Fields, parameters: Set<String>, config: RepositoryConfig) -> [Step]? {
        guard let items = fields.list("steps") else { return nil }
        let context = fields.context
        if items.isEmpty {
            context.error("'steps' is empty; a job needs at least one step", at: fields["steps"]!)
            return nil
        }
        // Names first, so a condition can tell a later step from an unknown one.
        var names: [String] = []
        for (index, item) in items.enumerated() {
            let explicit = item.mapping?.first { $0.key.scalar?.text == "name" }?.value.scalar?.text
            names.append(explicit ?? "step\(index + 1)")
        }
        var steps: [Step] = []
        var ok = true
        var seen: [String: Int] = [:]
        for (index, item) in items.enumerated() {
            let path = "steps[\(index)]"
            guard let step = Fields(item, shape: FileShapes.step, path: path, context: context) else { ok = false; continue }
            let name = step.has("name") ? step.name("name") : names[index]
            guard let name else { ok = false; continue }
            if let first = seen[name] {
                context.error("step name '\(name)' is used twice (also steps[\(first)])", at: step["name"] ?? item)
                ok = false
            }
            seen[name] = index
            let scope = ExpressionScope(roots: conditionRoots, parameters: parameters, earlierSteps: Set(names[..<index]), laterSteps: Set(names[index...]))
            let errors = context.log.errorCount
            let kind = readStepKind(step, path: path, scope: scope, config: config)
            var environment: [(String, Template)] = []
            if let pairs = step.mapping("env") {
                for pair in pairs {
                    let key = pair.key.scalar?.text ?? ""
                    guard key.unicodeScalars.first.map({ !("0"..."9").contains($0) }) == true,
                          key.unicodeScalars.allSatisfy({ $0 == "_" || ("A"..."Z").contains($0) || ("a"..."z").contains($0) || ("0"..."9").contains($0) }) else {
                        context.error("'\(path).env': '\(key)' is not a valid environment variable name", at: pair.key)
                        continue
                    }
                    guard let text = Fields.text(pair.value, field: "\(path).env.\(key)", context: context),
                          let value = Fields.template(text, node: pair.value, field: "\(path).env.\(key)", scope: scope, context: context) else { continue }
                    environment.append((key, value))
                }
            }
            let condition = step.expression("if", scope: scope)
            let definition = Step(name: name, kind: kind ?? .shell(""), environment: environment, workdir: step.string("workdir"),
                                  timeout: step.duration("timeout"), condition: condition)
            if let workdir = definition.workdir, workdir.hasPrefix("/") || workdir.split(separator: "/").contains("..") {
                context.error("'\(path).workdir' must be a folder inside the root, not '\(workdir)'", at: step["workdir"]!)
            }
            if kind == nil || context.log.errorCount != errors { ok = false }
            steps.append(definition)
        }
        return ok ? steps : nil
    }

    static func readStepKind(_ step: Fields, path: String, scope: ExpressionScope, config: RepositoryConfig) -> Step.Kind? {
        let context = step.context
        if let node = step["run"] {
            if let text = node.scalar?.text {
                if text.trimmingCharacters(in: [" "]).isEmpty {
                    context.error("'\(path).run' is empty", at: node)
                    return nil
                }
                // `${VAR}` is ordinary shell; only Mustache templates and secret references are refused.
                if text.contains("{{") || text.contains("${secrets.") {
                    context.error("'\(path).run' is a shell command and is not templated; pass values through 'env' (e.g. env: {MARKET: \"{{params.market}}\"}) and use \"$MARKET\", or write 'run' as an argv list", at: node)
                    return nil
                }
                return .shell(text)
            }
            guard let arguments = step.stringList("run") else { return nil }
            if arguments.isEmpty {
                context.error("'\(path).run' is an empty list; the first item is the program", at: node)
                return nil
            }
            var argv: [Template] = []
            for (index, argument) in arguments.enumerated() {
                guard let template = Fields.template(argument.text, node: argument.node, field: "\(path).run[\(index)]", scope: scope, context: context) else { return nil }
                argv.append(template)
            }
            return .command(argv)
        }
        if let node = step["agent"] {
            guard let name = step.name("agent") else { return nil }
            if config.agents[name] == nil {
                let known = config.agents.keys.sorted()
                let list = known.isEmpty ? "jobctl.yaml defines no agents" : "jobctl.yaml defines \(known.joined(separator: ", "))"
                context.error("'\(path).agent': unknown agent '\(name)'\(Suggestion.didYouMean(name, among: known)); \(list)", at: node)
                return nil
            }
            guard step.has("prompt") else {
                context.error("'\(path)' is an agent step and needs a 'prompt'", at: step.node)
                return nil
            }
            guard let prompt = step.template("prompt", scope: scope) else { return nil }
            return .agent(name: name, prompt: prompt)
        }
        if step.has("prompt") {
            context.error("'\(path).prompt' applies only to agent steps", at: step.keyNode("prompt")!)
        }
        if let node = step["http"] {
            return readHTTP(node, path: "\(path).http", scope: scope, context: context).map(Step.Kind.http)
        }
        return nil
    }

    static func readHTTP(_ node: YAMLNode, path: String, scope: ExpressionScope, context: LoadContext) -> HTTPRequest? {
        guard let http = Fields(node, shape: FileShapes.http, path: path, context: context), let url = http.url("url", scope: scope) else { return nil }
        var headers: [String: Template] = [:]
        var valid = true
        for pair in http.mapping("headers") ?? [] {
            let name = pair.key.scalar?.text ?? ""
            guard let text = Fields.text(pair.value, field: "\(path).headers.\(name)", context: context),
                  let value = Fields.template(text, node: pair.value, field: "\(path).headers.\(name)", scope: scope, context: context) else { valid = false; continue }
            headers[name] = value
        }
        var body: HTTPBody?
        if let node = http["body"] {
            guard let text = http.template("body", scope: scope) else { return nil }
            Fields.warnAboutHandWrittenJSON(text, node: node, field: "\(path).body", context: context)
            body = .text(text)
        } else if let node = http["json"] {
            guard let json = Fields.jsonTemplate(node, field: "\(path).json", scope: scope, context: context) else { return nil }
            body = .json(json)
        }
        let method = http.string("method")
        if let method, !FileShapes.httpMethods.contains(method) {
            context.error("'\(path).method' must be one of \(FileShapes.httpMethods.joined(separator: ", ")), not '\(method)'", at: http["method"]!)
            return nil
        }
        guard valid else { return nil }
        return HTTPRequest(method: method ?? (body == nil ? "GET" : "POST"), url: url, headers: headers, body: body, timeout: http.duration("timeout"))
    }

    // MARK: notify

    static func readNotifications(_ fields: Fields, config: RepositoryConfig) -> [Notification]? {
        guard let items = fields.list("notify") else { return fields.has("notify") ? nil : [] }
        let context = fields.context
        var result: [Notification] = []
        var ok = true
        for (index, item) in items.enumerated() {
            let path = "notify[\(index)]"
            guard let notify = Fields(item, shape: FileShapes.notify, path: path, context: context) else { ok = false; continue }
            var statuses = ["failed", "timed_out"]
            if let list = notify.stringList("on") {
                statuses = []
                for (status, node) in list {
                    guard FileShapes.statuses.contains(status) else {
                        context.error("'\(path).on': '\(status)' is not a final run status\(Suggestion.didYouMean(status, among: FileShapes.statuses)); use \(FileShapes.statuses.joined(separator: ", "))", at: node)
                        ok = false
                        continue
                    }
                    statuses.append(status)
                }
            }
            if let url = notify.url("webhook", scope: Self.notificationScope) {
                result.append(Notification(on: statuses, target: .webhook(url)))
            } else if let name = notify.name("notifier") {
                if config.notifiers[name] == nil {
                    let known = config.notifiers.keys.sorted()
                    context.error("'\(path).notifier': unknown notifier '\(name)'\(Suggestion.didYouMean(name, among: known)); define it under 'notifiers' in jobctl.yaml", at: notify["notifier"]!)
                    ok = false
                }
                result.append(Notification(on: statuses, target: .notifier(name)))
            } else {
                ok = false
            }
        }
        return ok ? result : nil
    }
}
