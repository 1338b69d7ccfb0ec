extension JobDefinition {
    /// Every secret the job's templates name (`${secrets.NAME}` in steps, environments, http
    /// requests, agent prompts and webhook notifications), in order of first use. A step sees only
    /// the secrets its own templates name; this is the whole job's set, the values to redact from
    /// what the job leaves behind (its event payload).
    public var secretNames: [String] {
        var names: [String] = []
        func add(_ template: Template) {
            for name in template.secretNames where !names.contains(name) { names.append(name) }
        }
        func add(_ request: HTTPRequest) {
            add(request.url)
            for key in request.headers.keys.sorted() { add(request.headers[key]!) }
            switch request.body {
            case .text(let template)?: add(template)
            case .json(let json)?: for name in json.secretNames where !names.contains(name) { names.append(name) }
            case nil: break
            }
        }
        for step in steps {
            switch step.kind {
            case .command(let arguments): arguments.forEach(add)
            case .shell: break
            case .agent(_, let prompt): add(prompt)
            case .http(let request): add(request)
            }
            for variable in step.environment { add(variable.value) }
        }
        for notification in notifications {
            if case .webhook(let url, _) = notification.target { add(url) }
        }
        return names
    }
}
