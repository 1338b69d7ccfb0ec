import Foundation
import Testing
import TestSupport

/// The six seed scenarios of `examples/`, each copied as it is into a fresh git repository (as a
/// user copies one), applied, and run end to end with real processes; local servers stand in for
/// the internet hosts they name, reached through the secrets the examples read their URLs from.
@Suite("The examples/ scenarios, end to end")
struct ExampleScenarioTests {
    static let examples = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("examples").path

    /// A git repository holding a copy of `examples/<name>` (and the `.gitignore` `jobctl init` writes), applied.
    static func clone(_ name: String) async throws -> TemporaryGitRepository {
        var files: [String: String] = [".gitignore": "/.jobctl/\n/history/\n"]
        let base = examples + "/" + name
        let enumerator = try #require(FileManager.default.enumerator(atPath: base))
        for case let path as String in enumerator {
            var isFolder: ObjCBool = false
            FileManager.default.fileExists(atPath: base + "/" + path, isDirectory: &isFolder)
            if !isFolder.boolValue { files[path] = try String(contentsOfFile: base + "/" + path, encoding: .utf8) }
        }
        let repo = try TemporaryGitRepository(files: files)
        let validate = try await JobctlProcess.run(["validate", "--root", repo.path])
        #expect(validate.status == 0 && !validate.stdout.contains("warning"), "\(validate.stdout)\(validate.stderr)")
        let apply = try await JobctlProcess.run(["apply", "--root", repo.path])
        #expect(apply.status == 0, "\(apply.stderr)")
        return repo
    }

    static func records(_ repo: TemporaryGitRepository, _ job: String) -> [[String: Any]] {
        let text = (try? String(contentsOfFile: repo.path + "/history/\(job).jsonl", encoding: .utf8)) ?? ""
        return text.split(separator: "\n").compactMap { try? JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any] }
    }

    static func json(_ text: String) -> [String: Any]? {
        try? JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any]
    }

    /// A daemon on the repository with its API on a free loopback port, and a run-scope token.
    static func serve(_ repo: TemporaryGitRepository, secrets: [String: String]) async throws -> (daemon: DaemonProcess, server: String, token: String) {
        let created = try await JobctlProcess.run(["token", "create", "--root", repo.path, "--scope", "run", "--name", "example"])
        let token = try #require(created.stdout.split(separator: "\n").last.map(String.init))
        let daemon = try DaemonProcess(["serve", "--root", repo.path, "--listen", "127.0.0.1:0", "--grace", "1s"], environment: secrets)
        return (daemon, try await daemon.apiURL(), token)
    }

    @Test func weeklyAgentReportFansOutOverThreeMarketsAndAsksTheAgentForEach() async throws {
        let llm = try await RecordingHTTPServer(responses: ["/v1/report": [(200, "# Paid search\n\n| campaign | ROAS |\n|---|---|\n| brand | 4.2 |\n")]])
        let repo = try await Self.clone("weekly-agent-report")
        let secrets = ["JOBCTL_SECRET_ANALYST_URL": llm.url("/v1/report"), "JOBCTL_SECRET_ANALYST_KEY": "sk-test-123"]
        let fire = try await JobctlProcess.run(["fire-times", "reports/paid-search", "--root", repo.path, "--count", "1", "--format", "text"])
        #expect(fire.stdout.contains("Mon") && fire.stdout.contains("08:00"), "\(fire.stdout)")
        let run = try await JobctlProcess.run(["run", "reports/paid-search", "--root", repo.path, "--wait"], environment: secrets)
        #expect(run.status == 0, "\(run.stdout)\(run.stderr)")
        let records = Self.records(repo, "reports/paid-search")
        #expect(records.count == 3)
        #expect(records.allSatisfy { $0["status"] as? String == "completed" })
        #expect(Set(records.compactMap { ($0["fanout"] as? [String: Any])?["key"] as? String }) == ["market=NL", "market=BE", "market=DE"])
        let prompts = llm.requests.map(\.body)
        #expect(prompts.count == 3)
        for market in ["NL", "BE", "DE"] {
            #expect(prompts.contains { $0.contains("Analyse paid search performance in \(market) for the past 7 days.") }, "\(prompts)")
        }
        #expect(llm.requests.allSatisfy { $0.headers["Authorization"] == "Bearer sk-test-123" })
        let history = try String(contentsOfFile: repo.path + "/history/reports/paid-search.jsonl", encoding: .utf8)
        #expect(!history.contains("sk-test-123"))
        // Each market's report is kept with its run; a re-run repeats one market.
        let de = try #require(records.first { ($0["params"] as? [String: Any])?["market"] as? String == "DE" })
        let deRun = try #require(de["run"] as? String)
        #expect(de["report"] as? String == "history/reports/paid-search/\(deRun).report.md")
        let report = try await JobctlProcess.run(["logs", deRun, "--root", repo.path, "--report"])
        #expect(report.status == 0 && report.stdout.hasPrefix("# Paid search"), "\(report.stdout)\(report.stderr)")
        let rerun = try await JobctlProcess.run(["rerun", deRun, "--root", repo.path, "--wait"], environment: secrets)
        #expect(rerun.status == 0, "\(rerun.stderr)")
        let again = try #require(Self.records(repo, "reports/paid-search").last)
        #expect(again["trigger"] as? String == "rerun" && again["rerunOf"] as? String == deRun)
        #expect((again["requestedBy"] as? String)?.hasPrefix("user ") == true, "the CLI records the local user")
        #expect((again["params"] as? [String: Any])?["market"] as? String == "DE")
        #expect(llm.requests.last?.body.contains("performance in DE") == true)
    }

    @Test func marketplaceEventsRunForLargeActiveEntitlementsAndRecordTheRestFiltered() async throws {
        let sales = try await RecordingHTTPServer()
        let repo = try await Self.clone("marketplace-events")
        let (daemon, server, token) = try await Self.serve(repo, secrets: ["JOBCTL_SECRET_SALES_WEBHOOK": sales.url("/sales")])
        let environment = ["JOBCTL_TOKEN": token, "JOBCTL_SERVER": server]
        let small = try await JobctlProcess.run(["trigger", "marketplace.entitlement", "--data",
            #"{"id": "e-1", "amount": 500, "status": "ACTIVE", "source": "aws-marketplace", "customer": "Acme"}"#], environment: environment)
        #expect(small.status == 0 && small.stdout.contains("filtered marketplace/large-entitlement"), "\(small.stdout)\(small.stderr)")
        let large = try await JobctlProcess.run(["trigger", "marketplace.entitlement", "--data",
            #"{"id": "e-2", "amount": 25000, "status": "Active", "source": "azure-marketplace", "customer": "A \"quoted\" co"}"#], environment: environment)
        #expect(large.status == 0 && large.stdout.contains("started marketplace/large-entitlement"), "\(large.stdout)\(large.stderr)")
        try await eventually { Self.records(repo, "marketplace/large-entitlement").count == 2 && sales.requests.count == 1 }
        let records = Self.records(repo, "marketplace/large-entitlement")
        #expect(records.map { $0["status"] as? String } == ["filtered", "completed"])
        // Both payloads are kept; the alert's body is valid JSON whatever the customer is called.
        for record in records {
            let event = try #require(record["event"] as? String)
            #expect(FileManager.default.fileExists(atPath: repo.path + "/" + event))
        }
        #expect(Self.json(sales.requests[0].body)?["text"] as? String == #"Large entitlement e-2 from A "quoted" co"#)
        daemon.signal(SIGTERM)
        #expect(try await daemon.waitForExit(within: 90) == 0)
    }

    @Test func dependencyChainRunsTheReportsAfterEachSuccessfulLoad() async throws {
        let repo = try await Self.clone("dependency-chain")
        let (daemon, server, token) = try await Self.serve(repo, secrets: [:])
        let run = try await JobctlProcess.run(["run", "warehouse/load", "--root", repo.path, "--server", server], environment: ["JOBCTL_TOKEN": token])
        #expect(run.status == 0, "\(run.stdout)\(run.stderr)")
        try await eventually { Self.records(repo, "reports/daily-churn").count == 1 }
        #expect(Self.records(repo, "warehouse/load").map { $0["status"] as? String } == ["completed"])
        for job in ["reports/daily-revenue", "reports/daily-churn"] {
            let record = try #require(Self.records(repo, job).first)
            #expect(record["status"] as? String == "completed" && record["trigger"] as? String == "dependency", "\(record)")
        }
        let revenue = try #require(Self.records(repo, "reports/daily-revenue").first?["finishedAt"] as? String)
        let churn = try #require(Self.records(repo, "reports/daily-churn").first?["startedAt"] as? String)
        #expect(revenue <= churn, "churn runs after revenue")
        daemon.signal(SIGTERM)
        #expect(try await daemon.waitForExit(within: 90) == 0)
    }

    @Test func oneOffReminderFiresOnceInLondonTimeAndPostsTheReminder() async throws {
        let ops = try await RecordingHTTPServer()
        let repo = try await Self.clone("one-off-reminder")
        let fires = try await JobctlProcess.run(["fire-times", "renew-certificate", "--root", repo.path, "--count", "5", "--format", "json"])
        let items = try #require(try JSONSerialization.jsonObject(with: Data(fires.stdout.utf8)) as? [[String: Any]])
        #expect(items.count == 1, "\(fires.stdout)")
        #expect(items.first?["utc"] as? String == "2027-03-01T09:30:00Z")
        let run = try await JobctlProcess.run(["run", "renew-certificate", "--root", repo.path, "--wait"], environment: ["JOBCTL_SECRET_OPS_WEBHOOK": ops.url("/hooks/ops")])
        #expect(run.status == 0, "\(run.stderr)")
        #expect(ops.requests.map(\.path) == ["/hooks/ops"])
        #expect(Self.json(ops.requests[0].body)?["text"] as? String == "The wildcard certificate expires on 2027-03-15: renew it.")
    }

    @Test func ongoingUntilStopsOnceTheMigrationFinished() async throws {
        let status = try await RecordingHTTPServer(responses: ["/migration": [(503, "running"), (200, "done")]])
        let repo = try await Self.clone("ongoing-until")
        let secrets = ["JOBCTL_SECRET_MIGRATION_STATUS_URL": status.url("/migration")]
        let first = try await JobctlProcess.run(["run", "wait-for-migration", "--root", repo.path, "--wait"], environment: secrets)
        #expect(first.status == 1, "still running: the run fails")
        var board = try await JobctlProcess.run(["status", "--root", repo.path, "--format", "json"])
        var job = (Self.json(board.stdout)?["jobs"] as? [[String: Any]])?.first
        #expect(job?["state"] as? String == "failed")
        let second = try await JobctlProcess.run(["run", "wait-for-migration", "--root", repo.path, "--wait"], environment: secrets)
        #expect(second.status == 0, "\(second.stderr)")
        board = try await JobctlProcess.run(["status", "--root", repo.path, "--format", "json"])
        job = (Self.json(board.stdout)?["jobs"] as? [[String: Any]])?.first
        #expect(job?["state"] as? String == "completed", "\(board.stdout)")
        #expect(job?["nextFire"] == nil, "a completed job fires no more")
        #expect(status.requests.count == 2)
    }

    @Test func datasetRefreshCallsTheAPIThenTellsTheBIToolWithAJSONBody() async throws {
        let api = try await RecordingHTTPServer()
        let repo = try await Self.clone("dataset-refresh")
        let secrets = ["JOBCTL_SECRET_DATASET_API_URL": api.url("/api"), "JOBCTL_SECRET_BI_HOOK_URL": api.url("/bi/refresh"),
                       "JOBCTL_SECRET_DATASET_API_TOKEN": "dat-secret-42"]
        let run = try await JobctlProcess.run(["run", "datasets/sales-refresh", "--root", repo.path, "--param", "dataset=sales-eu", "--wait"], environment: secrets)
        #expect(run.status == 0, "\(run.stderr)")
        let requests = api.requests
        #expect(requests.map { "\($0.method) \($0.path)" } == ["POST /api/datasets/sales-eu/refresh", "POST /bi/refresh"])
        #expect(requests[0].headers["Authorization"] == "Bearer dat-secret-42")
        #expect(Self.json(requests[1].body)?["dataset"] as? String == "sales-eu")
        let record = try #require(Self.records(repo, "datasets/sales-refresh").last)
        #expect(record["status"] as? String == "completed")
        let log = try String(contentsOfFile: repo.path + "/" + (record["log"] as? String ?? ""), encoding: .utf8)
        #expect(!log.contains("dat-secret-42"))
    }

    @Test func datasetRefreshMailsAndTellsTeamsWhenTheAPIFails() async throws {
        let api = try await RecordingHTTPServer(responses: ["/api": [(500, "warehouse locked")]])
        // The example's relay: localhost:2525, plain (a Postfix on the machine, here aiosmtpd).
        let relay = try await RecordingSMTPServer(port: 2525)
        let repo = try await Self.clone("dataset-refresh")
        let secrets = ["JOBCTL_SECRET_DATASET_API_URL": api.url("/api"), "JOBCTL_SECRET_BI_HOOK_URL": api.url("/bi/refresh"),
                       "JOBCTL_SECRET_DATASET_API_TOKEN": "dat-secret-42", "JOBCTL_SECRET_DATA_TEAM_WEBHOOK": api.url("/teams")]
        let run = try await JobctlProcess.run(["run", "datasets/sales-refresh", "--root", repo.path, "--wait"], environment: secrets)
        #expect(run.status == 1, "the refresh failed: \(run.stderr)")
        let mail = try #require(relay.messages.first, "mail is sent before `jobctl run` returns")
        #expect(mail.to == ["data-team@example.com"])
        #expect(mail.subject == "[jobctl] Sales dataset refresh failed")
        #expect(mail.parts.map(\.type) == ["text/plain", "text/html"])
        #expect(mail.parts[0].content.contains("answered 500"), "\(mail.parts[0].content)")
        #expect(!mail.raw.contains("dat-secret-42"))
        let teams = try #require(api.requests.first { $0.path == "/teams" })
        #expect(Self.json(teams.body)?["type"] as? String == "message")
        #expect(!api.requests.contains { $0.path == "/bi/refresh" }, "the BI hook waits for a refresh that completed")
    }

    @Test func weeklyReportWhoseAgentFailsForOneMarketTellsSlackAndIsRerun() async throws {
        // The agent is overloaded for the first request only: one market's run fails.
        let llm = try await RecordingHTTPServer(responses: ["/v1/report": [(503, "overloaded"), (200, "# Paid search\n\nAll good.\n")]])
        let slack = try await RecordingHTTPServer()
        let repo = try await Self.clone("weekly-agent-report")
        let secrets = ["JOBCTL_SECRET_ANALYST_URL": llm.url("/v1/report"), "JOBCTL_SECRET_ANALYST_KEY": "sk-test-123",
                       "JOBCTL_SECRET_TEAM_WEBHOOK": slack.url("/services/T000/B000/XXXX")]
        let run = try await JobctlProcess.run(["run", "reports/paid-search", "--root", repo.path, "--wait"], environment: secrets)
        #expect(run.status == 1, "one market failed: \(run.stdout)\(run.stderr)")
        let records = Self.records(repo, "reports/paid-search")
        let failed = try #require(records.first { $0["status"] as? String == "failed" })
        let failedRun = try #require(failed["run"] as? String)
        let market = try #require((failed["params"] as? [String: Any])?["market"] as? String)
        #expect(records.filter { $0["status"] as? String == "completed" }.count == 2)
        // One Slack message, for the failed market, in Slack's shape (text fallback + blocks).
        let message = try #require(slack.requests.first)
        #expect(slack.requests.count == 1 && message.path == "/services/T000/B000/XXXX")
        let body = try #require(Self.json(message.body))
        #expect((body["text"] as? String)?.contains("failed [market=\(market)]") == true, "\(body)")
        #expect((body["blocks"] as? [[String: Any]])?.first?["type"] as? String == "section")
        #expect(!message.body.contains("sk-test-123"))
        let attempts = try String(contentsOfFile: repo.path + "/history/reports/paid-search/\(failedRun).notify.jsonl", encoding: .utf8)
        #expect(Self.json(attempts)?["outcome"] as? String == "delivered" && !attempts.contains(slack.url()), "\(attempts)")
        // The failed market, re-run once the agent is back: that market only, and its report kept.
        let rerun = try await JobctlProcess.run(["rerun", failedRun, "--root", repo.path, "--wait"], environment: secrets)
        #expect(rerun.status == 0, "\(rerun.stderr)")
        let again = try #require(Self.records(repo, "reports/paid-search").last)
        #expect(again["rerunOf"] as? String == failedRun && again["status"] as? String == "completed")
        #expect((again["params"] as? [String: Any])?["market"] as? String == market)
        let report = try await JobctlProcess.run(["logs", try #require(again["run"] as? String), "--root", repo.path, "--report"])
        #expect(report.stdout.hasPrefix("# Paid search"), "\(report.stdout)\(report.stderr)")
    }

    @Test func weeklyReportPausedOverAnIncidentShowsTheDriftAndStillRunsByHand() async throws {
        let llm = try await RecordingHTTPServer(responses: ["/v1/report": [(200, "# Paid search\n")]])
        let repo = try await Self.clone("weekly-agent-report")
        let secrets = ["JOBCTL_SECRET_ANALYST_URL": llm.url("/v1/report"), "JOBCTL_SECRET_ANALYST_KEY": "sk-test-123"]
        let pause = try await JobctlProcess.run(["pause", "reports/paid-search", "--until", "3d", "--reason", "warehouse incident", "--root", repo.path])
        #expect(pause.status == 0, "\(pause.stderr)")
        var board = try await JobctlProcess.run(["status", "--root", repo.path, "--format", "json"])
        var job = (Self.json(board.stdout)?["jobs"] as? [[String: Any]])?.first
        #expect(job?["state"] as? String == "paused", "\(board.stdout)")
        #expect((job?["pause"] as? [String: Any])?["reason"] as? String == "warehouse incident", "\(board.stdout)")
        #expect(job?["nextFire"] == nil, "no scheduled fire while paused")
        // Applying again does not lift it (a pause is runtime state, not git's).
        #expect(try await JobctlProcess.run(["apply", "--root", repo.path]).status == 0)
        // A run by hand (checking the fix) still runs.
        let byHand = try await JobctlProcess.run(["run", "reports/paid-search", "--root", repo.path, "--wait"], environment: secrets)
        #expect(byHand.status == 0, "\(byHand.stderr)")
        let resume = try await JobctlProcess.run(["resume", "reports/paid-search", "--root", repo.path])
        #expect(resume.stdout.hasPrefix("reports/paid-search: resumed (was paused since"), "\(resume.stdout)")
        board = try await JobctlProcess.run(["status", "--root", repo.path, "--format", "json"])
        job = (Self.json(board.stdout)?["jobs"] as? [[String: Any]])?.first
        #expect(job?["state"] as? String != "paused" && job?["nextFire"] != nil, "\(board.stdout)")
    }
}
