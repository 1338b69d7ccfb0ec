public import AgentTools
import Expressions
import Foundation
import Logging
import MCP

/// The agent tools as a Model Context Protocol server: `tools/list` and `tools/call`,
/// `resources/list` and `resources/read`, each answered by ``AgentToolbox`` for one caller.
/// The only place that speaks MCP; it translates and decides nothing.
public enum MCPToolServer {
    /// Serves one client on stdin and stdout until it closes them.
    public static func runStdio(toolbox: AgentToolbox, caller: ToolCaller, version: String) async throws {
        let server = await make(toolbox: toolbox, caller: caller, version: version)
        try await server.start(transport: StdioTransport())
        await server.waitUntilCompleted()
    }

    static func make(toolbox: AgentToolbox, caller: ToolCaller, version: String) async -> Server {
        let server = Server(
            name: "jobctl", version: version, title: "jobctl agent tools",
            instructions: """
                Tools to find, read and draft jobctl jobs. job_create and job_update write drafts (the working tree, or a \
                branch for a pull request) after validating them; a person applies them. job_run, job_pause, job_resume, \
                job_cancel, job_history and fire_times act through the daemon.
                """,
            capabilities: .init(resources: .init(subscribe: false, listChanged: false), tools: .init(listChanged: false)))
        await server.withMethodHandler(ListTools.self) { _ in
            .init(tools: AgentToolbox.tools.map { tool in
                Tool(name: tool.name, description: tool.description, inputSchema: mcpValue(tool.inputSchema),
                     annotations: .init(readOnlyHint: tool.readOnly, openWorldHint: false))
            })
        }
        await server.withMethodHandler(CallTool.self) { params in
            let arguments = (params.arguments ?? [:]).mapValues(expressionsValue)
            let answer = await toolbox.call(params.name, arguments: arguments, caller: caller)
            return .init(content: [.text(answer.text)], structuredContent: mcpValue(answer.structured) as MCP.Value?, isError: answer.isError)
        }
        await server.withMethodHandler(ListResources.self) { _ in
            switch toolbox.resources(caller: caller) {
            case .success(let resources):
                return .init(resources: resources.map { Resource(name: $0.name, uri: $0.uri, description: $0.description, mimeType: $0.mimeType) })
            case .failure(let error):
                throw MCPError.invalidRequest(error.message)
            }
        }
        await server.withMethodHandler(ReadResource.self) { params in
            switch toolbox.readResource(uri: params.uri, caller: caller) {
            case .success(let content):
                return .init(contents: [.text(content.text, uri: params.uri, mimeType: content.mimeType)])
            case .failure(let error):
                throw MCPError.invalidParams(error.message)
            }
        }
        return server
    }

    /// The two JSON value types are both plain JSON: converted through their Codable forms.
    static func mcpValue(_ value: Expressions.Value) -> MCP.Value {
        (try? JSONDecoder().decode(MCP.Value.self, from: JSONEncoder().encode(value))) ?? .null
    }

    static func expressionsValue(_ value: MCP.Value) -> Expressions.Value {
        (try? JSONDecoder().decode(Expressions.Value.self, from: JSONEncoder().encode(value))) ?? .null
    }
}
