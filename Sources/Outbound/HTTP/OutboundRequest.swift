import AsyncHTTPClient
import Foundation
import NIOCore
import NIOHTTP1
import NIOPosix
import NIOSSL

/// One outgoing HTTP request, sent through AsyncHTTPClient: http steps, http agents, webhook
/// notifications and the CLI's API client all go through ``perform(responseCap:)``, so one client
/// (one connection pool, one event loop group) carries every request jobctl makes.
///
/// ```swift
/// let request = OutboundRequest(method: "POST", url: "http://127.0.0.1:9000/hook", headers: [("Content-Type", "application/json")], body: Array("{}".utf8))
/// let response = try await request.perform(responseCap: 4096)
/// ```
///
/// Redirects are followed (at most 10); there is no read timeout of the client's own — the
/// caller's deadline (``timeout``) or its task's cancellation ends a request, so a long agent call
/// is not cut. A connection must be made within 15 seconds; a refused one fails at once.
public struct OutboundRequest: Sendable {
    public var method: String
    public var url: String
    public var headers: [(String, String)]
    public var body: [UInt8]?
    /// Give up after this long (nil: only cancelling the task ends the request).
    public var timeout: Duration?

    public init(method: String, url: String, headers: [(String, String)] = [], body: [UInt8]? = nil, timeout: Duration? = nil) {
        self.method = method
        self.url = url
        self.headers = headers
        self.body = body
        self.timeout = timeout
    }

    /// An answer: the status, the headers and at most `responseCap` bytes of the body.
    public struct Response: Sendable {
        public var status: Int
        public var headers: [(String, String)]
        public var body: [UInt8]
        /// Whether the body was longer than the cap (the rest was read and dropped).
        public var truncated: Bool
    }

    /// The client every request shares; never shut down (it lives as long as the process).
    static let client: HTTPClient = {
        var configuration = HTTPClient.Configuration(
            certificateVerification: .fullVerification,
            redirectConfiguration: .follow(max: 10, allowCycles: false),
            timeout: .init(connect: .seconds(15), read: nil),
            decompression: .enabled(limit: .ratio(25))
        )
        // A refused connection fails at once (jobctl's own retries decide what happens next),
        // rather than being retried by the pool until the connect timeout.
        configuration.connectionPool.retryConnectionEstablishment = false
        configuration.connectionPool.concurrentHTTP1ConnectionsPerHostSoftLimit = 32
        return HTTPClient(eventLoopGroup: MultiThreadedEventLoopGroup.singleton, configuration: configuration)
    }()

    /// Sends the request and reads the answer.
    /// - Throws: ``OutboundHTTPError`` for a URL that is not http(s), a transport failure, the
    ///   deadline passing, or the task being cancelled.
    public func perform(responseCap: Int) async throws(OutboundHTTPError) -> Response {
        let scheme = url.prefix(while: { $0 != ":" }).lowercased()
        guard scheme == "http" || scheme == "https", url.dropFirst(scheme.count).hasPrefix("://"), url.count > scheme.count + 3 else {
            throw OutboundHTTPError(message: "'\(OutboundRequest.withoutQuery(url))' is not an http or https URL", reason: "the URL is not http or https")
        }
        var request = HTTPClientRequest(url: url)
        request.method = HTTPMethod(rawValue: method.uppercased())
        for (name, value) in headers { request.headers.add(name: name, value: value) }
        if let body {
            request.body = .bytes(ByteBuffer(bytes: body))
            if !request.headers.contains(name: "Content-Type") {
                request.headers.add(name: "Content-Type", value: "text/plain; charset=utf-8")
            }
        }
        let deadline: NIODeadline = timeout.map { .now() + .nanoseconds(Int64(($0 / .nanoseconds(1)).rounded())) } ?? .distantFuture
        do {
            let response = try await OutboundRequest.client.execute(request, deadline: deadline)
            var collected: [UInt8] = []
            var truncated = false
            for try await chunk in response.body {
                let room = responseCap - collected.count
                if chunk.readableBytes > room { truncated = true }
                if room > 0 { collected += chunk.readableBytesView.prefix(room) }
            }
            return Response(status: Int(response.status.code), headers: response.headers.map { ($0.name, $0.value) }, body: collected, truncated: truncated)
        } catch {
            if Task.isCancelled { throw OutboundHTTPError(message: "cancelled", reason: "cancelled", cancelled: true) }
            let reason = OutboundHTTPError.reason(of: error)
            throw OutboundHTTPError(message: "\(method) \(OutboundRequest.withoutQuery(url)) failed: \(reason)", reason: reason)
        }
    }

    /// The URL without its query string, fragment and user info, for messages (they often carry tokens).
    public static func withoutQuery(_ url: String) -> String {
        var text = Substring(url)
        if let cut = text.firstIndex(where: { $0 == "?" || $0 == "#" }) { text = text[..<cut] }
        if let schemeEnd = text.range(of: "://") {
            let authorityEnd = text[schemeEnd.upperBound...].firstIndex(of: "/") ?? text.endIndex
            if let at = text[schemeEnd.upperBound..<authorityEnd].lastIndex(of: "@") {
                text = text[..<schemeEnd.upperBound] + text[text.index(after: at)...]
            }
        }
        return String(text)
    }
}

/// A request that got no answer (or a URL that cannot be requested).
public struct OutboundHTTPError: Error, Sendable, CustomStringConvertible {
    /// What happened, naming the method and the URL without its query.
    public var message: String
    /// What went wrong, in words that name no host, port or URL (for messages about secret URLs).
    public var reason: String
    public var cancelled = false

    public var description: String { message }

    /// Words for a transport error that never name the peer.
    static func reason(of error: any Error) -> String {
        if let error = error as? HTTPClientError {
            let reasons: [(HTTPClientError, String)] = [
                (.connectTimeout, "could not connect in time"), (.getConnectionFromPoolTimeout, "could not connect in time"),
                (.deadlineExceeded, "no answer in time"), (.readTimeout, "no answer in time"), (.writeTimeout, "no answer in time"),
                (.remoteConnectionClosed, "the connection was closed before an answer"), (.tlsHandshakeTimeout, "the TLS handshake failed"),
                (.redirectLimitReached, "too many redirects"), (.redirectCycleDetected, "too many redirects"),
                (.invalidURL, "the URL cannot be requested"), (.emptyHost, "the URL cannot be requested"), (.emptyScheme, "the URL cannot be requested"),
                (.cancelled, "cancelled"),
            ]
            return reasons.first { $0.0 == error }?.1 ?? "the request failed"
        }
        if error is NIOSSLError || error is BoringSSLError { return "the TLS handshake failed" }
        if error is NIOConnectionError || error is IOError || error is ChannelError { return "could not connect" }
        return "the request failed"
    }
}
