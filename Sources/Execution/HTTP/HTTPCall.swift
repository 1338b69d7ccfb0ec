import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif

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

    /// - Throws: ``HTTPCallError`` for a URL that does not parse, or a transport failure.
    func perform(responseCap: Int) async throws(HTTPCallError) -> Response {
        guard let target = URL(string: url), let scheme = target.scheme?.lowercased(), scheme == "http" || scheme == "https", target.host != nil else {
            throw HTTPCallError(message: "'\(url)' is not an http or https URL")
        }
        var request = URLRequest(url: target)
        request.httpMethod = method
        // The step's own timeouts apply; URLSession's idle timeout would cut long agent calls.
        request.timeoutInterval = timeout ?? 7 * 24 * 3600
        for (name, value) in headers {
            request.setValue(value, forHTTPHeaderField: name)
        }
        if let body {
            request.httpBody = Data(body.utf8)
            if headers.keys.contains(where: { $0.lowercased() == "content-type" }) == false {
                request.setValue("text/plain; charset=utf-8", forHTTPHeaderField: "Content-Type")
            }
        }
        let configuration = URLSessionConfiguration.ephemeral
        configuration.requestCachePolicy = .reloadIgnoringLocalCacheData
        let session = URLSession(configuration: configuration)
        defer { session.finishTasksAndInvalidate() }
        let data: Data
        let response: URLResponse
        do {
            (data, response) = try await session.data(for: request)
        } catch {
            if Task.isCancelled { throw HTTPCallError(message: "cancelled", cancelled: true) }
            throw HTTPCallError(message: "\(method) \(HTTPCall.withoutQuery(url)) failed: \(error.localizedDescription)",
                                transport: (error as? URLError).map { HTTPCallError.transportReason($0.code) } ?? "the request failed")
        }
        let status = (response as? HTTPURLResponse)?.statusCode ?? 0
        return Response(status: status, body: String(decoding: data.prefix(responseCap), as: UTF8.self))
    }

    /// The URL without its query string and user info, for messages (they often carry tokens).
    static func withoutQuery(_ url: String) -> String {
        guard var components = URLComponents(string: url) else { return url }
        components.query = nil
        components.user = nil
        components.password = nil
        return components.string ?? url
    }
}

struct HTTPCallError: Error, Sendable {
    var message: String
    var cancelled = false
    /// What went wrong, in words that name no host, port or URL (for messages about secret URLs).
    var transport = "the request failed"

    static func transportReason(_ code: URLError.Code) -> String {
        switch code {
        case .cannotConnectToHost, .networkConnectionLost, .notConnectedToInternet: "could not connect"
        case .timedOut: "no answer in time"
        case .cannotFindHost, .dnsLookupFailed: "the host name did not resolve"
        case .secureConnectionFailed, .serverCertificateUntrusted, .serverCertificateHasBadDate, .serverCertificateNotYetValid,
             .serverCertificateHasUnknownRoot, .clientCertificateRejected: "the TLS handshake failed"
        case .badServerResponse, .cannotParseResponse: "the answer was not HTTP"
        default: "the request failed"
        }
    }
}
