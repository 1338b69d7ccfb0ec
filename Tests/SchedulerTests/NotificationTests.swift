import Definitions
import Execution
import Foundation
import History
import Scheduler
import Testing
import TestSupport

@Suite("Notifications: webhooks in four shapes, delivered in the background, each attempt recorded")
struct NotificationTests {
    static func json(_ text: String) -> [String: Any]? {
        try? JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any]
    }

    /// The lines of `history/<job>/<run>.notify.jsonl`.
    static func attempts(_ harness: SchedulerHarness, job: String, run: String) -> [[String: Any]] {
        let text = harness.root.read("history/\(job)/\(run).notify.jsonl") ?? ""
        return text.split(separator: "\n").compactMap { json(String($0)) }
    }

    /// Published shapes, reduced to their skeleton (copied from the vendors' docs; CI has no network):
    /// Slack, "Sending messages using incoming webhooks" (docs.slack.dev): `{"text": …, "blocks":
    /// [{"type": "section", "text": {"type": "mrkdwn", "text": …}}]}`.
    static let slackFixture = #"{"text": "Danny Torrence left a 1 star review", "blocks": [{"type": "section", "text": {"type": "mrkdwn", "text": "Danny Torrence left the following review"}}]}"#
    /// Microsoft Learn, "Create an Incoming Webhook" / "Send Adaptive Cards using an Incoming
    /// Webhook": a message whose attachment is an Adaptive Card.
    static let teamsFixture = #"{"type": "message", "attachments": [{"contentType": "application/vnd.microsoft.card.adaptive", "contentUrl": null, "content": {"$schema": "http://adaptivecards.io/schemas/adaptive-card.json", "type": "AdaptiveCard", "version": "1.4", "body": [{"type": "TextBlock", "text": "For Samples and Templates, see https://adaptivecards.io/samples"}]}}]}"#

    /// Every key of `fixture` is in `value` with a value of the same JSON type, recursively (arrays:
    /// each element of `value` against the fixture's first element's keys that it shares a `type` with).
    static func matchesShape(_ value: Any, _ fixture: Any) -> Bool {
        switch (value, fixture) {
        case let (object as [String: Any], shape as [String: Any]):
            return shape.allSatisfy { key, expected in object[key].map { matchesShape($0, expected) } ?? false }
        case let (array as [Any], shape as [Any]):
            guard let first = shape.first else { return true }
            return !array.isEmpty && matchesShape(array[0], first)
        case (is String, is String), (is NSNull, is NSNull), (is [String: Any], _), (is NSNumber, is NSNumber): return true
        default: return false
        }
    }

    @Test func aFailedRunSendsJSONSlackTeamsAndPingAndRecordsEachAttempt() async throws {
        let hooks = try await RecordingHTTPServer()
        let job = """
            notify:
              - {on: [failed], webhook: "${secrets.HOOKS}/json"}
              - {on: [failed], webhook: "${secrets.HOOKS}/slack", format: slack}
              - {on: [failed], webhook: "${secrets.HOOKS}/teams", format: teams}
              - {on: [failed], webhook: "${secrets.HOOKS}/ping/{{job.id}}", format: ping}
              - {on: [completed], webhook: "${secrets.HOOKS}/never"}
            steps:
              - run: [sh, -c, 'echo "<b>&" >&2; exit 3']
            """
        let harness = try await SchedulerHarness(jobs: ["jobs/nightly.yaml": job], start: "2026-06-01T00:00:00Z",
                                                 secrets: SecretStore(environment: ["JOBCTL_SECRET_HOOKS": hooks.url("/hooks")], file: nil),
                                                 notifications: .init(retryDelays: []))
        let runs = try await harness.scheduler.trigger("nightly", trigger: .manual)
        let run = try #require(runs.first)
        try await eventually { hooks.requests.count == 4 && Self.attempts(harness, job: "nightly", run: run).count == 4 }
        let requests = Dictionary(uniqueKeysWithValues: hooks.requests.map { ($0.path.split(separator: "/")[1], $0) })
        #expect(Set(requests.keys) == ["json", "slack", "teams", "ping"])

        let jsonBody = requests["json"]?.body ?? ""
        let json = try #require(Self.json(jsonBody))
        #expect(json["event"] as? String == "failed" && json["job"] as? String == "nightly")
        #expect((json["record"] as? [String: Any])?["run"] as? String == run)
        #expect((json["record"] as? [String: Any])?["exitCode"] as? Int == 3)
        #expect(requests["json"]?.headers["Content-Type"] == "application/json")

        let slack = try #require(Self.json(requests["slack"]?.body ?? ""))
        let slackShape = try #require(Self.json(Self.slackFixture))
        #expect(Self.matchesShape(slack, slackShape), "\(slack)")
        #expect((slack["text"] as? String)?.contains("failed") == true)
        let teams = try #require(Self.json(requests["teams"]?.body ?? ""))
        let teamsShape = try #require(Self.json(Self.teamsFixture))
        #expect(Self.matchesShape(teams, teamsShape), "\(teams)")

        #expect(requests["ping"]?.method == "GET" && requests["ping"]?.path == "/hooks/ping/nightly")
        let lines = Self.attempts(harness, job: "nightly", run: run)
        #expect(lines.allSatisfy { $0["outcome"] as? String == "delivered" && $0["status"] as? Int == 200 && $0["on"] as? String == "failed" })
        #expect(Set(lines.compactMap { $0["target"] as? String }) == ["notify[0]", "notify[1]", "notify[2]", "notify[3]"])
        let written = harness.root.read("history/nightly/\(run).notify.jsonl") ?? ""
        #expect(!written.contains(hooks.url()), "no URL in what is recorded")
        await harness.stop()
    }

    @Test func aDeadEndpointIsRetriedThenGivenUpAndASlowOneDelaysNoRun() async throws {
        let hooks = try await RecordingHTTPServer(delays: ["/slow": 20])
        let job = """
            concurrency: allow
            notify:
              - {on: [completed], webhook: "http://127.0.0.1:9/dead"}
              - {on: [completed], webhook: "\(hooks.url("/slow"))"}
            steps:
              - run: ["true"]
            """
        let harness = try await SchedulerHarness(jobs: ["jobs/j.yaml": job], start: "2026-06-01T00:00:00Z",
                                                 notifications: .init(retryDelays: [.milliseconds(20), .milliseconds(20)], timeout: 60))
        let started = try await harness.scheduler.trigger("j", trigger: .manual)
        let first = try #require(started.first)
        // The slow endpoint holds the first run's notification; the next run starts and ends regardless.
        try await eventually { hooks.requests.count == 1 }
        _ = try await harness.scheduler.trigger("j", trigger: .manual)
        _ = try await harness.waitForRecords("j", count: 2)
        #expect(!Self.attempts(harness, job: "j", run: first).contains { $0["target"] as? String == "notify[1]" }, "still waiting on the slow endpoint")
        try await eventually { Self.attempts(harness, job: "j", run: first).filter { $0["target"] as? String == "notify[0]" }.count == 3 }
        let dead = Self.attempts(harness, job: "j", run: first).filter { $0["target"] as? String == "notify[0]" }
        #expect(dead.map { $0["outcome"] as? String } == ["retrying", "retrying", "gave_up"])
        #expect(dead.map { $0["attempt"] as? Int } == [1, 2, 3])
        #expect(dead.allSatisfy { ($0["error"] as? String)?.contains("127.0.0.1") == false }, "\(dead)")
        await harness.stop()
    }

    @Test func perFanOutSendsOneMessageWhenTheLastCellEndsJudgedByTheCellThatFailed() async throws {
        let hooks = try await RecordingHTTPServer()
        let job = """
            params: {market: {default: NL}}
            matrix: {market: [NL, BE, DE]}
            concurrency: allow
            notify:
              - {on: [completed, failed], webhook: "${secrets.HOOKS}/fanout", per: fanout}
              - {on: [completed, failed], webhook: "${secrets.HOOKS}/each"}
            steps:
              - run: [sh, -c, 'test "$1" != BE', x, "{{params.market}}"]
            """
        let harness = try await SchedulerHarness(jobs: ["jobs/fan.yaml": job], start: "2026-06-01T00:00:00Z",
                                                 secrets: SecretStore(environment: ["JOBCTL_SECRET_HOOKS": hooks.url("/hooks")], file: nil),
                                                 notifications: .init(retryDelays: []))
        _ = try await harness.scheduler.trigger("fan", trigger: .manual)
        try await eventually { hooks.requests.count == 4 }
        let fanOut = hooks.requests.filter { $0.path == "/hooks/fanout" }
        #expect(fanOut.count == 1)
        #expect(hooks.requests.filter { $0.path == "/hooks/each" }.count == 3)
        let body = try #require(Self.json(fanOut.first?.body ?? ""))
        #expect(body["event"] as? String == "failed")
        #expect((body["summary"] as? String)?.contains("(fan-out of 3: 2 completed, 1 failed) [market=BE]") == true, "\(body["summary"] ?? "")")
        #expect((body["fanout"] as? [Any])?.count == 3)
        let be = try #require(harness.records("fan").first { $0.params["market"] == .string("BE") })
        // The attempt is recorded once the answer is in: wait for its line.
        #expect(try await eventually { Self.attempts(harness, job: "fan", run: be.run).contains { $0["target"] as? String == "notify[0]" } })
        await harness.stop()
    }

    @Test func changedOnReportTellsOnlyWhenTheReportDiffers() async throws {
        let hooks = try await RecordingHTTPServer()
        let job = """
            concurrency: allow
            notify:
              - {on: [changed], changedOn: report, webhook: "${secrets.HOOKS}/changed"}
            steps:
              - {name: ask, agent: reader, prompt: "summarise"}
            """
        let harness = try await SchedulerHarness(jobs: ["jobs/digest.yaml": job], config: "agents:\n  reader: {run: [sh, -c, 'cat answer.md']}\n",
                                                 start: "2026-06-01T00:00:00Z",
                                                 secrets: SecretStore(environment: ["JOBCTL_SECRET_HOOKS": hooks.url("/hooks")], file: nil),
                                                 notifications: .init(retryDelays: []))
        let notifications = try #require(harness.scheduler.notifications)
        for (index, answer) in ["# A\n", "# A\n", "# B\n"].enumerated() {
            try harness.root.write("answer.md", answer)
            _ = try await harness.scheduler.trigger("digest", trigger: .manual)
            _ = try await harness.waitForRecords("digest", count: index + 1)
            await harness.scheduler.waitUntilIdle()
            await notifications.waitUntilIdle()
            #expect(hooks.requests.count == (index == 2 ? 1 : 0), "run \(index + 1): only a different report tells")
        }
        #expect(Self.json(hooks.requests.first?.body ?? "")?["event"] as? String == "changed")
        await harness.stop()
    }

    @Test func recoveredAndChangedCompareWithThePreviousRunOfTheSameCell() throws {
        let set = DefinitionLoader.load(config: nil, jobFiles: [SourceFile(path: "jobs/j.yaml", bytes: Array("""
            notify:
              - {on: [recovered], webhook: "https://hooks.example/r"}
              - {on: [changed], webhook: "https://hooks.example/c"}
            steps:
              - run: ["true"]
            """.utf8))])
        let job = try #require(set.jobs["j"])
        func record(_ status: RunStatus) -> RunRecord { RunRecord(run: "r", job: "j", trigger: .manual, status: status, finishedAt: Date()) }
        func events(_ status: RunStatus, after previous: RunStatus?) -> [String] {
            NotificationPlan.deliveries(for: record(status), job: job, config: set.config, previous: previous).map(\.event)
        }
        #expect(events(.completed, after: .failed) == ["recovered", "changed"])
        #expect(events(.completed, after: .completed) == [])
        #expect(events(.failed, after: .completed) == ["changed"])
        #expect(events(.completed, after: nil) == [])
        #expect(events(.skipped, after: .failed) == [], "a decision not to run is no recovery")
    }
}
