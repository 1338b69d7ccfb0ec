import Definitions
import Foundation
import Testing
import TestSupport
@testable import Outbound

/// The SMTP client against a real server (aiosmtpd) on loopback: plain, STARTTLS and implicit
/// TLS with a CA file, AUTH, refusals and retryable answers.
@Suite struct SMTPClientTests {
    /// How long the client waits for each answer here: the product's 30 s is a bound on a real
    /// server, not on a loaded CI machine running aiosmtpd beside a sanitizer build.
    static let patient: Duration = .seconds(600)

    static func message(subject: String = "Nightly load failed", html: String? = "<p>It <strong>failed</strong>.</p>") -> MailMessage {
        MailMessage(from: MailAddress("jobctl <jobs@example.com>")!, to: [MailAddress("data@example.com")!, MailAddress("ops@example.com")!],
                    subject: subject, text: "It failed.\n.\n..a line that starts with a dot\n", html: html, headers: [("X-Jobctl-Run", "r1")])
    }

    @Test func plainOnLoopbackDeliversTextAndHTMLParts() async throws {
        let smtp = try await RecordingSMTPServer()
        try await SMTPClient(server: SMTPServer(host: "127.0.0.1", port: smtp.port, security: .none, timeout: Self.patient)).send(Self.message(subject: "Rapport hebdomadaire — échec"))
        let mail = try #require(smtp.messages.first)
        #expect(mail.from == "jobs@example.com")
        #expect(mail.to == ["data@example.com", "ops@example.com"])
        #expect(mail.subject == "Rapport hebdomadaire — échec")
        #expect(mail.headers["X-Jobctl-Run"] == "r1")
        #expect(mail.parts.map(\.type) == ["text/plain", "text/html"])
        #expect(mail.parts[0].content == "It failed.\n.\n..a line that starts with a dot\n", "dot-stuffing is undone by the server")
        #expect(mail.parts[1].content.contains("<strong>failed</strong>"))
        #expect(mail.tls == false)
    }

    @Test func startTLSWithACAFileAndAuth() async throws {
        let smtp = try await RecordingSMTPServer(security: .startTLS, login: ("jobs", "pa55word"))
        let server = SMTPServer(host: "127.0.0.1", port: smtp.port, security: .startTLS, caFile: smtp.caFile, username: "jobs", password: "pa55word", timeout: Self.patient)
        try await SMTPClient(server: server).send(Self.message())
        let mail = try #require(smtp.messages.first)
        #expect(mail.tls)
        #expect(mail.login == "jobs")
    }

    @Test func implicitTLSWithACAFile() async throws {
        let smtp = try await RecordingSMTPServer(security: .implicitTLS, login: ("jobs", "pa55word"))
        let server = SMTPServer(host: "localhost", port: smtp.port, security: .implicitTLS, caFile: smtp.caFile, username: "jobs", password: "pa55word", timeout: Self.patient)
        try await SMTPClient(server: server).send(Self.message(html: nil))
        let mail = try #require(smtp.messages.first)
        #expect(mail.tls)
        #expect(mail.parts.map(\.type) == ["text/plain"])
    }

    @Test func aCertificateNotSignedByTheCAFileIsRefused() async throws {
        let smtp = try await RecordingSMTPServer(security: .implicitTLS)
        // The system's roots do not know the throwaway CA.
        let server = SMTPServer(host: "127.0.0.1", port: smtp.port, security: .implicitTLS, timeout: Self.patient)
        // Usually "the TLS handshake failed (…)"; under load the server's close can be seen first.
        await #expect { try await SMTPClient(server: server).send(Self.message()) } throws: { error in
            guard let error = error as? SMTPError else { return false }
            return error.message.contains("TLS") || error.message.contains("closed the connection")
        }
        #expect(smtp.messages.isEmpty)
    }

    @Test func aWrongPasswordIsAPermanentRefusalThatNeverShowsThePassword() async throws {
        let smtp = try await RecordingSMTPServer(security: .startTLS, login: ("jobs", "pa55word"))
        let server = SMTPServer(host: "127.0.0.1", port: smtp.port, security: .startTLS, caFile: smtp.caFile, username: "jobs", password: "wrong-pw-77", timeout: Self.patient)
        do {
            try await SMTPClient(server: server).send(Self.message())
            Issue.record("the wrong password was accepted")
        } catch {
            #expect(error.code == 535)
            #expect(!error.retryable)
            #expect(!error.message.contains("wrong-pw-77"))
            #expect(!error.message.contains(Data("\0jobs\0wrong-pw-77".utf8).base64EncodedString()))
        }
    }

    @Test func aPasswordIsNeverSentWithoutTLSToAnotherHost() async throws {
        // Refused before any connection is tried (the .invalid name would not resolve anyway).
        let remote = SMTPServer(host: "mail.example.invalid", security: .none, username: "jobs", password: "x", timeout: Self.patient)
        do {
            try await SMTPClient(server: remote).send(Self.message())
            Issue.record("sent")
        } catch {
            #expect(error.message.hasPrefix("refusing to send the password"))
            #expect(!error.retryable)
        }
    }

    @Test func aTemporaryRefusalIsRetryable() async throws {
        let smtp = try await RecordingSMTPServer(replies: [451])
        let client = SMTPClient(server: SMTPServer(host: "127.0.0.1", port: smtp.port, security: .none, timeout: Self.patient))
        do {
            try await client.send(Self.message())
            Issue.record("a 451 was taken as delivered")
        } catch {
            #expect(error.code == 451)
            #expect(error.retryable)
        }
        try await client.send(Self.message())
        #expect(smtp.messages.count == 1)
    }

    @Test func noServerIsRetryableAndNamesNoHost() async throws {
        let closed = try ClosedPort()  // bound, never listening: refused
        defer { withExtendedLifetime(closed) {} }
        do {
            try await SMTPClient(server: SMTPServer(host: "127.0.0.1", port: closed.port, security: .none, timeout: Self.patient)).send(Self.message())
            Issue.record("sent to nobody")
        } catch {
            #expect(error.retryable)
            #expect(!error.message.contains("127.0.0.1"))
        }
    }

    @Test func addressesWithLineBreaksOrAnglesAreRefused() {
        #expect(MailAddress("a@b.example") != nil)
        #expect(MailAddress("Data Team <data@example.com>")?.name == "Data Team")
        #expect(MailAddress("a@b.example>\r\nRCPT TO:<x@y") == nil)
        #expect(MailAddress("no-at-sign") == nil)
        #expect(MailAddress("a b@example.com") == nil)
    }

    @Test func dotStuffingDoublesLeadingDots() {
        let stuffed = MailMessage.dotStuffed(Array("a\r\n.\r\n..b\r\n".utf8))
        #expect(String(decoding: stuffed, as: UTF8.self) == "a\r\n..\r\n...b\r\n")
    }
}
