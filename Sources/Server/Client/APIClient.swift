public import Foundation
public import Expressions
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif

/// A small client of the API for the CLI (`jobctl run --server`, `jobctl trigger`, `jobctl cancel`).
///
/// ```swift
/// let client = try APIClient(server: "http://127.0.0.1:8080", token: ProcessInfo.processInfo.environment["JOBCTL_TOKEN"])
/// let reply = try await client.send("POST", "/api/events", json: ["type": "x", "payload": [:]])
/// ```
public struct APIClient: Sendable {
    public let server: URL
    public let token: String?

    /// The server of `JOBCTL_SERVER`, else `http://127.0.0.1:8080` (`jobctl serve`'s default).
    public static let defaultServer = "http://127.0.0.1:8080"

    /// - Throws: ``APIClientError`` for a server that is not an http(s) URL.
    public init(server: String, token: String?) throws(APIClientError) {
        var text = server
        while text.hasSuffix("/") { text.removeLast() }
        guard let url = URL(string: text), let scheme = url.scheme?.lowercased(), scheme == "http" || scheme == "https", url.host != nil else {
            throw APIClientError(message: "--server '\(server)' is not an http:// or https:// URL")
        }
        self.server = url
        self.token = token.flatMap { $0.isEmpty ? nil : $0 }
    }

    /// An answer: the status and the body.
    public struct Reply: Sendable {
        public var status: Int
        public var body: Data

        /// The body as JSON (`.null` when it is not JSON).
        public var json: Value {
            (try? Value(parsingJSON: [UInt8](body))) ?? .null
        }

        /// `error.message` of an error body, else the body as text.
        public var errorMessage: String {
            if case .string(let message) = json[["error", "message"]] { return message }
            return String(decoding: body, as: UTF8.self)
        }
    }

    /// Sends a request with the token (if any) and a JSON body (if any).
    /// - Throws: ``APIClientError`` when no answer comes (connection refused, ...).
    public func send(_ method: String, _ path: String, body: Data? = nil, headers: [String: String] = [:]) async throws(APIClientError) -> Reply {
        guard let url = URL(string: server.absoluteString + path) else {
            throw APIClientError(message: "cannot make a URL of \(server.absoluteString)\(path)")
        }
        var request = URLRequest(url: url)
        request.httpMethod = method
        request.timeoutInterval = 60
        if let token { request.setValue("Bearer \(token)", forHTTPHeaderField: "Authorization") }
        if let body {
            request.httpBody = body
            request.setValue("application/json", forHTTPHeaderField: "Content-Type")
        }
        for (name, value) in headers { request.setValue(value, forHTTPHeaderField: name) }
        let session = URLSession(configuration: .ephemeral)
        defer { session.finishTasksAndInvalidate() }
        do {
            let (data, response) = try await session.data(for: request)
            return Reply(status: (response as? HTTPURLResponse)?.statusCode ?? 0, body: data)
        } catch {
            throw APIClientError(message: "\(method) \(server.absoluteString)\(path): \(error.localizedDescription)")
        }
    }

    /// A job id as path segments: each segment percent-encoded, `/` kept.
    public static func path(job: String) -> String {
        job.split(separator: "/", omittingEmptySubsequences: false)
            .map { String($0).addingPercentEncoding(withAllowedCharacters: .urlPathAllowed.subtracting(CharacterSet(charactersIn: "/?#"))) ?? String($0) }
            .joined(separator: "/")
    }
}

/// No answer from the server, or a server URL that cannot be used.
public struct APIClientError: Error, Sendable, CustomStringConvertible {
    public var message: String
    public init(message: String) { self.message = message }
    public var description: String { message }
}
