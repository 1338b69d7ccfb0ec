public import AgentTools
public import Hummingbird
public import Server
import Expressions
import Foundation
import MCP

/// `POST /mcp` on serve's listener: the Model Context Protocol's streamable HTTP transport in its
/// stateless form (one JSON answer per POST, no session, no server-sent stream; `GET` and `DELETE`
/// are 405). Every POST needs a bearer token with scope `read` at least; each tool then needs its
/// own scope (``ToolDescription/scope``) and the token's jobs, and daemon actions go through the
/// API with the same token. Each POST is served by a fresh MCP server for that caller, so
/// clients never share request ids or state.
public struct MCPRoutes: Sendable {
    let api: JobctlAPI
    let version: String
    /// The toolbox for a caller who presented `bearer` (forwarded to the API for daemon actions).
    let toolbox: @Sendable (_ bearer: String) -> AgentToolbox

    public init(api: JobctlAPI, version: String, toolbox: @escaping @Sendable (_ bearer: String) -> AgentToolbox) {
        self.api = api
        self.version = version
        self.toolbox = toolbox
    }

    public func add(to router: Router<APIRequestContext>) {
        let routes = self
        router.post("/mcp") { request, context -> Response in
            try await routes.serve(request, context: context)
        }
        for method in [HTTPRequest.Method.get, .delete] {
            router.on("/mcp", method: method) { _, _ -> Response in
                Response(status: .methodNotAllowed, headers: [.allow: "POST"])
            }
        }
    }

    private func serve(_ request: Request, context: APIRequestContext) async throws -> Response {
        let token = try api.authenticate(request, .read)
        let bearer = String((request.headers[.authorization] ?? "").drop { $0 != " " }.dropFirst()).trimmingCharacters(in: .whitespaces)
        let body = try await request.body.collect(upTo: APIRequestContext.maximumBodySize)
        var headers: [String: String] = [:]
        for field in request.headers { headers[field.name.canonicalName] = field.value }
        let caller = ToolCaller(who: "token \(token.name)", token: token)
        let server = await MCPToolServer.make(toolbox: toolbox(bearer), caller: caller, version: version)
        let transport = StatelessHTTPServerTransport()
        try await server.start(transport: transport)
        let answer = await transport.handleRequest(MCP.HTTPRequest(method: "POST", headers: headers, body: Data(buffer: body), path: "/mcp"))
        await server.stop()
        var fields = HTTPFields()
        for (name, value) in answer.headers {
            if let field = HTTPFields.Element.Name(name) { fields[field] = value }
        }
        let bytes = answer.bodyData ?? Data()
        return Response(status: .init(code: answer.statusCode), headers: fields, body: .init(byteBuffer: ByteBuffer(bytes: bytes)))
    }
}
