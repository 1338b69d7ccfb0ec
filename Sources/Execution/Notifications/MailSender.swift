public import Definitions
public import Foundation
public import Outbound

/// Sends one notification mail through a notifier's SMTP server: the user name and password
/// read from the secret store, the CA file found relative to the root. Never throws: the outcome
/// is returned, and no message carries the password.
public struct MailSender: Sendable {
    public var secrets: SecretStore
    /// Where a relative `caFile` is found.
    public var root: String
    /// How long one whole conversation may take.
    public var timeout: Duration

    public init(secrets: SecretStore, root: String, timeout: Duration = .seconds(30)) {
        self.secrets = secrets
        self.root = root
        self.timeout = timeout
    }

    public func send(_ message: MailMessage, through settings: MailSettings) async -> DeliveryAttempt {
        var username: String?
        var password: String?
        do {
            username = try settings.username.map(render)
            password = try settings.password.map(render)
        } catch {
            return DeliveryAttempt(status: nil, error: error.message, retryable: false)
        }
        let caFile = settings.caFile.map { $0.hasPrefix("/") ? $0 : root + "/" + $0 }
        let server = SMTPServer(host: settings.host, port: settings.port, security: settings.security, caFile: caFile,
                                username: username, password: password, timeout: timeout)
        do {
            try await SMTPClient(server: server).send(message)
            return DeliveryAttempt(status: 250, error: nil, retryable: false)
        } catch {
            return DeliveryAttempt(status: error.code, error: error.message, retryable: error.retryable)
        }
    }

    /// A template of secrets only (`${secrets.NAME}`, text around it).
    private func render(_ template: Template) throws(SecretError) -> String {
        var values: [String: String] = [:]
        for name in template.secretNames { values[name] = try secrets.value(named: name) }
        return (try? template.render([:], secrets: values, context: .plain)) ?? ""
    }
}
