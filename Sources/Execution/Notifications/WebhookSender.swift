public import Definitions
public import Expressions
public import Foundation

/// Sends one notification webhook: renders its URL (values percent-encoded in the query, secrets
/// resolved from the store) and makes one request, with a timeout. Never throws: the outcome of
/// the attempt is returned, with the URL left out of every message (webhook URLs are secrets).
public struct WebhookSender: Sendable {
    public var secrets: SecretStore
    /// How long one attempt may take.
    public var timeout: TimeInterval

    public init(secrets: SecretStore, timeout: TimeInterval = 10) {
        self.secrets = secrets
        self.timeout = timeout
    }

    /// Sends `body` (nil: none) to the rendered `url` with `method`.
    /// - Parameter roots: the names the URL's template may use (`job`, `run`, `params`).
    public func send(url: Template, method: String, body: String?, contentType: String?, roots: [String: Value]) async -> DeliveryAttempt {
        var values: [String: String] = [:]
        for name in url.secretNames {
            do { values[name] = try secrets.value(named: name) } catch {
                return DeliveryAttempt(status: nil, error: error.message, retryable: false)
            }
        }
        let rendered: String
        do { rendered = try url.render(roots, secrets: values, context: .url) } catch {
            return DeliveryAttempt(status: nil, error: error.description, retryable: false)
        }
        var headers: [String: String] = [:]
        if let contentType { headers["Content-Type"] = contentType }
        let call = HTTPCall(method: method, url: rendered, headers: headers, body: body, timeout: timeout)
        do {
            let response = try await call.perform(responseCap: 512)
            if (200..<300).contains(response.status) { return DeliveryAttempt(status: response.status, error: nil, retryable: false) }
            return DeliveryAttempt(status: response.status, error: "answered \(response.status)",
                           retryable: response.status >= 500 || response.status == 429 || response.status == 408)
        } catch {
            // The message names the URL (and the transport's own text its host): only what went wrong.
            return DeliveryAttempt(status: nil, error: error.transport, retryable: !error.cancelled)
        }
    }
}

/// One attempt to deliver a notification, webhook or mail.
public struct DeliveryAttempt: Sendable, Hashable {
    /// The HTTP status or SMTP reply code, when the server answered.
    public var status: Int?
    /// Why it failed: a status other than 2xx, a refused mail, a transport error, a missing secret.
    public var error: String?
    /// Whether to try again: the server may take it later (no answer, 5xx or 429 over HTTP, 4xx over SMTP).
    public var retryable: Bool
    public var succeeded: Bool { error == nil }

    public init(status: Int?, error: String?, retryable: Bool) {
        self.status = status
        self.error = error
        self.retryable = retryable
    }
}
