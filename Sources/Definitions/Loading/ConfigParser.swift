import Foundation
import Schedules

/// Reads `jobctl.yaml`.
enum ConfigParser {
    static func parse(_ root: YAMLNode, context: LoadContext) -> RepositoryConfig {
        var config = RepositoryConfig()
        guard let fields = Fields(root, shape: FileShapes.config, path: "", context: context) else { return config }
        _ = fields.string("apiVersion")
        if let zone = fields.timeZone("timezone") {
            config.timeZone = zone
            config.timeZoneWasSet = true
        }
        if let node = fields["defaults"], let defaults = Fields(node, shape: FileShapes.defaults, path: "defaults", context: context) {
            if let policy = defaults.enumeration("concurrency", as: ConcurrencyPolicy.self) { config.defaults.concurrency = policy }
            config.defaults.timeout = defaults.duration("timeout")
            if let retries = JobFileParser.readRetries(defaults["retries"], field: "defaults.retries", context: context) { config.defaults.retries = retries }
            if let catchup = defaults.enumeration("catchup", as: CatchupPolicy.self) { config.defaults.catchup = catchup }
            if let window = defaults.duration("catchupWindow") { config.defaults.catchupWindow = window }
        }
        for pair in fields.mapping("agents") ?? [] {
            let name = pair.key.scalar?.text ?? ""
            guard Fields.isName(name) else {
                context.error("agent name '\(name)' must use letters, digits, '_' and '-'", at: pair.key)
                continue
            }
            guard let agent = Fields(pair.value, shape: FileShapes.agent, path: "agents.\(name)", context: context) else { continue }
            let timeout = agent.duration("timeout")
            let scope = ExpressionScope(roots: ["job", "run", "params", "prompt"], parameters: nil, earlierSteps: nil)
            if let arguments = agent.stringList("run") {
                if arguments.isEmpty {
                    context.error("'agents.\(name).run' is an empty list; the first item is the program", at: agent["run"]!)
                    continue
                }
                let argv = arguments.enumerated().compactMap { index, argument in
                    Fields.template(argument.text, node: argument.node, field: "agents.\(name).run[\(index)]", scope: scope, context: context)
                }
                if argv.count == arguments.count { config.agents[name] = Agent(name: name, kind: .command(argv), timeout: timeout) }
            } else if let node = agent["http"] {
                if let request = JobFileParser.readHTTP(node, path: "agents.\(name).http", scope: scope, context: context, bodyless: "POST") {
                    config.agents[name] = Agent(name: name, kind: .http(request), timeout: timeout)
                }
            }
        }
        for pair in fields.mapping("notifiers") ?? [] {
            let name = pair.key.scalar?.text ?? ""
            guard Fields.isName(name) else {
                context.error("notifier name '\(name)' must use letters, digits, '_' and '-'", at: pair.key)
                continue
            }
            guard let notifier = Fields(pair.value, shape: FileShapes.notifier, path: "notifiers.\(name)", context: context) else { continue }
            if let url = notifier.url("webhook", scope: JobFileParser.notificationScope) {
                var events: [String] = []
                for (event, node) in notifier.stringList("on") ?? [] {
                    guard FileShapes.daemonEvents.contains(event) else {
                        context.error("'notifiers.\(name).on': '\(event)' is not one of the daemon's troubles\(Suggestion.didYouMean(event, among: FileShapes.daemonEvents)); use \(FileShapes.daemonEvents.joined(separator: ", ")) (a job's notify: entry says which runs notify)", at: node)
                        continue
                    }
                    events.append(event)
                }
                config.notifiers[name] = Notifier(name: name, kind: .webhook(url, notifier.enumeration("format", as: WebhookFormat.self) ?? .json), on: events)
            } else if notifier.has("smtp") {
                // Accept only what is done: mail is not sent yet, so an smtp notifier would be silent.
                context.error("'notifiers.\(name).smtp': email notifications are not sent by this version of jobctl; use a webhook notifier (format: slack, teams, json or ping) until they are", at: notifier.keyNode("smtp")!)
            }
        }
        if let node = fields["history"], let history = Fields(node, shape: FileShapes.history, path: "history", context: context) {
            if let folder = history.string("folder") {
                if folder.isEmpty || folder.hasPrefix("/") || folder.split(separator: "/").contains("..") || folder == "jobs" || folder.hasPrefix("jobs/") || folder == ".jobctl" {
                    context.error("'history.folder' must be a folder inside the root, outside jobs/ and .jobctl/, not '\(folder)'", at: history["folder"]!)
                } else {
                    config.history.folder = folder
                }
            }
            config.history.keepRuns = history.integer("keepRuns")
            config.history.keepDays = history.integer("keepDays")
        }
        return config
    }
}
