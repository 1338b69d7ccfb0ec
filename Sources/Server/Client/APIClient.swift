public import Foundation
public import Expressions
import Outbound

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
        var fields: [(String, String)] = []
        if let token { fields.append(("Authorization", "Bearer \(token)")) }
        if body != nil { fields.append(("Content-Type", "application/json")) }
        fields += headers.sorted { $0.key < $1.key }.map { ($0.key, $0.value) }
        let request = OutboundRequest(method: method, url: server.absoluteString + path, headers: fields, body: body.map { [UInt8]($0) }, timeout: .seconds(60))
        do {
            let response = try await request.perform(responseCap: Self.replyCap)
            return Reply(status: response.status, body: Data(response.body))
        } catch {
            throw APIClientError(message: "\(method) \(server.absoluteString)\(path): \(error.reason)")
        }
    }

    /// The longest reply read (a history page or a log): 256 MiB.
    static let replyCap = 256 << 20

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
