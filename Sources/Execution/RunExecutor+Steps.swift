import Foundation
import Definitions
import Expressions
import Schedules

/// How one step ended, before the executor names the step in its messages and redacts them.
struct StepResult: Sendable {
    var status: StepOutcome.Status
    var exitCode: Int32?
    var output: String?
    var error: String?
    var warnings: [String] = []
    /// Secret values this step resolved (to redact from now on).
    var resolvedSecrets: [String] = []
    /// Whether the output is the run's report (agent steps).
    var isReport = false

    static func failed(_ message: String, secrets: [String] = []) -> StepResult {
        StepResult(status: .failed, error: message, resolvedSecrets: secrets)
    }
}

extension RunExecutor {
    /// Runs one step whose `if:` held.
    func runStep(_ step: Step, run: RunState, jobRemaining: Duration?, onChildStarted: @escaping @Sendable (Int32, Int32, String?) -> Void) async -> StepResult {
        var renderer = StepRenderer(roots: run.roots, store: run.request.secrets)
        do throws(StepRenderer.Failure) {
            let environment = try stepEnvironment(step, run: run, renderer: &renderer)
            let workingDirectory = try self.workingDirectory(step, root: run.request.rootPath)
            switch step.kind {
            case .command(let argv):
                let rendered = try renderer.render(argv)
                let limit = Limit(step: step.timeout, job: jobRemaining)
                var result = await runProcess(rendered, environment: environment, workingDirectory: workingDirectory, input: nil, limit: limit, run: run, redactor: renderer.redactor(adding: run.redactor), onChildStarted: onChildStarted)
                result.resolvedSecrets = renderer.resolved
                return result
            case .shell(let script):
                let limit = Limit(step: step.timeout, job: jobRemaining)
                var result = await runProcess(["/bin/sh", "-c", script], environment: environment, workingDirectory: workingDirectory, input: nil, limit: limit, run: run, redactor: renderer.redactor(adding: run.redactor), onChildStarted: onChildStarted)
                result.resolvedSecrets = renderer.resolved
                return result
            case .agent(let name, let promptTemplate):
                guard let agent = run.request.config.agents[name] else {
                    let known = run.request.config.agents.keys.sorted()
                    return .failed("agent '\(name)' is not defined in jobctl.yaml" + (known.isEmpty ? " (it defines no agents)" : " (it defines \(known.joined(separator: ", ")))"))
                }
                let prompt = try renderer.render(promptTemplate)
                let limit = Limit(step: step.timeout, agent: agent.timeout, job: jobRemaining)
                var result: StepResult
                switch agent.kind {
                case .command(let argv):
                    let rendered = try renderer.render(argv)
                    result = await runProcess(rendered, environment: environment, workingDirectory: workingDirectory, input: Array(prompt.utf8), limit: limit, run: run, redactor: renderer.redactor(adding: run.redactor), onChildStarted: onChildStarted)
                case .http(let request):
                    var roots = run.roots
                    roots["prompt"] = .string(prompt)
                    renderer.roots = roots
                    var call = try renderer.render(request)
                    if request.body == nil { call.body = prompt }
                    result = await runHTTP(call, limit: limit.tightened(by: request.timeout))
                }
                result.isReport = true
                result.resolvedSecrets = renderer.resolved
                return result
            case .http(let request):
                let call = try renderer.render(request)
                var result = await runHTTP(call, limit: Limit(step: step.timeout, job: jobRemaining).tightened(by: request.timeout))
                result.resolvedSecrets = renderer.resolved
                return result
            }
        } catch {
            return .failed(error.message, secrets: renderer.resolved)
        }
    }

    /// The daemon's environment without any `JOBCTL_*` variable (secrets reach a step only
    /// through `${secrets.NAME}`), the run's `JOBCTL_*` variables, then the step's `env`.
    func stepEnvironment(_ step: Step, run: RunState, renderer: inout StepRenderer) throws(StepRenderer.Failure) -> [String: String] {
        let request = run.request
        var environment = ProcessInfo.processInfo.environment.filter { !$0.key.hasPrefix("JOBCTL_") }
        if let user = stepUser {
            environment["HOME"] = user.home
            environment["USER"] = user.name
            environment["LOGNAME"] = user.name
        }
        environment["JOBCTL_JOB"] = request.job.id.rawValue
        environment["JOBCTL_RUN"] = request.runID
        environment["JOBCTL_TRIGGER"] = request.trigger
        environment["JOBCTL_ATTEMPT"] = String(request.attempt)
        environment["JOBCTL_STEP"] = step.name
        environment["JOBCTL_ROOT"] = request.rootPath
        if let scheduledFor = request.scheduledFor { environment["JOBCTL_SCHEDULED_FOR"] = ExpressionContext.rfc3339(scheduledFor) }
        if let commit = request.commit { environment["JOBCTL_COMMIT"] = commit }
        for (name, value) in request.parameters {
            environment[RunExecutor.parameterVariable(name)] = value.description
        }
        for (name, value) in step.environment {
            environment[name] = try renderer.render(value)
        }
        return environment
    }

    /// `JOBCTL_PARAM_` and the name upper-cased (`Definitions` allows only letters, digits and `_`).
    static func parameterVariable(_ name: String) -> String {
        "JOBCTL_PARAM_" + name.uppercased()
    }

    /// The root, or `workdir` under it; it must exist and stay inside the root.
    func workingDirectory(_ step: Step, root: String) throws(StepRenderer.Failure) -> String {
        guard let workdir = step.workdir, !workdir.isEmpty, workdir != "." else { return root }
        let joined = workdir.hasPrefix("/") ? workdir : root + "/" + workdir
        let standardized = (joined as NSString).standardizingPath
        let rootStandardized = (root as NSString).standardizingPath
        guard standardized == rootStandardized || standardized.hasPrefix(rootStandardized.hasSuffix("/") ? rootStandardized : rootStandardized + "/") else {
            throw StepRenderer.Failure(message: "workdir '\(workdir)' is outside the root \(root)")
        }
        var isFolder: ObjCBool = false
        guard FileManager.default.fileExists(atPath: standardized, isDirectory: &isFolder), isFolder.boolValue else {
            throw StepRenderer.Failure(message: "workdir '\(workdir)' does not exist under the root \(root)")
        }
        return standardized
    }

    /// Starts `argv` and waits for it under `limit`.
    func runProcess(
        _ argv: [String], environment: [String: String], workingDirectory: String, input: [UInt8]?,
        limit: Limit, run: RunState, redactor: Redactor, onChildStarted: @escaping @Sendable (Int32, Int32, String?) -> Void
    ) async -> StepResult {
        guard let program = argv.first else { return .failed("the command is empty") }
        let executable: String
        switch ExecutableLookup.resolve(program, path: environment["PATH"], workingDirectory: workingDirectory) {
        case .success(let path): executable = path
        case .failure(.notFound(let name)): return StepResult(status: .failed, exitCode: 127, error: "command not found: \(name)")
        case .failure(.notExecutable(let name)): return StepResult(status: .failed, exitCode: 126, error: "permission denied (not executable): \(name)")
        }
        let child = ChildProcess(executable: executable, arguments: Array(argv.dropFirst()), environment: environment, workingDirectory: workingDirectory,
                                 standardInput: input, user: stepUser, cgroups: cgroups)
        let log = run.log
        let (result, timedOut) = await withTimeLimit(limit.duration) { [killGrace] in
            await child.run(log: log, redactor: redactor, captureCap: RunExecutor.outputCapBytes, killGrace: killGrace, onStarted: onChildStarted)
        }
        var step = StepResult(status: .completed)
        var output = String(decoding: result.standardOutput, as: UTF8.self)
        if output.hasSuffix("\n") { output.removeLast() }
        step.output = output
        if result.leftBehind {
            step.warnings.append("processes it started were still running after it exited; they were terminated")
        }
        // Processes that left the step's session (setsid) escape the sweep above. With a cgroup
        // they are still in it; without one they carry the step's JOBCTL_RUN and JOBCTL_STEP,
        // and come back to jobctl (the subreaper) as orphans.
        if !result.escaped.isEmpty {
            step.warnings.append("\(result.escaped.count == 1 ? "a process" : "\(result.escaped.count) processes") it started left its session (setsid) and outlived it (pid \(result.escaped.map(String.init).joined(separator: ", "))); found in the step's cgroup and terminated")
        } else if !result.hadCgroup, let name = environment["JOBCTL_STEP"], let runID = environment["JOBCTL_RUN"] {
            let escaped = await SessionEscapes.sweep(run: runID, step: name, grace: killGrace)
            if !escaped.isEmpty {
                step.warnings.append("\(escaped.count == 1 ? "a process" : "\(escaped.count) processes") it started left its session (setsid) and outlived it (pid \(escaped.map(String.init).joined(separator: ", "))); found by its JOBCTL_RUN and terminated — a process that also clears its environment would escape")
            }
        }
        if timedOut {
            step.status = .timedOut
            step.error = limit.message(consequence: "its process group was killed")
            return step
        }
        if Task.isCancelled {
            step.status = .cancelled
            step.error = "cancelled; its process group was terminated"
            return step
        }
        switch result.end {
        case .exited(0):
            step.exitCode = 0
        case .exited(let code):
            step.status = .failed
            step.exitCode = code
            let hint = code == 127 ? " (command not found)" : code == 126 ? " (not executable)" : ""
            step.error = "\(program) exited with status \(code)\(hint)"
        case .signalled(let signal):
            step.status = .failed
            step.error = "\(program) was killed by signal \(signal)\(RunExecutor.signalName(signal).map { " (\($0))" } ?? "")"
        case .stopped:
            step.status = .cancelled
            step.error = "cancelled; its process group was terminated"
        case .failedToStart(let message):
            step.status = .failed
            step.exitCode = message.hasPrefix("command not found") ? 127 : nil
            step.error = message
        }
        return step
    }

    func runHTTP(_ call: HTTPCall, limit: Limit) async -> StepResult {
        let (outcome, timedOut) = await withTimeLimit(limit.duration) { () -> Result<HTTPCall.Response, HTTPCallError> in
            do throws(HTTPCallError) {
                return .success(try await call.perform(responseCap: RunExecutor.outputCapBytes))
            } catch {
                return .failure(error)
            }
        }
        if timedOut {
            return StepResult(status: .timedOut, error: limit.message(consequence: "the request to \(HTTPCall.withoutQuery(call.url)) was cancelled"))
        }
        if Task.isCancelled {
            return StepResult(status: .cancelled, error: "cancelled")
        }
        switch outcome {
        case .success(let response) where (200..<300).contains(response.status):
            return StepResult(status: .completed, output: response.body)
        case .success(let response):
            let excerpt = response.body.prefix(200)
            return StepResult(status: .failed, output: response.body, error: "\(call.method) \(HTTPCall.withoutQuery(call.url)) answered \(response.status)\(excerpt.isEmpty ? "" : ": \(excerpt)")")
        case .failure(let error):
            return StepResult(status: error.cancelled ? .cancelled : .failed, error: error.message)
        }
    }

    /// Runs `operation`, cancelling it when `limit` passes on the executor's clock.
    func withTimeLimit<T: Sendable>(_ limit: Duration?, _ operation: @escaping @Sendable () async -> T) async -> (T, timedOut: Bool) {
        guard let limit else { return (await operation(), false) }
        let clock = self.clock
        return await withTaskGroup(of: TimeLimitEvent<T>.self) { group in
            group.addTask { .finished(await operation()) }
            group.addTask {
                do {
                    try await clock.sleep(for: limit)
                    return .deadline
                } catch {
                    return .timerCancelled
                }
            }
            var value: T?
            var timedOut = false
            while let event = await group.next() {
                switch event {
                case .finished(let result):
                    value = result
                    group.cancelAll()
                case .deadline:
                    if value == nil { timedOut = true }
                    group.cancelAll()
                case .timerCancelled:
                    break
                }
            }
            return (value!, timedOut)
        }
    }

    static func signalName(_ signal: Int32) -> String? {
        switch signal {
        case 1: "SIGHUP"
        case 2: "SIGINT"
        case 6: "SIGABRT"
        case 9: "SIGKILL"
        case 11: "SIGSEGV"
        case 13: "SIGPIPE"
        case 15: "SIGTERM"
        default: nil
        }
    }
}

enum TimeLimitEvent<T: Sendable>: Sendable {
    case finished(T)
    case deadline
    case timerCancelled
}

/// The tightest of a step's time limits, and which one it is.
struct Limit: Sendable {
    enum Source: Sendable { case step, agent, request, job }
    var duration: Duration?
    var source: Source = .step

    init(step: JobDuration?, agent: JobDuration? = nil, job: Duration?) {
        consider(step.map { .milliseconds($0.milliseconds) }, .step)
        consider(agent.map { .milliseconds($0.milliseconds) }, .agent)
        consider(job, .job)
    }

    func tightened(by request: JobDuration?) -> Limit {
        var copy = self
        copy.consider(request.map { .milliseconds($0.milliseconds) }, .request)
        return copy
    }

    private mutating func consider(_ candidate: Duration?, _ from: Source) {
        guard let candidate else { return }
        if let duration, duration <= candidate { return }
        duration = candidate
        source = from
    }

    func message(consequence: String) -> String {
        // Written as the YAML would write it: `30s`, `10m`, `1h30m`.
        let text = duration.map { JobDuration(milliseconds: $0.components.seconds * 1000 + $0.components.attoseconds / 1_000_000_000_000_000).description } ?? "?"
        let what: String
        switch source {
        case .step: what = "timed out after \(text)"
        case .agent: what = "timed out after \(text) (the agent's timeout)"
        case .request: what = "timed out after \(text) (the request's timeout)"
        case .job: what = duration == .zero ? "the job's timeout ran out before this step" : "the job's timeout ran out (\(text) were left for this step)"
        }
        return "\(what); \(consequence)"
    }
}

/// Renders a step's templates, resolving and remembering the secrets they name.
struct StepRenderer {
    var roots: [String: Value]
    let store: SecretStore
    /// Secret values resolved so far, by name.
    private(set) var secrets: [String: String] = [:]

    var resolved: [String] { Array(secrets.values) }

    struct Failure: Error, Sendable {
        var message: String
    }

    init(roots: [String: Value], store: SecretStore) {
        self.roots = roots
        self.store = store
    }

    /// Resolves the secrets `names` that are not resolved yet.
    private mutating func resolve(_ names: [String]) throws(Failure) {
        for name in names where secrets[name] == nil {
            do {
                secrets[name] = try store.value(named: name)
            } catch {
                throw Failure(message: error.message)
            }
        }
    }

    mutating func render(_ template: Template, context: Template.Context = .plain) throws(Failure) -> String {
        guard template.hasTags else { return template.source }
        try resolve(template.secretNames)
        do {
            return try template.render(roots, secrets: secrets, context: context)
        } catch {
            throw Failure(message: error.description)
        }
    }

    mutating func render(_ templates: [Template]) throws(Failure) -> [String] {
        var rendered: [String] = []
        for template in templates { rendered.append(try render(template)) }
        return rendered
    }

    /// An http step's or agent's request, every part rendered; a `json:` body is serialised and
    /// sent as `application/json` unless a header says otherwise.
    mutating func render(_ request: HTTPRequest) throws(Failure) -> HTTPCall {
        var headers: [String: String] = [:]
        for (name, value) in request.headers { headers[name] = try render(value) }
        var body: String?
        switch request.body {
        case .text(let template)?:
            body = try render(template)
        case .json(let json)?:
            try resolve(json.secretNames)
            do { body = try json.render(roots, secrets: secrets) } catch { throw Failure(message: error.description) }
            if !headers.keys.contains(where: { $0.lowercased() == "content-type" }) { headers["Content-Type"] = "application/json" }
        case nil:
            body = nil
        }
        return HTTPCall(method: request.method, url: try render(request.url, context: .url), headers: headers, body: body)
    }

    /// The run's redactor with this step's secrets added.
    func redactor(adding base: Redactor) -> Redactor {
        var redactor = base
        for value in secrets.values { redactor.add(value) }
        return redactor
    }
}
