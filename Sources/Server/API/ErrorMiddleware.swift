import Hummingbird
import NIOCore

/// Turns every error into the API's error body: ``APIError`` as it is, Hummingbird's own
/// errors (no route: 404, wrong method: 405, body too large: 413) with a code, and anything
/// else into a 500 that is logged, never a crash.
struct ErrorMiddleware: RouterMiddleware {
    typealias Context = APIRequestContext
    let log: @Sendable (String) -> Void

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        do {
            return try await next(request, context)
        } catch let error as APIError {
            throw error
        } catch is NIOTooManyBytesError {
            throw Self.tooLarge
        } catch let error as HTTPError {
            switch error.status {
            case .notFound:
                if let allowed = Self.allowedMethods(path: request.uri.path) {
                    throw APIError(.methodNotAllowed, code: "method_not_allowed", "\(request.method) is not allowed on \(request.uri.path); use \(allowed)",
                                   headers: [.allow: allowed])
                }
                throw APIError(.notFound, code: "not_found", error.body ?? "no such endpoint: \(request.method) \(request.uri.path)")
            case .methodNotAllowed: throw APIError(.methodNotAllowed, code: "method_not_allowed", error.body ?? "\(request.method) is not allowed on \(request.uri.path)", headers: error.headers)
            case .contentTooLarge: throw Self.tooLarge
            default: throw APIError(error.status, code: Self.code(for: error.status), error.body ?? error.status.reasonPhrase, headers: error.headers)
            }
        } catch let error as any HTTPResponseError {
            throw APIError(error.status, code: Self.code(for: error.status), error.status.reasonPhrase)
        } catch {
            log("error: \(request.method) \(request.uri.path): \(error)")
            throw APIError(.internalServerError, code: "internal", "internal error: \(error)")
        }
    }

    /// The methods a path of the API answers to, for a 405 with `Allow`; nil for a path it does not have.
    static func allowedMethods(path: String) -> String? {
        let segments = path.split(separator: "/", omittingEmptySubsequences: true)
        switch path {
        case "/healthz", "/metrics", "/api/openapi.yaml", "/api/jobs", "/api/runs", "/api/fire-times": return "GET"
        case "/api/events": return "POST"
        default: break
        }
        if path.hasPrefix("/api/jobs/") { return segments.last == "runs" ? "POST" : "GET" }
        if path.hasPrefix("/hooks/") && segments.count > 1 { return "POST" }
        if path.hasPrefix("/api/runs/") {
            switch (segments.count, segments.last) {
            case (3, _), (4, "log"): return "GET"
            case (4, "cancel"): return "POST"
            default: return nil
            }
        }
        return nil
    }

    static let tooLarge = APIError(.contentTooLarge, code: "too_large", "the request body is larger than \(APIRequestContext.maximumBodySize) bytes (1 MiB)")

    static func code(for status: HTTPResponse.Status) -> String {
        switch status.code {
        case 400: "invalid_request"
        case 401: "unauthorized"
        case 403: "forbidden"
        case 404: "not_found"
        case 405: "method_not_allowed"
        case 409: "conflict"
        case 413: "too_large"
        case 429: "rate_limited"
        default: status.code >= 500 ? "internal" : "error"
        }
    }
}
