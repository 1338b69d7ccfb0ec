public import Definitions
import NIOCore
import NIOPosix
import NIOSSL

/// Where and how to send mail: the `smtp:` of a notifier in `jobctl.yaml`, with its password
/// already read from the secret store.
public struct SMTPServer: Sendable {
    /// How the connection is protected (``MailSecurity``, as `jobctl.yaml` writes it).
    public typealias Security = MailSecurity

    public var host: String
    public var port: Int
    public var security: Security
    /// PEM file of the certificate authorities to trust instead of the system's.
    public var caFile: String?
    public var username: String?
    public var password: String?
    /// The whole conversation's limit.
    public var timeout: Duration
    /// What `EHLO` names this machine as.
    public var helloName: String

    public init(host: String, port: Int? = nil, security: Security = .startTLS, caFile: String? = nil, username: String? = nil,
                password: String? = nil, timeout: Duration = .seconds(30), helloName: String = "jobctl.localhost") {
        self.host = host
        self.port = port ?? security.defaultPort
        self.security = security
        self.caFile = caFile
        self.username = username
        self.password = password
        self.timeout = timeout
        self.helloName = helloName
    }

    var isLoopback: Bool {
        host == "localhost" || host == "::1" || host == "[::1]" || host.hasPrefix("127.")
    }

    /// An IP address cannot be sent as SNI; its certificate is then checked against the address.
    var sniHostname: String? {
        (try? SocketAddress(ipAddress: host.trimmingCharacters(in: ["[", "]"]), port: 0)) == nil ? host : nil
    }

    /// Full verification against the system's roots, or only those of ``caFile``.
    func tlsContext() throws -> NIOSSLContext {
        var configuration = TLSConfiguration.makeClientConfiguration()
        if let caFile { configuration.trustRoots = .file(caFile) }
        return try NIOSSLContext(configuration: configuration)
    }
}

/// Mail that was not accepted.
public struct SMTPError: Error, Sendable, CustomStringConvertible {
    public var message: String
    /// The server's reply code, when it answered.
    public var code: Int?
    /// Worth trying again later: no connection, no answer in time, or a 4xx reply.
    public var retryable: Bool

    public var description: String { message }

    public init(message: String, code: Int? = nil, retryable: Bool) {
        self.message = message
        self.code = code
        self.retryable = retryable
    }

    init(reply: SMTPReply, what: String) {
        self.init(message: "\(what) answered \(reply.code) \(reply.text.prefix(200))", code: reply.code, retryable: (400..<500).contains(reply.code))
    }

    /// Words for a transport error that never name the peer.
    static func reason(of error: any Error) -> String {
        if let error = error as? SMTPError { return error.message }
        if error is NIOSSLError || error is BoringSSLError || error is NIOSSLExtraError { return "the TLS handshake failed (\(error))" }
        if error is NIOConnectionError || error is IOError || error is ChannelError { return "could not connect" }
        return "the connection failed"
    }
}
