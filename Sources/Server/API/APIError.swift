public import Hummingbird

/// An error the API answers with: a status and a body `{"error": {"code": "...", "message": "..."}}`.
///
/// `code` is a stable, machine-readable word (`not_found`, `invalid_params`, `concurrency`, ...);
/// new codes may appear, so clients should fall back on the status. A concurrency refusal also
/// names the run in progress (`"runInProgress": "..."` inside `error`).
public struct APIError: HTTPResponseError, Sendable, CustomStringConvertible {
    public var status: HTTPResponse.Status
    public var code: String
    public var message: String
    public var runInProgress: String?
    public var headers: HTTPFields

    public init(_ status: HTTPResponse.Status, code: String, _ message: String, runInProgress: String? = nil, headers: HTTPFields = [:]) {
        self.status = status
        self.code = code
        self.message = message
        self.runInProgress = runInProgress
        self.headers = headers
    }

    public var description: String { "\(status.code) \(code): \(message)" }

    struct Body: Encodable {
        struct Detail: Encodable {
            var code: String
            var message: String
            var runInProgress: String?
        }

        var error: Detail
    }

    public func response(from request: Request, context: some RequestContext) throws -> Response {
        var response = try JSONResponse.make(Body(error: .init(code: code, message: message, runInProgress: runInProgress)), status: status)
        response.headers.append(contentsOf: headers)
        return response
    }

    static func badRequest(_ message: String, code: String = "invalid_request") -> APIError {
        APIError(.badRequest, code: code, message)
    }

    static func notFound(_ message: String) -> APIError {
        APIError(.notFound, code: "not_found", message)
    }

    static let unauthorized = APIError(
        .unauthorized, code: "unauthorized", "a bearer token is required: Authorization: Bearer <token> (see `jobctl token create`)",
        headers: [.wwwAuthenticate: "Bearer realm=\"jobctl\""])
}
