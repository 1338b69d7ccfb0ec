public import AgentTools
public import Expressions
import Foundation

/// The Model Context Protocol's server side, for one caller: JSON-RPC 2.0 messages in, answers
/// out. `initialize`, `ping`, `tools/list`, `tools/call`, `resources/list`,
/// `resources/templates/list` and `resources/read`; notifications are taken and need no answer.
/// Transports (stdio, serve's `POST /mcp`) only move messages; this decides nothing either — every
/// tool is ``AgentToolbox``'s.
///
/// Written here rather than taken from the MCP Swift SDK: the SDK links FoundationNetworking and
/// libcurl into every jobctl command for a client transport jobctl does not use, which costs each
/// process start (see Benchmarks).
public struct MCPSession: Sendable {
    public let toolbox: AgentToolbox
    public let caller: ToolCaller
    public let version: String

    public init(toolbox: AgentToolbox, caller: ToolCaller, version: String) {
        self.toolbox = toolbox
        self.caller = caller
        self.version = version
    }

    /// The protocol versions spoken, newest first; a client asking for another gets the newest.
    public static let protocolVersions = ["2025-11-25", "2025-06-18", "2025-03-26", "2024-11-05"]

    /// JSON-RPC error codes.
    enum Code: Int {
        case parseError = -32700, invalidRequest = -32600, methodNotFound = -32601, invalidParams = -32602
    }

    /// The kind of a message, for a transport that answers notifications differently (HTTP 202).
    public enum Kind: Sendable { case request, notification, response, invalid }

    public static func kind(of message: Value) -> Kind {
        guard case .object(let object) = message else { return .invalid }
        if object["method"]?.string != nil {
            guard let id = object["id"] else { return .notification }
            return isIdentifier(id) ? .request : .invalid
        }
        if object["id"] != nil, object["result"] != nil || object["error"] != nil { return .response }
        return .invalid
    }

    /// The answer to the message text `bytes` (nil for a notification or a response).
    public func handle(bytes: [UInt8]) async -> Value? {
        let message: Value
        do { message = try Value(parsingJSON: bytes) } catch {
            return Self.error(id: .null, .parseError, "parse error: \(error)")
        }
        return await handle(message)
    }

    public func handle(_ message: Value) async -> Value? {
        switch Self.kind(of: message) {
        case .notification, .response: return nil
        case .invalid:
            // An id that is not one (an object, a list) is not echoed: the answer's id is null.
            let id = Self.isIdentifier(message["id"]) ? message["id"] : .null
            return Self.error(id: id, .invalidRequest, "not a JSON-RPC 2.0 request (one object with jsonrpc, method and, for a request, an id that is a string, a number or null)")
        case .request: break
        }
        let id = message["id"]
        guard message["jsonrpc"] == "2.0" else { return Self.error(id: id, .invalidRequest, "jsonrpc must be \"2.0\"") }
        let params = message["params"]
        switch message["method"].string ?? "" {
        case "initialize":
            let asked = params["protocolVersion"].string ?? ""
            let version = Self.protocolVersions.contains(asked) ? asked : Self.protocolVersions[0]
            return Self.result(id: id, [
                "protocolVersion": .string(version),
                "capabilities": ["tools": ["listChanged": false], "resources": ["subscribe": false, "listChanged": false]],
                "serverInfo": ["name": "jobctl", "title": "jobctl agent tools", "version": .string(self.version)],
                "instructions": .string(Self.instructions),
            ])
        case "ping":
            return Self.result(id: id, [:])
        case "tools/list":
            let tools: [Value] = AgentToolbox.tools.map { tool in
                ["name": .string(tool.name), "description": .string(tool.description), "inputSchema": tool.inputSchema,
                 "annotations": ["readOnlyHint": .bool(tool.readOnly), "openWorldHint": false]]
            }
            return Self.result(id: id, ["tools": .array(tools)])
        case "tools/call":
            guard let name = params["name"].string else { return Self.error(id: id, .invalidParams, "tools/call needs params.name") }
            var arguments: [String: Value] = [:]
            switch params["arguments"] {
            case .object(let object): arguments = object
            case .null: break
            default: return Self.error(id: id, .invalidParams, "tools/call's arguments must be an object")
            }
            let answer = await toolbox.call(name, arguments: arguments, caller: caller)
            return Self.result(id: id, ["content": [["type": "text", "text": .string(answer.text)]],
                                        "structuredContent": answer.structured, "isError": .bool(answer.isError)])
        case "resources/list":
            switch toolbox.resources(caller: caller) {
            case .success(let resources):
                return Self.result(id: id, ["resources": .array(resources.map { resource in
                    ["uri": .string(resource.uri), "name": .string(resource.name), "description": .string(resource.description), "mimeType": .string(resource.mimeType)]
                })])
            case .failure(let error):
                return Self.error(id: id, .invalidRequest, error.message)
            }
        case "resources/templates/list":
            return Self.result(id: id, ["resourceTemplates": [
                ["uriTemplate": "jobctl://jobs/{id}", "name": "job", "description": "A job file at the applied commit", "mimeType": "application/yaml"],
                ["uriTemplate": "jobctl://history/{id}", "name": "history", "description": "A job's last 100 runs as JSON lines", "mimeType": "application/jsonl"],
            ]])
        case "resources/read":
            guard let uri = params["uri"].string else { return Self.error(id: id, .invalidParams, "resources/read needs params.uri") }
            switch toolbox.readResource(uri: uri, caller: caller) {
            case .success(let content):
                return Self.result(id: id, ["contents": [["uri": .string(uri), "mimeType": .string(content.mimeType), "text": .string(content.text)]]])
            case .failure(let error):
                return Self.error(id: id, .invalidParams, error.message)
            }
        case let method:
            return Self.error(id: id, .methodNotFound, "method '\(method)' is not offered (initialize, ping, tools/list, tools/call, resources/list, resources/templates/list, resources/read)")
        }
    }

    static let instructions = """
        Tools to find, read and draft jobctl jobs. job_create and job_update write drafts (the working tree, or a \
        branch for a pull request) after validating them; a person applies them. job_run, job_pause, job_resume, \
        job_cancel, job_history and fire_times act through the daemon.
        """

    static func result(id: Value, _ result: [String: Value]) -> Value {
        ["jsonrpc": "2.0", "id": id, "result": .object(result)]
    }

    /// Whether `id` may identify a request: a string, a number or null (JSON-RPC 2.0 §4).
    static func isIdentifier(_ id: Value) -> Bool {
        switch id {
        case .string, .number, .null: true
        default: false
        }
    }

    static func error(id: Value, _ code: Code, _ message: String) -> Value {
        ["jsonrpc": "2.0", "id": id, "error": ["code": .number(Double(code.rawValue)), "message": .string(message)]]
    }
}
