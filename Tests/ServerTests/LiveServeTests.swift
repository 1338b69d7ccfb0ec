import Foundation
import Server
import Testing
import TestSupport

/// A real `jobctl serve` process on loopback (port 0: a free one), on a git root with an applied state.
@Suite("jobctl serve's HTTP API, live")
struct LiveServeTests {
    /// `jobctl serve --listen 127.0.0.1:0` in the background; output to a file so it never blocks.
    final class Serve: @unchecked Sendable {
        let process = Process()
        let outputPath: String

        init(root: String, environment: [String: String]) throws {
            outputPath = FileManager.default.temporaryDirectory.appendingPathComponent("jobctl-serve-\(UUID().uuidString).log").path
            FileManager.default.createFile(atPath: outputPath, contents: nil)
            let output = try FileHandle(forWritingTo: URL(fileURLWithPath: outputPath))
            process.executableURL = JobctlProcess.executable
            process.arguments = ["serve", "--root", root, "--listen", "127.0.0.1:0", "--grace", "1s"]
            process.environment = ProcessInfo.processInfo.environment.merging(environment) { $1 }
            process.standardOutput = output
            process.standardError = output
            process.standardInput = FileHandle.nullDevice
            try ChildSpawn.start(process)
        }

        deinit {
            if process.isRunning { kill(process.processIdentifier, SIGKILL) }
            try? FileManager.default.removeItem(atPath: outputPath)
        }

        var output: String {
            FileManager.default.contents(atPath: outputPath).map { String(decoding: $0, as: UTF8.self) } ?? ""
        }

        /// The port from "HTTP API listening on http://127.0.0.1:PORT", once the jobs are loaded too.
        func port() async throws -> Int? {
            var port: Int?
            _ = try await eventually {
                let text = output
                guard text.contains("running "), let range = text.range(of: "listening on http://127.0.0.1:") else { return false }
                port = Int(text[range.upperBound...].prefix { $0.isNumber })
                return port != nil
            }
            return port
        }

        func stop() async throws {
            kill(process.processIdentifier, SIGTERM)
            _ = try await eventually { !process.isRunning }
        }
    }

    static func isGone(_ pid: Int32) -> Bool {
        if kill(pid, 0) != 0 { return errno == ESRCH }
        // A zombie (killed, not yet reaped by its new parent) is gone as a process tree goes.
        let stat = (try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8)) ?? ""
        return stat.split(separator: ")").last?.trimmingCharacters(in: .whitespaces).hasPrefix("Z") ?? true
    }

    @Test func tokensScopesWebhooksFiltersCancelAndVerbatimParameters() async throws {
        let repo = try TemporaryGitRepository()
        let out = repo.path + "/out.txt", pids = repo.path + "/tree.pids"
        try repo.write(".gitignore", ".jobctl/\nhistory/\nout.txt\ntree.pids\n")
        try repo.write("jobs/reports/daily.yaml", """
            params:
              note: {type: string, default: none}
            steps:
              - run: [sh, -c, 'printf "%s" "$1" > "$0"', "\(out)", "{{params.note}}"]

            """)
        try repo.write("jobs/other.yaml", "steps:\n  - run: [\"true\"]\n")
        try repo.write("jobs/orders/big.yaml", """
            on: {events: [order.created]}
            filter: event.amount > 1000
            steps:
              - run: ["true"]

            """)
        try repo.write("jobs/tree.yaml", """
            steps:
              - run: [sh, -c, 'sleep 300 & echo "$$ $!" > "$0"; sleep 300', "\(pids)"]

            """)
        _ = try repo.commit("jobs")
        let apply = try await JobctlProcess.run(["apply", "--root", repo.path])
        #expect(apply.status == 0, "\(apply.stdout)\(apply.stderr)")

        func token(_ arguments: [String]) async throws -> String {
            let created = try await JobctlProcess.run(["token", "create", "--root", repo.path] + arguments)
            #expect(created.status == 0, "\(created.stderr)")
            return String(created.stdout.split(separator: "\n").last ?? "")
        }
        let read = try await token(["--scope", "read", "--name", "reader"])
        let reports = try await token(["--scope", "run", "--jobs", "reports/*", "--name", "reports"])
        let secret = "hook-secret"
        let serve = try Serve(root: repo.path, environment: ["JOBCTL_SECRET_WEBHOOK_ORDERS_BIG": secret])
        let port = try #require(try await serve.port(), "\(serve.output)")
        let server = "http://127.0.0.1:\(port)"
        // Created after the daemon started: picked up without a restart.
        let run = try await token(["--scope", "run", "--name", "runner"])

        let anonymous = try APIClient(server: server, token: nil)
        #expect(try await anonymous.send("GET", "/healthz").status == 200)
        #expect(try await anonymous.send("GET", "/api/jobs").status == 401)

        // A read token cannot trigger.
        let reader = try APIClient(server: server, token: read)
        #expect(try await reader.send("GET", "/api/jobs").status == 200)
        #expect(try await reader.send("POST", "/api/jobs/other/runs", body: Data("{}".utf8)).status == 403)

        // A run token scoped to reports/* cannot run another job, and can run its own with a
        // parameter full of shell metacharacters, which reaches the step verbatim.
        let scoped = try APIClient(server: server, token: reports)
        #expect(try await scoped.send("POST", "/api/jobs/other/runs", body: Data("{}".utf8)).status == 403)
        let nasty = "$(touch \(repo.path)/pwned); `id` | tee /dev/null && echo \"quoted\" 'single' > /dev/null; * ~ \\ \n end"
        let started = try await scoped.send("POST", "/api/jobs/reports%2Fdaily/runs", body: try JSONSerialization.data(withJSONObject: ["params": ["note": nasty]]))
        #expect(started.status == 202, "\(started.errorMessage)")
        #expect(try await eventually { (try? String(contentsOfFile: out, encoding: .utf8)) == nasty })
        #expect(!FileManager.default.fileExists(atPath: repo.path + "/pwned"))

        // Webhooks: unsigned or wrongly signed are refused.
        let payload = Data(#"{"amount": 5000}"#.utf8)
        let unsigned = try await anonymous.send("POST", "/hooks/orders/big", body: payload, headers: ["X-Jobctl-Event": "order.created"])
        #expect(unsigned.status == 401)
        let wrong = try await anonymous.send("POST", "/hooks/orders/big", body: payload,
                                             headers: ["X-Hub-Signature-256": WebhookSignature.header(body: Array(payload), secret: "wrong")])
        #expect(wrong.status == 401)
        let signed = try await anonymous.send("POST", "/hooks/orders/big", body: payload,
                                              headers: ["X-Hub-Signature-256": WebhookSignature.header(body: Array(payload), secret: secret),
                                                        "X-GitHub-Delivery": "live-1"])
        #expect(signed.status == 200, "\(signed.errorMessage)")

        // An event below the filter's threshold is recorded filtered (through the CLI).
        let trigger = try await JobctlProcess.run(["trigger", "order.created", "--data", #"{"amount": 10}"#, "--server", server], environment: ["JOBCTL_TOKEN": run])
        #expect(trigger.status == 0, "\(trigger.stderr)")
        #expect(trigger.stdout.hasPrefix("filtered orders/big "))
        let filteredRun = String(trigger.stdout.split(separator: " ").last ?? "").trimmingCharacters(in: .whitespacesAndNewlines)
        let history = try String(contentsOfFile: repo.path + "/history/orders/big.jsonl", encoding: .utf8)
        #expect(history.contains("\"run\":\"\(filteredRun)\""))
        #expect(history.contains("\"status\":\"filtered\""))
        let refused = try await JobctlProcess.run(["run", "other", "--server", server], environment: ["JOBCTL_TOKEN": read])
        #expect(refused.status == 1)
        #expect(refused.stderr.contains("403"))

        // A cancelled run's process tree is gone.
        let tree = try await JobctlProcess.run(["run", "tree", "--server", server], environment: ["JOBCTL_TOKEN": run])
        #expect(tree.status == 0, "\(tree.stderr)")
        let treeRun = tree.stdout.trimmingCharacters(in: .whitespacesAndNewlines)
        #expect(try await eventually { ((try? String(contentsOfFile: pids, encoding: .utf8)) ?? "").hasSuffix("\n") })
        let processes = try String(contentsOfFile: pids, encoding: .utf8).split(whereSeparator: { $0 == " " || $0 == "\n" }).compactMap { Int32($0) }
        #expect(processes.count == 2)
        #expect(processes.allSatisfy { !Self.isGone($0) })
        let cancel = try await JobctlProcess.run(["cancel", treeRun, "--server", server], environment: ["JOBCTL_TOKEN": run])
        #expect(cancel.status == 0, "\(cancel.stderr)")
        #expect(try await eventually { processes.allSatisfy(Self.isGone) })
        let cancelledRecord = try await eventually {
            let reply = try await reader.send("GET", "/api/runs/\(treeRun)")
            return reply.json["status"].string == "cancelled"
        }
        #expect(cancelledRecord)

        // Revoked: refused from the next request on.
        let revoke = try await JobctlProcess.run(["token", "revoke", "reader", "--root", repo.path])
        #expect(revoke.status == 0)
        #expect(try await reader.send("GET", "/api/jobs").status == 401)

        let metrics = try await APIClient(server: server, token: run).send("GET", "/metrics")
        #expect(String(decoding: metrics.body, as: UTF8.self).contains("jobctl_runs_total{job=\"orders/big\",status=\"filtered\"} 1"))
        try await serve.stop()
        #expect(serve.process.terminationStatus == 0, "\(serve.output)")
    }
}
