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
            var events: [String] = []
            for (event, node) in notifier.stringList("on") ?? [] {
                guard FileShapes.daemonEvents.contains(event) else {
                    context.error("'notifiers.\(name).on': '\(event)' is not one of the daemon's troubles\(Suggestion.didYouMean(event, among: FileShapes.daemonEvents)); use \(FileShapes.daemonEvents.joined(separator: ", ")) (a job's notify: entry says which runs notify)", at: node)
                    continue
                }
                events.append(event)
            }
            if let url = notifier.url("webhook", scope: JobFileParser.notificationScope) {
                config.notifiers[name] = Notifier(name: name, kind: .webhook(url, notifier.enumeration("format", as: WebhookFormat.self) ?? .json), on: events)
            } else if let node = notifier["smtp"] {
                if notifier.has("format") {
                    context.error("'notifiers.\(name).format' is for webhooks; a mail notifier always sends a text and an HTML part", at: notifier.keyNode("format")!)
                }
                if let smtp = Fields(node, shape: FileShapes.smtp, path: "notifiers.\(name).smtp", context: context), let mail = mailSettings(smtp, context: context) {
                    config.notifiers[name] = Notifier(name: name, kind: .email(mail), on: events)
                }
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
            if let node = history["publish"], let publish = Fields(node, shape: FileShapes.publish, path: "history.publish", context: context) {
                var publishing = HistoryPublishing()
                if let branch = publish.string("branch") {
                    if branch.isEmpty || branch.hasPrefix("-") || branch.hasPrefix("/") || branch.hasSuffix("/") || branch.contains("..") || branch.contains(" ")
                        || branch.hasSuffix(".lock") || branch.contains(where: { "~^:?*[\\".contains($0) }) {
                        context.error("'history.publish.branch': '\(branch)' is not a valid branch name", at: publish["branch"]!)
                    } else {
                        publishing.branch = branch
                    }
                }
                if let every = publish.duration("every") {
                    if every.milliseconds < 1000 {
                        context.error("'history.publish.every' must be at least 1s", at: publish["every"]!)
                    } else {
                        publishing.every = every
                    }
                }
                config.history.publish = publishing
            }
        }
        if let node = fields["search"], let search = Fields(node, shape: FileShapes.search, path: "search", context: context),
           let embeddingsNode = search["embeddings"],
           let embeddings = Fields(embeddingsNode, shape: FileShapes.embeddings, path: "search.embeddings", context: context) {
            let url = embeddings.string("url") ?? ""
            let model = embeddings.string("model") ?? ""
            var valid = true
            if let scheme = URL(string: url)?.scheme?.lowercased(), scheme == "http" || scheme == "https", URL(string: url)?.host != nil {} else {
                if let node = embeddings["url"] { context.error("'search.embeddings.url': '\(url)' is not an http:// or https:// URL", at: node) }
                valid = false
            }
            let secretsOnly = ExpressionScope(roots: [], parameters: nil, earlierSteps: nil)
            let token = embeddings.has("token") ? embeddings.template("token", scope: secretsOnly) : nil
            if embeddings.has("token") {
                if let token, token.nodes.count == 1, token.secretNames.count == 1 {} else {
                    context.error("'search.embeddings.token' must be a secret reference, ${secrets.NAME}: a token never sits in git", at: embeddings["token"]!)
                    valid = false
                }
            }
            if valid, !model.isEmpty { config.embeddings = EmbeddingsEndpoint(url: url, model: model, token: token) }
        }
        return config
    }

    /// A notifier's `smtp:`: addresses that parse, a password that is a secret reference.
    static func mailSettings(_ smtp: Fields, context: LoadContext) -> MailSettings? {
        func address(_ text: String, node: YAMLNode, field: String) -> MailAddress? {
            guard let address = MailAddress(text) else {
                context.error("'\(field)': '\(text)' is not a mail address (name@example.com or Name <name@example.com>)", at: node)
                return nil
            }
            return address
        }
        var valid = true
        let host = smtp.string("host") ?? ""
        if host.isEmpty || host.contains(where: { $0 == "/" || $0 == ":" && !host.hasPrefix("[") || $0.isWhitespace }) {
            if let node = smtp["host"] { context.error("'\(smtp.qualified("host"))': '\(host)' is not a host name or address (the port goes in port:)", at: node) }
            valid = false
        }
        let from = smtp["from"].flatMap { node in smtp.string("from").flatMap { address($0, node: node, field: smtp.qualified("from")) } }
        var to: [MailAddress] = []
        for (index, (text, node)) in (smtp.stringList("to") ?? []).enumerated() {
            if let recipient = address(text, node: node, field: smtp.qualified("to") + "[\(index)]") { to.append(recipient) } else { valid = false }
        }
        if to.isEmpty, let node = smtp["to"] {
            context.error("'\(smtp.qualified("to"))' names no recipient", at: node)
            valid = false
        }
        let secretsOnly = ExpressionScope(roots: [], parameters: nil, earlierSteps: nil)
        let username = smtp.has("username") ? smtp.template("username", scope: secretsOnly) : nil
        let password = smtp.has("password") ? smtp.template("password", scope: secretsOnly) : nil
        if smtp.has("username") && username == nil || smtp.has("password") && password == nil { valid = false }
        if let password, password.nodes.count != 1 || password.secretNames.count != 1 {
            context.error("'\(smtp.qualified("password"))' must be a secret reference, ${secrets.NAME}: a password never sits in git", at: smtp["password"]!)
            valid = false
        }
        if (username == nil) != (password == nil) {
            context.error("'\(smtp.qualified(username == nil ? "password" : "username"))' needs '\(username == nil ? "username" : "password")' too (AUTH takes both)", at: smtp[username == nil ? "password" : "username"]!)
            valid = false
        }
        guard valid, let from else { return nil }
        return MailSettings(host: host, port: smtp.integer("port"), security: smtp.enumeration("security", as: MailSecurity.self) ?? .startTLS,
                            caFile: smtp.string("caFile"), from: from, to: to, username: username, password: password)
    }
}
