public import Foundation
public import Expressions
public import Server
public import History
public import Execution
import Scheduler

/// The agent tools of seed 002 as plain Swift: `jobctl mcp` (stdio) and serve's `/mcp` endpoint
/// both call ``call(_:arguments:caller:)``; the MCP target only translates.
///
/// Writes (`job_create`, `job_update`) are drafts: validated and planned first, then written into
/// the working tree or committed on a branch of the caller's choosing. No tool moves the applied
/// ref. Daemon actions (`job_run`, `job_pause`, ...) go through the daemon's HTTP API with the
/// caller's token, so the API's scopes and its record of who asked hold for agents too.
///
/// ```swift
/// let toolbox = AgentToolbox(.init(root: "."))
/// let answer = await toolbox.call("job_search", arguments: ["query": "invoices"], caller: .localUser)
/// ```
public struct AgentToolbox: Sendable {
    public struct Settings: Sendable {
        /// The jobs root (a working tree's folder, or a path inside a bare repository).
        public var root: String
        /// Where `.jobctl/` (pauses, tokens) is: the daemon's root with `serve --remote`; nil: `root`.
        public var stateRoot: String?
        /// The history folder; nil: the root's (``HistoryLocation``'s rule).
        public var history: HistoryFolder?
        /// The daemon, for `job_run`, `job_pause`, `job_resume`, `job_cancel`, `job_history`,
        /// `fire_times`; nil: those tools say they need one.
        public var daemon: APIClient?
        /// Where `search.embeddings.token` is read from.
        public var secrets: SecretStore
        public var now: @Sendable () -> Date
        /// Why drafts cannot be written here (serve --remote: the jobs live on the forge); nil: they can.
        public var draftsRefused: String?

        public init(root: String, stateRoot: String? = nil, history: HistoryFolder? = nil, daemon: APIClient? = nil, secrets: SecretStore = SecretStore(),
                    now: @escaping @Sendable () -> Date = { Date() }) {
            self.root = root
            self.stateRoot = stateRoot
            self.history = history
            self.daemon = daemon
            self.secrets = secrets
            self.now = now
        }
    }

    public let settings: Settings

    public init(_ settings: Settings) {
        self.settings = settings
    }

    var historyFolder: HistoryFolder { settings.history ?? HistoryLocation.resolve(root: settings.stateRoot ?? settings.root) }

    /// Every tool, with its input schema.
    public static var tools: [ToolDescription] { ToolCatalog.all }

    /// Runs tool `name`. Never throws: a failure is an answer with `isError` and a message that
    /// says what to change (located diagnostics for an invalid job).
    public func call(_ name: String, arguments: [String: Value], caller: ToolCaller) async -> ToolAnswer {
        guard let tool = ToolCatalog.named(name) else {
            return .failure("unknown tool '\(name)'; the tools are \(ToolCatalog.all.map(\.name).joined(separator: ", "))")
        }
        guard caller.allows(tool.scope, job: nil) else {
            return .failure("\(name) needs a token with scope \(tool.scope.rawValue); \(caller.who) has \(caller.token?.scope.rawValue ?? "none")")
        }
        if let refused = settings.draftsRefused, name == "job_create" || name == "job_update" { return .failure(refused) }
        let input = ToolArguments(arguments)
        do {
            switch name {
            case "job_create": return try JobDraftTool(settings: settings, caller: caller).create(input)
            case "job_update": return try JobDraftTool(settings: settings, caller: caller).update(input)
            case "job_get": return try JobInspector(settings: settings, caller: caller).get(input)
            case "job_search": return try JobSearchTool(settings: settings, caller: caller).keywords(input)
            case "job_search_semantic": return try await JobSearchTool(settings: settings, caller: caller).semantic(input)
            default: return try await DaemonActions(settings: settings, caller: caller).call(name, input)
            }
        } catch let failure as ToolFailure {
            return .failure(failure.message, details: failure.details)
        } catch {
            return .failure("\(error)")
        }
    }
}

/// Who calls a tool: a token holder (over HTTP, or a stdio session with `--server`), or the
/// local user of a stdio session, who owns the files anyway.
public struct ToolCaller: Sendable {
    /// As records and logs name them: `token ci`, `user alice`.
    public var who: String
    /// The token's scope and jobs; nil: the local user (every scope).
    public var token: Token?

    public init(who: String, token: Token?) {
        self.who = who
        self.token = token
    }

    /// The local user of a stdio session.
    public static var localUser: ToolCaller {
        ToolCaller(who: "user " + (ProcessInfo.processInfo.environment["USER"] ?? NSUserName()), token: nil)
    }

    func allows(_ scope: Scope, job: String?) -> Bool { token?.allows(scope, job: job) ?? true }
    func covers(_ job: String) -> Bool { token?.covers(job: job) ?? true }
}

/// A tool's answer: text for a person or a model, the same as JSON for programs.
public struct ToolAnswer: Sendable {
    public var text: String
    public var structured: Value
    public var isError: Bool

    public init(text: String, structured: Value, isError: Bool = false) {
        self.text = text
        self.structured = structured
        self.isError = isError
    }

    static func failure(_ message: String, details: Value? = nil) -> ToolAnswer {
        var object: [String: Value] = ["error": .string(message)]
        if case .object(let extra)? = details { object.merge(extra) { old, _ in old } }
        return ToolAnswer(text: "error: " + message, structured: .object(object), isError: true)
    }
}

/// A tool that cannot do what was asked; `details` (an object) joins the answer's JSON.
struct ToolFailure: Error {
    var message: String
    var details: Value?

    init(_ message: String, details: Value? = nil) {
        self.message = message
        self.details = details
    }
}

/// A readable resource: a job file at the applied commit, or a job's history.
public struct ToolResource: Sendable {
    public var uri: String
    public var name: String
    public var description: String
    public var mimeType: String
}

extension AgentToolbox {
    /// `jobctl://jobs/<id>` and `jobctl://history/<id>` of every job in force the caller may see.
    public func resources(caller: ToolCaller) -> Result<[ToolResource], ToolError> {
        guard caller.allows(.read, job: nil) else { return .failure(ToolError(message: "reading needs scope read")) }
        do {
            return .success(try JobInspector(settings: settings, caller: caller).resources().map {
                ToolResource(uri: $0.uri, name: $0.name, description: $0.description, mimeType: $0.mimeType)
            })
        } catch let failure as ToolFailure {
            return .failure(ToolError(message: failure.message))
        } catch {
            return .failure(ToolError(message: "\(error)"))
        }
    }

    /// A resource's text and MIME type.
    public func readResource(uri: String, caller: ToolCaller) -> Result<(text: String, mimeType: String), ToolError> {
        guard caller.allows(.read, job: nil) else { return .failure(ToolError(message: "reading needs scope read")) }
        do {
            return .success(try JobInspector(settings: settings, caller: caller).read(uri: uri))
        } catch let failure as ToolFailure {
            return .failure(ToolError(message: failure.message))
        } catch {
            return .failure(ToolError(message: "\(error)"))
        }
    }
}

/// A resource that cannot be listed or read.
public struct ToolError: Error, Sendable, CustomStringConvertible {
    public var message: String
    public var description: String { message }
}
