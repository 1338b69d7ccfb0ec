import Foundation
import Outbound

/// One rendered HTTP request of an `http` step or an http agent.
///
/// A response with a 2xx status is a success and its body is the step's output; any other
/// status, or no response at all, fails the step. Cancelling the calling task cancels the request.
struct HTTPCall: Sendable {
    var method: String
    var url: String
    var headers: [String: String]
    var body: String?
    /// Give up after this long without an answer (nil: the caller's own timeout applies).
    var timeout: TimeInterval?

    struct Response: Sendable {
        var status: Int
        var body: String
    }

    /// - Throws: ``HTTPCallError`` for a URL that is not http(s), or a transport failure.
    func perform(responseCap: Int) async throws(HTTPCallError) -> Response {
        let request = OutboundRequest(
            method: method, url: url, headers: headers.sorted { $0.key < $1.key }.map { ($0.key, $0.value) },
            body: body.map { Array($0.utf8) }, timeout: timeout.map { .milliseconds(Int64($0 * 1000)) }
        )
        do {
            let response = try await request.perform(responseCap: responseCap)
            return Response(status: response.status, body: String(decoding: response.body, as: UTF8.self))
        } catch {
            throw HTTPCallError(message: error.message, cancelled: error.cancelled, transport: error.reason)
        }
    }

    /// The URL without its query string and user info, for messages (they often carry tokens).
    static func withoutQuery(_ url: String) -> String {
        OutboundRequest.withoutQuery(url)
    }
}

struct HTTPCallError: Error, Sendable {
    var message: String
    var cancelled = false
    /// What went wrong, in words that name no host, port or URL (for messages about secret URLs).
    var transport = "the request failed"
}
