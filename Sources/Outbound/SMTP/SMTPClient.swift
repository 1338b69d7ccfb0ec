import Foundation
import NIOCore
import NIOPosix
import NIOSSL
import Locks

/// A small SMTP client on SwiftNIO: sends one ``MailMessage`` per connection.
///
/// ```swift
/// let server = SMTPServer(host: "smtp.example.com", port: 587, security: .startTLS, username: "jobs", password: secret)
/// try await SMTPClient(server: server).send(message)
/// ```
///
/// The conversation is RFC 5321's: greeting, `EHLO` (`HELO` if refused), `STARTTLS` and `EHLO`
/// again when ``SMTPServer/Security/startTLS``, `AUTH PLAIN` (or `LOGIN`) when a user is set,
/// `MAIL FROM`, one `RCPT TO` per recipient, `DATA` with the dot-stuffed message, `QUIT`.
/// Credentials are never sent over a connection without TLS, except to a loopback address.
/// The whole conversation must end within ``SMTPServer/timeout``.
public struct SMTPClient: Sendable {
    public var server: SMTPServer

    public init(server: SMTPServer) {
        self.server = server
    }

    /// Sends `message` to its recipients.
    /// - Throws: ``SMTPError``: `retryable` for no connection, a timeout or a 4xx reply; not for a
    ///   5xx reply, a refused recipient or a misconfiguration. Its message never holds the password.
    public func send(_ message: MailMessage) async throws(SMTPError) {
        if server.username != nil, server.security == .none, !server.isLoopback {
            throw SMTPError(message: "refusing to send the password over a connection without TLS to \(server.host) (use security: starttls or tls)", retryable: false)
        }
        let expired = Locked(false)
        let channel = try await connect()
        let timer = channel.eventLoop.scheduleTask(in: .nanoseconds(Int64((server.timeout / .nanoseconds(1)).rounded()))) {
            expired.withLock { $0 = true }
            channel.close(promise: nil)
        }
        defer {
            timer.cancel()
            channel.close(promise: nil)
        }
        do {
            try await converse(channel, message: message)
        } catch {
            if expired.withLock({ $0 }) { throw SMTPError(message: "no answer in time (\(server.timeout))", retryable: true) }
            throw error
        }
    }

    private func connect() async throws(SMTPError) -> any Channel {
        let tls: NIOSSLContext?
        do { tls = try server.security == .none ? nil : server.tlsContext() } catch {
            throw SMTPError(message: "cannot set up TLS: \(error)", retryable: false)
        }
        let implicit = server.security == .implicitTLS
        let hostname = server.sniHostname
        let bootstrap = ClientBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .connectTimeout(.seconds(30))
            .channelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    if implicit, let tls {
                        try channel.pipeline.syncOperations.addHandler(NIOSSLClientHandler(context: tls, serverHostname: hostname))
                    }
                    try channel.pipeline.syncOperations.addHandler(SMTPReplyReader())
                }
            }
        do {
            return try await bootstrap.connect(host: server.host, port: server.port).get()
        } catch {
            throw SMTPError(message: "could not connect: \(SMTPError.reason(of: error))", retryable: true)
        }
    }

    private func converse(_ channel: any Channel, message: MailMessage) async throws(SMTPError) {
        let talk = Conversation(channel: channel)
        try await talk.expect(220, after: nil, what: "greeting")
        var features = try await hello(talk)
        if server.security == .startTLS {
            guard features.contains(where: { $0.uppercased() == "STARTTLS" }) else {
                throw SMTPError(message: "the server does not offer STARTTLS (set security: none only for a server on loopback)", retryable: false)
            }
            try await talk.expect(220, after: "STARTTLS", what: "STARTTLS")
            do {
                let tls = try server.tlsContext()
                let hostname = server.sniHostname
                try await channel.eventLoop.submit {
                    try channel.pipeline.syncOperations.addHandler(NIOSSLClientHandler(context: tls, serverHostname: hostname), position: .first)
                }.get()
            } catch {
                throw SMTPError(message: "cannot start TLS: \(SMTPError.reason(of: error))", retryable: true)
            }
            features = try await hello(talk)
        }
        if let username = server.username {
            try await authenticate(talk, username: username, password: server.password ?? "", features: features)
        }
        try await talk.expect(250, after: "MAIL FROM:<\(message.from.address)>", what: "MAIL FROM")
        for recipient in message.to {
            let reply = try await talk.send("RCPT TO:<\(recipient.address)>")
            guard reply.code == 250 || reply.code == 251 else {
                throw SMTPError(reply: reply, what: "RCPT TO:<\(recipient.address)>")
            }
        }
        try await talk.expect(354, after: "DATA", what: "DATA")
        try await talk.write(MailMessage.dotStuffed(message.rendered()) + Array("\r\n.\r\n".utf8))
        try await talk.expect(250, after: nil, what: "the message")
        _ = try? await talk.send("QUIT")
    }

    /// `EHLO`, else `HELO`; the extensions the server announced.
    private func hello(_ talk: Conversation) async throws(SMTPError) -> [String] {
        let reply = try await talk.send("EHLO \(server.helloName)")
        if reply.code == 250 { return Array(reply.lines.dropFirst()) }
        try await talk.expect(250, after: "HELO \(server.helloName)", what: "HELO")
        return []
    }

    private func authenticate(_ talk: Conversation, username: String, password: String, features: [String]) async throws(SMTPError) {
        let mechanisms = features.first { $0.uppercased().hasPrefix("AUTH") }.map { $0.uppercased().split(separator: " ").dropFirst().map(String.init) } ?? []
        func base64(_ text: String) -> String { Data(text.utf8).base64EncodedString() }
        if mechanisms.contains("PLAIN") || mechanisms.isEmpty {
            try await talk.expect(235, after: "AUTH PLAIN " + base64("\0\(username)\0\(password)"), what: "AUTH PLAIN")
        } else if mechanisms.contains("LOGIN") {
            try await talk.expect(334, after: "AUTH LOGIN", what: "AUTH LOGIN")
            try await talk.expect(334, after: base64(username), what: "AUTH LOGIN (user)")
            try await talk.expect(235, after: base64(password), what: "AUTH LOGIN (password)")
        } else {
            throw SMTPError(message: "the server offers no AUTH mechanism jobctl speaks (PLAIN, LOGIN): \(mechanisms.joined(separator: " "))", retryable: false)
        }
    }
}

/// Commands and replies over one channel.
private struct Conversation: Sendable {
    let channel: any Channel

    func write(_ bytes: [UInt8]) async throws(SMTPError) {
        do { try await channel.writeAndFlush(ByteBuffer(bytes: bytes)).get() } catch {
            throw SMTPError(message: "the connection failed: \(SMTPError.reason(of: error))", retryable: true)
        }
    }

    func reply() async throws(SMTPError) -> SMTPReply {
        let channel = channel
        do {
            return try await channel.eventLoop.flatSubmit {
                do {
                    return try channel.pipeline.syncOperations.handler(type: SMTPReplyReader.self).next(on: channel.eventLoop)
                } catch {
                    return channel.eventLoop.makeFailedFuture(SMTPError(message: "the server closed the connection", retryable: true))
                }
            }.get()
        } catch let error as SMTPError {
            throw error
        } catch {
            throw SMTPError(message: SMTPError.reason(of: error), retryable: true)
        }
    }

    func send(_ command: String) async throws(SMTPError) -> SMTPReply {
        try await write(Array((command + "\r\n").utf8))
        return try await reply()
    }

    /// Sends `command` (nil: none, only read) and requires `code`.
    func expect(_ code: Int, after command: String?, what: String) async throws(SMTPError) {
        let reply: SMTPReply
        if let command { reply = try await send(command) } else { reply = try await self.reply() }
        guard reply.code == code else { throw SMTPError(reply: reply, what: what) }
    }
}
