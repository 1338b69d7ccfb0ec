import Definitions
import Expressions
import Foundation
import Schedules

/// A job definition flattened to `path: value` pairs in the order of DESIGN.md §2, so two
/// versions compare field by field: `schedule.cron`, `params.market.allowed`, `steps[1].run`.
/// Values are rendered the way they would be written in YAML; indexes are 0-based.
enum JobFields {
    static func flatten(_ job: JobDefinition) -> [(path: String, value: String)] {
        var out: [(String, String)] = []
        func add(_ path: String, _ value: String?) {
            if let value { out.append((path, value)) }
        }
        add("name", quote(job.name))
        add("description", job.description.map(quote))
        add("enabled", job.enabled ? "true" : "false")
        if let schedule = job.schedule {
            add("schedule.\(schedule.kindName)", quote(schedule.text))
            add("schedule.timezone", zoneName(schedule.timeZone))
            add("schedule.start", schedule.start?.description)
            add("schedule.end", schedule.end?.description)
            add("schedule.jitter", schedule.jitter?.description)
            add("schedule.catchup", schedule.catchup.rawValue)
            add("schedule.catchupWindow", schedule.catchupWindow.description)
        }
        if !job.events.isEmpty { add("on.events", list(job.events.map(quote))) }
        add("filter", job.filter.map { quote($0.source) })
        for parameter in job.parameters {
            let base = "params.\(parameter.name)"
            add("\(base).type", parameter.type.rawValue)
            add("\(base).default", parameter.defaultValue.map(render))
            add("\(base).allowed", parameter.allowed.map { list($0.map(render)) })
            if parameter.required { add("\(base).required", "true") }
            add("\(base).description", parameter.description.map(quote))
        }
        for axis in job.matrix {
            add("matrix.\(axis.parameter)", list(axis.values.map(render)))
        }
        add("maxParallel", job.maxParallel.map(String.init))
        if !job.needs.isEmpty { add("needs", list(job.needs.map(\.rawValue))) }
        add("concurrency", job.concurrency.rawValue)
        if let limit = job.rateLimit { add("rateLimit", "{max: \(limit.max), per: \(limit.per)}") }
        add("timeout", job.timeout?.description)
        if job.retries.max > 0 || job.retries != .none {
            add("retries.max", String(job.retries.max))
            add("retries.backoff", job.retries.backoff.description)
            add("retries.maxBackoff", job.retries.maxBackoff.description)
        }
        add("until", job.until.map { quote($0.source) })
        for (index, step) in job.steps.enumerated() {
            let base = "steps[\(index)]"
            add("\(base).name", quote(step.name))
            switch step.kind {
            case .command(let argv): add("\(base).run", list(argv.map { quote($0.source) }))
            case .shell(let script): add("\(base).run", quote(script))
            case .agent(let name, let prompt):
                add("\(base).agent", name)
                add("\(base).prompt", quote(prompt.source))
            case .http(let request):
                add("\(base).http.method", request.method)
                add("\(base).http.url", quote(request.url.source))
                for name in request.headers.keys.sorted() {
                    add("\(base).http.headers.\(name)", quote(request.headers[name]!.source))
                }
                switch request.body {
                case .text(let body)?: add("\(base).http.body", quote(body.source))
                case .json(let json)?: add("\(base).http.json", json.source)
                case nil: break
                }
                add("\(base).http.timeout", request.timeout?.description)
            }
            for (name, value) in step.environment {
                add("\(base).env.\(name)", quote(value.source))
            }
            add("\(base).workdir", step.workdir.map(quote))
            add("\(base).timeout", step.timeout?.description)
            add("\(base).if", step.condition.map { quote($0.source) })
        }
        for (index, notification) in job.notifications.enumerated() {
            let base = "notify[\(index)]"
            add("\(base).on", list(notification.on))
            switch notification.target {
            case .webhook(let url, let format):
                add("\(base).webhook", quote(url.source))
                if format != .json { add("\(base).format", format.rawValue) }
            case .notifier(let name): add("\(base).notifier", name)
            }
        }
        return out
    }

    /// The fields that differ, in the order of the new definition, then those only the old had.
    static func changes(from old: JobDefinition?, to new: JobDefinition?) -> [FieldChange] {
        let before = old.map(flatten) ?? []
        let after = new.map(flatten) ?? []
        let oldValues = Dictionary(before, uniquingKeysWith: { first, _ in first })
        let newValues = Dictionary(after, uniquingKeysWith: { first, _ in first })
        var changes: [FieldChange] = []
        for (path, value) in after where oldValues[path] != value {
            changes.append(FieldChange(path: path, old: oldValues[path], new: value))
        }
        for (path, value) in before where newValues[path] == nil {
            changes.append(FieldChange(path: path, old: value, new: nil))
        }
        return changes
    }

    /// The next `count` scheduled instants after `now`; none for a disabled or unscheduled job.
    static func nextFires(_ job: JobDefinition?, after now: Date, count: Int = 3) -> [Date] {
        guard let job, job.enabled, let schedule = job.schedule else { return [] }
        return schedule.jobSchedule(for: job.id).fires(after: now, count: count).map(\.scheduledFor)
    }

    /// The zone's IANA name; Foundation on Linux names UTC "GMT", which users do not write.
    static func zoneName(_ zone: TimeZone) -> String {
        zone.identifier == "GMT" ? "UTC" : zone.identifier
    }

    /// A JSON string literal (also valid YAML), as plans show a value.
    static func quote(_ text: String) -> String {
        var out = ""
        Value.writeQuoted(text, to: &out)
        return out
    }

    static func list(_ items: [String]) -> String {
        "[" + items.joined(separator: ", ") + "]"
    }

    static func render(_ value: ParameterValue) -> String {
        switch value {
        case .string(let text): quote(text)
        case .number, .boolean: value.description
        }
    }
}
