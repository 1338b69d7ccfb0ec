public import AgentTools
public import Hummingbird
public import Server
import Expressions
import Foundation

/// `POST /mcp` on serve's listener: the Model Context Protocol's streamable HTTP transport in its
/// stateless form (one JSON answer per POST, no session, no server-sent stream; `GET` and `DELETE`
/// are 405). Every POST needs a bearer token with scope `read` at least; each tool then needs its
/// own scope (``ToolDescription/scope``) and the token's jobs, and daemon actions go through the
/// API with the same token.
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
        let headers = request.headers
        // Requests from a browser page of another site (DNS rebinding) are refused.
        if let origin = headers[.origin], !Self.isLocal(origin: origin, host: request.head.authority) {
            return Self.answer(.forbidden, MCPSession.error(id: .null, .invalidRequest, "Origin \(origin) is not this server"))
        }
        guard (headers[.contentType] ?? "").lowercased().hasPrefix("application/json") else {
            return Self.answer(.unsupportedMediaType, MCPSession.error(id: .null, .invalidRequest, "the body must be application/json"))
        }
        if let accept = headers[.accept]?.lowercased(), !accept.contains("application/json"), !accept.contains("*/*") {
            return Self.answer(.notAcceptable, MCPSession.error(id: .null, .invalidRequest, "Accept must include application/json"))
        }
        if let version = headers[HTTPFields.Element.Name("MCP-Protocol-Version")!], !MCPSession.protocolVersions.contains(version) {
            return Self.answer(.badRequest, MCPSession.error(id: .null, .invalidRequest, "MCP-Protocol-Version \(version) is not one of \(MCPSession.protocolVersions.joined(separator: ", "))"))
        }
        let body = try await request.body.collect(upTo: APIRequestContext.maximumBodySize)
        let message: Value
        do { message = try Value(parsingJSON: Array(buffer: body)) } catch {
            return Self.answer(.badRequest, MCPSession.error(id: .null, .parseError, "parse error: \(error)"))
        }
        let bearer = String((headers[.authorization] ?? "").drop { $0 != " " }.dropFirst()).trimmingCharacters(in: .whitespaces)
        let session = MCPSession(toolbox: toolbox(bearer), caller: ToolCaller(who: "token \(token.name)", token: token), version: version)
        switch MCPSession.kind(of: message) {
        case .notification, .response:
            return Response(status: .accepted)
        case .invalid:
            return Self.answer(.badRequest, await session.handle(message) ?? .null)
        case .request:
            return Self.answer(.ok, await session.handle(message) ?? .null)
        }
    }

    static func answer(_ status: HTTPResponse.Status, _ message: Value) -> Response {
        Response(status: status, headers: [.contentType: "application/json"],
                 body: .init(byteBuffer: ByteBuffer(string: message.description)))
    }

    /// An Origin on loopback, or the host the request was sent to.
    static func isLocal(origin: String, host: String?) -> Bool {
        guard let url = URL(string: origin), let originHost = url.host?.lowercased() else { return false }
        if ["localhost", "127.0.0.1", "::1", "[::1]"].contains(originHost) { return true }
        let requested = host.map { $0.lowercased().split(separator: ":").first.map(String.init) ?? $0 }
        return requested == originHost
    }
}
