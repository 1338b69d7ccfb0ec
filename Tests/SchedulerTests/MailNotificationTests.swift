import Definitions
import Execution
import Foundation
import History
import Scheduler
import Testing
import TestSupport

/// Mail notifiers against a real SMTP server (aiosmtpd) on loopback: the parts, the report
/// inlined and sanitised, AUTH over STARTTLS with the password from the secret store, retries.
@Suite struct MailNotificationTests {
    static func attempts(_ harness: SchedulerHarness, job: String, run: String) -> [[String: Any]] {
        let text = harness.root.read("history/\(job)/\(run).notify.jsonl") ?? ""
        return text.split(separator: "\n").compactMap { try? JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any] }
    }

    @Test func aFailedAgentRunMailsItsReportOverSTARTTLSWithAUTH() async throws {
        let smtp = try await RecordingSMTPServer(security: .startTLS, login: ("jobs", "m4il-s3cret"))
        let config = """
            agents:
              reader: {run: [sh, -c, 'printf "# Weekly\\n\\n**NL** down 3%%\\n\\n<script>alert(1)</script>\\n"']}
            notifiers:
              data-team:
                smtp: {host: 127.0.0.1, port: \(smtp.port), security: starttls, caFile: ca.pem, from: "jobctl <jobs@example.com>",
                       to: [data@example.com], username: jobs, password: "${secrets.SMTP_PASSWORD}"}
            """
        let job = """
            name: Weekly report
            notify:
              - {on: [failed], notifier: data-team}
            steps:
              - {name: ask, agent: reader, prompt: "summarise"}
              - {name: publish, run: [sh, -c, "exit 4"]}
            """
        let harness = try await SchedulerHarness(jobs: ["jobs/weekly.yaml": job], config: config, start: "2026-06-01T00:00:00Z",
                                                 secrets: SecretStore(environment: ["JOBCTL_SECRET_SMTP_PASSWORD": "m4il-s3cret"], file: nil),
                                                 notifications: .init(retryDelays: []))
        try FileManager.default.copyItem(atPath: smtp.caFile, toPath: harness.root.path + "/ca.pem")
        let run = try #require(try await harness.scheduler.trigger("weekly", trigger: .manual).first)
        #expect(try await eventually { smtp.messages.count == 1 && Self.attempts(harness, job: "weekly", run: run).count == 1 })
        let mail = try #require(smtp.messages.first)
        #expect(mail.tls && mail.login == "jobs")
        #expect(mail.to == ["data@example.com"])
        #expect(mail.subject == "[jobctl] Weekly report failed")
        #expect(mail.headers["X-Jobctl-Run"] == run)
        #expect(mail.parts.map(\.type) == ["text/plain", "text/html"])
        let text = mail.parts[0].content
        #expect(text.contains("Weekly report (weekly) failed"))
        #expect(text.contains("**NL** down 3%"), "the report, as Markdown, in the text part")
        let html = mail.parts[1].content
        #expect(html.contains("<strong>NL</strong> down 3%"), "the report, rendered, in the HTML part")
        #expect(!html.contains("<script>"), "raw HTML in a report is shown as text")
        let attempt = try #require(Self.attempts(harness, job: "weekly", run: run).first)
        #expect(attempt["format"] as? String == "email")
        #expect(attempt["outcome"] as? String == "delivered")
        #expect(attempt["status"] as? Int == 250)
        let written = (harness.root.read("history/weekly.jsonl") ?? "") + (harness.root.read("history/weekly/\(run).notify.jsonl") ?? "")
        #expect(!written.contains("m4il-s3cret"))
        await harness.stop()
    }

    @Test func aTemporaryRefusalIsRetriedAndEachAttemptRecorded() async throws {
        let smtp = try await RecordingSMTPServer(replies: [451])
        let config = "notifiers:\n  ops:\n    smtp: {host: 127.0.0.1, port: \(smtp.port), security: none, from: jobs@example.com, to: [ops@example.com]}\n"
        let job = "notify:\n  - {on: [completed], notifier: ops}\nsteps:\n  - run: [\"true\"]\n"
        let harness = try await SchedulerHarness(jobs: ["jobs/ok.yaml": job], config: config, start: "2026-06-01T00:00:00Z",
                                                 notifications: .init(retryDelays: [.milliseconds(10)]))
        let run = try #require(try await harness.scheduler.trigger("ok", trigger: .manual).first)
        #expect(try await eventually { Self.attempts(harness, job: "ok", run: run).count == 2 })
        let attempts = Self.attempts(harness, job: "ok", run: run)
        #expect(attempts.map { $0["outcome"] as? String } == ["retrying", "delivered"])
        #expect(attempts.first?["status"] as? Int == 451)
        #expect(smtp.messages.count == 1)
        await harness.stop()
    }

    @Test func aMissingPasswordSecretGivesUpAtOnceAndSaysWhich() async throws {
        let config = "notifiers:\n  ops:\n    smtp: {host: 127.0.0.1, port: 1, security: none, from: jobs@example.com, to: [ops@example.com], username: u, password: \"${secrets.NOPE}\"}\n"
        let job = "notify:\n  - {on: [completed], notifier: ops}\nsteps:\n  - run: [\"true\"]\n"
        let harness = try await SchedulerHarness(jobs: ["jobs/ok.yaml": job], config: config, start: "2026-06-01T00:00:00Z",
                                                 notifications: .init(retryDelays: [.milliseconds(10)]))
        let run = try #require(try await harness.scheduler.trigger("ok", trigger: .manual).first)
        #expect(try await eventually { Self.attempts(harness, job: "ok", run: run).count == 1 })
        let attempt = try #require(Self.attempts(harness, job: "ok", run: run).first)
        #expect(attempt["outcome"] as? String == "gave_up")
        #expect((attempt["error"] as? String)?.contains("NOPE") == true, "\(attempt)")
        await harness.stop()
    }
}
