import Foundation
import Schedules
import Expressions

/// Reading the steps and notifications of a job file.
extension JobFileParser {
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
                if text.utf8.allSatisfy({ $0 == UInt8(ascii: " ") }) {
                    context.error("'\(path).run' is empty", at: node)
                    return nil
                }
                // `${VAR}` is ordinary shell; only Mustache templates and secret references are refused.
                if text.containsBytes("{{") || text.containsBytes("${secrets.") {
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

    /// - Parameter bodyless: the method when none is given and the request has no body (`GET`; an
    ///   http agent's is `POST`: the prompt becomes its body).
    static func readHTTP(_ node: YAMLNode, path: String, scope: ExpressionScope, context: LoadContext, bodyless: String = "GET") -> HTTPRequest? {
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
        return HTTPRequest(method: method ?? (body == nil ? bodyless : "POST"), url: url, headers: headers, body: body, timeout: http.duration("timeout"))
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
                    guard FileShapes.notificationEvents.contains(status) else {
                        context.error("'\(path).on': '\(status)' is not a final run status\(Suggestion.didYouMean(status, among: FileShapes.notificationEvents)); use \(FileShapes.notificationEvents.joined(separator: ", "))", at: node)
                        ok = false
                        continue
                    }
                    statuses.append(status)
                }
            }
            let perFanOut = notify.string("per") == "fanout"
            if let per = notify.string("per"), per != "run", per != "fanout" {
                context.error("'\(path).per' must be run or fanout, not '\(per)'", at: notify["per"]!)
                ok = false
            }
            if perFanOut, let event = statuses.first(where: { $0 == "recovered" || $0 == "changed" }) {
                context.error("'\(path).on': '\(event)' compares one run with the previous run of its matrix cell; with 'per: fanout' list statuses", at: notify["on"]!)
                ok = false
            }
            let changedOnReport = notify.string("changedOn") == "report"
            if let value = notify.string("changedOn"), value != "status", value != "report" {
                context.error("'\(path).changedOn' must be status or report, not '\(value)'", at: notify["changedOn"]!)
                ok = false
            }
            let chosen = notify.enumeration("format", as: WebhookFormat.self)
            if notify.has("format"), chosen == nil { ok = false }
            let format = chosen ?? .json
            if let url = notify.url("webhook", scope: Self.notificationScope) {
                result.append(Notification(on: statuses, target: .webhook(url, format), perFanOut: perFanOut, changedOnReport: changedOnReport))
            } else if let name = notify.name("notifier") {
                if notify.has("format") {
                    context.error("'\(path).format' goes with 'webhook'; a notifier's format is set in jobctl.yaml", at: notify.keyNode("format")!)
                    ok = false
                }
                if config.notifiers[name] == nil {
                    let known = config.notifiers.keys.sorted()
                    context.error("'\(path).notifier': unknown notifier '\(name)'\(Suggestion.didYouMean(name, among: known)); define it under 'notifiers' in jobctl.yaml", at: notify["notifier"]!)
                    ok = false
                }
                result.append(Notification(on: statuses, target: .notifier(name), perFanOut: perFanOut, changedOnReport: changedOnReport))
            } else {
                ok = false
            }
        }
        return ok ? result : nil
    }
}
