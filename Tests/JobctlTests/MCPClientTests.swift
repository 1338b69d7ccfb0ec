import Foundation
import Outbound
import Testing
import TestSupport

private let mcpClientInstalled: Bool = {
    let process = Process()
    process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
    process.arguments = ["python3", "-c", "import mcp"]
    process.standardError = FileHandle.nullDevice
    guard (try? ChildSpawn.start(process)) != nil else { return false }
    process.waitUntilExit()
    return process.terminationStatus == 0
}()

/// `jobctl mcp` (stdio) and serve's `POST /mcp` driven by a real MCP client: PyPI's `mcp`
/// package, through `MCPClient/mcp_client.py`. Every tool is listed with its schema; drafts are
/// validated and never applied; daemon actions go through the API within the token's scope.
@Suite(.enabled(if: mcpClientInstalled, "needs python3 with the mcp package (JOBCTL_TEST_DEPS=1 .ci/install-deps)"))
struct MCPClientTests {

    static let script = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("MCPClient/mcp_client.py").path

    static let tools = ["job_create", "job_update", "job_get", "job_search", "job_search_semantic", "job_run", "job_pause",
                        "job_resume", "job_cancel", "job_history", "fire_times"]

    static let invoices = "description: Remind me about pending invoices\nschedule:\n  cron: \"0 9 * * 1\"\n  timezone: Europe/Brussels\nsteps:\n  - run: [echo, invoices]\n"

    static func repository() async throws -> TemporaryGitRepository {
        let repo = try TemporaryGitRepository(files: [
            ".gitignore": "/.jobctl/\n/history/\n",
            "jobs/reports/daily.yaml": "description: The daily sales report\nschedule:\n  cron: \"30 7 * * *\"\nsteps:\n  - run: [echo, report]\n",
        ])
        _ = try await JobctlProcess.run(["apply", "--root", repo.path])
        return repo
    }

    /// Runs the client; returns its JSON answer (results per step).
    static func client(_ mode: [String], steps: [[String: Any]]) async throws -> [String: Any] {
        let stepsJSON = String(decoding: try JSONSerialization.data(withJSONObject: steps), as: UTF8.self)
        let arguments: [String]
        if mode[0] == "stdio" {
            arguments = [script, "stdio", stepsJSON, "--", JobctlProcess.executable.path] + mode.dropFirst()
        } else {
            arguments = [script, "http", stepsJSON] + mode.dropFirst()
        }
        let result = try await JobctlProcess.run(program: "/usr/bin/env", ["python3"] + arguments)
        try #require(result.status == 0, "the MCP client failed: \(result.stderr.suffix(3000))")
        return try #require(try JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as? [String: Any], "\(result.stdout)")
    }

    static func results(_ answer: [String: Any]) -> [[String: Any]] { answer["results"] as? [[String: Any]] ?? [] }

    static func applied(_ repo: TemporaryGitRepository) throws -> String { try repo.git("rev-parse", "refs/jobctl/applied") }

    @Test func overStdioEveryToolIsListedAndDraftsAreValidatedNeverApplied() async throws {
        let repo = try await Self.repository()
        let before = try Self.applied(repo)
        let answer = try await Self.client(["stdio", "mcp", "--root", repo.path], steps: [
            ["tools": true],
            ["call": "job_create", "arguments": ["id": "reminders/invoices", "yaml": Self.invoices]],
            ["call": "job_create", "arguments": ["id": "reminders/bad", "yaml": "schedule:\n  cron: \"0 25 * * *\"\nsteps: []\n"]],
            ["call": "job_get", "arguments": ["id": "reminders/invoices"]],
            ["call": "job_update", "arguments": ["id": "reminders/invoices", "set": ["description": "Pending invoices, every Monday"]]],
            ["call": "job_search", "arguments": ["query": "daily sales"]],
            ["call": "job_pause", "arguments": ["id": "reports/daily"]],
            ["resources": true],
            ["read": "jobctl://jobs/reports/daily"],
            ["call": "job_search_semantic", "arguments": ["query": "sales numbers"]],
            ["call": "job_run", "arguments": ["id": "reports/daily"]],
        ])
        let results = Self.results(answer)
        let tools = try #require(results.first?["tools"] as? [[String: Any]])
        #expect(tools.compactMap { $0["name"] as? String } == Self.tools)
        for tool in tools {
            let schema = try #require(tool["inputSchema"] as? [String: Any])
            #expect(schema["type"] as? String == "object" && schema["properties"] is [String: Any], "\(tool)")
        }
        #expect(results[1]["isError"] as? Bool == false, "\(results[1])")
        #expect((results[1]["text"] as? String)?.contains("Next fire times (Europe/Brussels)") == true, "\(results[1])")
        #expect(results[2]["isError"] as? Bool == true)
        #expect((results[2]["text"] as? String)?.contains("jobs/reminders/bad.yaml:2:") == true, "\(results[2])")
        #expect(!FileManager.default.fileExists(atPath: repo.path + "/jobs/reminders/bad.yaml"))
        let got = try #require(results[3]["structured"] as? [String: Any])
        #expect(got["state"] as? String == "not applied")
        #expect((got["draft"] as? [String: Any])?["workingTree"] as? String == "new")
        #expect(results[4]["isError"] as? Bool == false, "\(results[4])")
        #expect(try String(contentsOfFile: repo.path + "/jobs/reminders/invoices.yaml", encoding: .utf8).contains("Pending invoices, every Monday"))
        let found = ((results[5]["structured"] as? [String: Any])?["results"] as? [[String: Any]])?.compactMap { $0["id"] as? String }
        #expect(found?.first == "reports/daily", "\(results[5])")
        #expect(results[6]["isError"] as? Bool == true && (results[6]["text"] as? String)?.contains("--server") == true)
        let resources = (results[7]["resources"] as? [[String: Any]])?.compactMap { $0["uri"] as? String } ?? []
        #expect(resources == ["jobctl://jobs/reports/daily", "jobctl://history/reports/daily"])
        let contents = (results[8]["contents"] as? [[String: Any]])?.first?["text"] as? String
        #expect(contents?.contains("30 7 * * *") == true)
        #expect(results[9]["isError"] as? Bool == true && (results[9]["text"] as? String)?.contains("search.embeddings") == true, "\(results[9])")
        #expect(((results[9]["structured"] as? [String: Any])?["configured"] as? Bool) == false)
        #expect(results[10]["isError"] as? Bool == true && (results[10]["text"] as? String)?.contains("--server") == true, "\(results[10])")
        #expect(try Self.applied(repo) == before, "no tool moves the applied ref")
    }

    @Test func overHTTPTokensAndScopesHoldAndDaemonActionsAreRecordedWithWhoAsked() async throws {
        let repo = try await Self.repository()
        let before = try Self.applied(repo)
        var tokens: [String: String] = [:]
        for (name, scope) in [("reader", "read"), ("runner", "run"), ("agent", "admin")] {
            let created = try await JobctlProcess.run(["token", "create", "--root", repo.path, "--scope", scope, "--name", name])
            tokens[name] = try #require(created.stdout.split(separator: "\n").last.map(String.init))
        }
        let daemon = try DaemonProcess(["serve", "--root", repo.path, "--listen", "127.0.0.1:0"])
        defer { daemon.signal(SIGTERM) }
        let server = try await daemon.apiURL()
        let url = server + "/mcp"

        // Anonymous: refused before any MCP is spoken.
        let anonymous = OutboundRequest(method: "POST", url: url, headers: [("Content-Type", "application/json"), ("Accept", "application/json, text/event-stream")],
                                        body: Array(#"{"jsonrpc":"2.0","id":1,"method":"tools/list"}"#.utf8), timeout: .seconds(60))
        #expect(try await anonymous.perform(responseCap: 1 << 16).status == 401)
        // The transport's own answers: a notification 202, a body that is not JSON 415, an unknown
        // protocol version 400, another site's Origin 403.
        func post(_ body: String, _ headers: [(String, String)]) async throws -> Int {
            try await OutboundRequest(method: "POST", url: url, headers: [("Authorization", "Bearer \(tokens["reader"]!)")] + headers,
                                      body: Array(body.utf8), timeout: .seconds(60)).perform(responseCap: 1 << 16).status
        }
        let json = [("Content-Type", "application/json"), ("Accept", "application/json, text/event-stream")]
        #expect(try await post(#"{"jsonrpc":"2.0","method":"notifications/initialized"}"#, json) == 202)
        #expect(try await post(#"{"jsonrpc":"2.0","id":1,"method":"ping"}"#, [("Content-Type", "text/plain")]) == 415)
        #expect(try await post(#"{"jsonrpc":"2.0","id":1,"method":"ping"}"#, json + [("MCP-Protocol-Version", "1999-01-01")]) == 400)
        #expect(try await post(#"{"jsonrpc":"2.0","id":1,"method":"ping"}"#, json + [("Origin", "https://evil.example")]) == 403)
        #expect(try await post(#"{"jsonrpc":"2.0","id":1,"method":"ping"}"#, json) == 200)
        // An id that is not one (an object) makes the request invalid, and is not echoed: the
        // answer's id is null (JSON-RPC 2.0; schemathesis found the object echoed).
        let badID = try await OutboundRequest(method: "POST", url: url, headers: [("Authorization", "Bearer \(tokens["reader"]!)")] + json,
                                              body: Array(#"{"jsonrpc":"2.0","id":{"a":[1]},"method":"ping"}"#.utf8), timeout: .seconds(60)).perform(responseCap: 1 << 16)
        let badBody = String(decoding: badID.body, as: UTF8.self)
        let badAnswer = try JSONSerialization.jsonObject(with: Data(badID.body)) as? [String: Any]
        #expect(badID.status == 400 && badAnswer?["id"] is NSNull && badBody.contains("-32600"), "\(badID.status) \(badBody)")

        let reader = Self.results(try await Self.client(["http", url, tokens["reader"]!], steps: [
            ["tools": true],
            ["call": "job_get", "arguments": ["id": "reports/daily"]],
            ["call": "job_create", "arguments": ["id": "reminders/invoices", "yaml": Self.invoices]],
            ["call": "job_pause", "arguments": ["id": "reports/daily"]],
        ]))
        #expect((reader[0]["tools"] as? [[String: Any]])?.count == Self.tools.count)
        #expect((reader[1]["structured"] as? [String: Any])?["state"] as? String == "in force", "\(reader[1])")
        #expect(reader[2]["isError"] as? Bool == true && (reader[2]["text"] as? String)?.contains("scope admin") == true, "\(reader[2])")
        #expect(reader[3]["isError"] as? Bool == true && (reader[3]["text"] as? String)?.contains("scope run") == true, "\(reader[3])")

        let runner = Self.results(try await Self.client(["http", url, tokens["runner"]!], steps: [
            ["call": "job_pause", "arguments": ["id": "reports/daily", "reason": "quarter close"]],
            ["call": "job_get", "arguments": ["id": "reports/daily"]],
            ["call": "job_resume", "arguments": ["id": "reports/daily"]],
            ["call": "job_run", "arguments": ["id": "reports/daily"]],
            ["call": "fire_times", "arguments": ["id": "reports/daily", "count": 3]],
        ]))
        #expect(runner[0]["isError"] as? Bool == false, "\(runner[0])")
        let pause = (runner[1]["structured"] as? [String: Any])?["pause"] as? [String: Any]
        #expect(pause?["by"] as? String == "token runner", "who asked is the token: \(runner[1])")
        #expect((runner[1]["structured"] as? [String: Any])?["state"] as? String == "paused")
        #expect(runner[2]["isError"] as? Bool == false, "\(runner[2])")
        #expect(runner[3]["isError"] as? Bool == false, "\(runner[3])")
        let fires = (runner[4]["structured"] as? [String: Any])?["fireTimes"] as? [[String: Any]] ?? []
        #expect(fires.count == 3 && fires.allSatisfy { ($0["runAt"] as? String)?.contains("T07:30:00") == true }, "\(runner[4])")
        #expect((runner[4]["text"] as? String)?.contains("T07:30:00") == true, "\(runner[4])")
        // The run the agent started is in the history, recorded with who asked.
        #expect(try await eventually {
            let history = Self.results(try await Self.client(["http", url, tokens["runner"]!], steps: [["call": "job_history", "arguments": ["id": "reports/daily"]]]))
            return (history.first?["text"] as? String)?.contains("token runner") == true
        }, "\(daemon.output)")

        let agent = Self.results(try await Self.client(["http", url, tokens["agent"]!], steps: [
            ["call": "job_create", "arguments": ["id": "reminders/invoices", "yaml": Self.invoices, "branch": "agent/invoices"]],
            ["call": "job_update", "arguments": ["id": "reminders/invoices", "set": ["description": "Invoices, Mondays"], "branch": "agent/invoices"]],
            ["call": "job_cancel", "arguments": ["run": "20261201T081500.004Z-nosuchrn"]],
            ["call": "job_search_semantic", "arguments": ["query": "sales"]],
        ]))
        #expect(agent[0]["isError"] as? Bool == false, "\(agent[0])")
        #expect(agent[1]["isError"] as? Bool == false, "\(agent[1])")
        #expect(try repo.git("show", "agent/invoices:jobs/reminders/invoices.yaml").contains("Invoices, Mondays"))
        // The API's refusal comes back as the tool's error, with its status.
        #expect(agent[2]["isError"] as? Bool == true && (agent[2]["text"] as? String)?.contains("HTTP 404") == true, "\(agent[2])")
        #expect(agent[3]["isError"] as? Bool == true && (agent[3]["text"] as? String)?.contains("search.embeddings") == true, "\(agent[3])")
        #expect(try repo.git("show", "agent/invoices:jobs/reminders/invoices.yaml").contains("0 9 * * 1"))
        #expect(try repo.git("rev-list", "--count", "main..agent/invoices") == "2", "create, then update: two commits")
        #expect(try Self.applied(repo) == before, "no tool moves the applied ref")
        daemon.signal(SIGTERM)
        #expect(try await daemon.waitForExit(within: 90) == 0, "\(daemon.output)")
    }
}
