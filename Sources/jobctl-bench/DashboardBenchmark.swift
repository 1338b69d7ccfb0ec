import Foundation

/// `jobctl-bench dashboard`: server time per dashboard page on a large root — 10,000 scheduled
/// jobs and a job with 1,000,000 history lines — next to `GET /api/jobs` in the same run. wrk
/// with one connection (so latency is the server's time per page plus loopback), signed in with
/// a session cookie as a browser is.
///
///     swift build -c release --product jobctl --product jobctl-bench
///     .build/release/jobctl-bench dashboard [--jobs 10000] [--lines 1000000] [--duration 10]
enum DashboardBenchmark {
    static func run(_ arguments: [String]) async throws {
        let jobs = Int(BenchmarkSupport.option("--jobs", in: arguments) ?? "10000") ?? 10000
        let lines = Int(BenchmarkSupport.option("--lines", in: arguments) ?? "1000000") ?? 1_000_000
        let duration = Int(BenchmarkSupport.option("--duration", in: arguments) ?? "10") ?? 10
        guard ServerBenchmark.shell("command -v wrk >/dev/null && command -v curl >/dev/null").status == 0 else {
            FileHandle.standardError.write(Data("wrk and curl are needed (apt-get install -y wrk curl)\n".utf8))
            exit(2)
        }
        // --keep DIR: make the root there once and reuse it (for profiling); else a temporary one.
        let kept = BenchmarkSupport.option("--keep", in: arguments)
        let folder = kept ?? FileManager.default.temporaryDirectory.appendingPathComponent("jobctl-bench-dashboard-\(UUID().uuidString)").path
        defer { if kept == nil { try? FileManager.default.removeItem(atPath: folder) } }
        let root = folder + "/root"
        let started = Date()
        let busy = "fleet/job-0"
        if !FileManager.default.fileExists(atPath: root + "/history/\(busy).jsonl") {
            try? FileManager.default.removeItem(atPath: root)
            try ServerBenchmark.makeRoot(root, jobs: jobs)
            let bytes = try HistoryBenchmark.generate(lines: lines, to: root + "/history/\(busy).jsonl", job: busy)
            print("root: \(jobs) jobs, \(lines) history lines of \(busy) (\(bytes / 1_000_000) MB), made in \(String(format: "%.0f", Date().timeIntervalSince(started))) s")
        }
        try? FileManager.default.removeItem(atPath: root + "/.jobctl/tokens.json")
        let token = try ServerBenchmark.createToken(root: root)

        let port = try ServerBenchmark.freePort()
        let launched = Date()
        let serve = try await ServerBenchmark.startServe(root: root, port: port, log: folder + "/serve.log", within: 300)
        defer { if serve.isRunning { kill(serve.processIdentifier, SIGTERM) } }
        print("serve ready in \(String(format: "%.2f", Date().timeIntervalSince(launched))) s (loading \(jobs) jobs and the run summaries)")

        let signIn = ServerBenchmark.shell("curl -s -o /dev/null -D - -d 'token=\(token)' http://127.0.0.1:\(port)/signin")
        guard let cookie = signIn.output.split(whereSeparator: \.isNewline).first(where: { $0.lowercased().hasPrefix("set-cookie:") })?
            .dropFirst("set-cookie:".count).split(separator: ";").first?.trimmingCharacters(in: .whitespaces) else {
            throw ServerBenchmark.BenchError(message: "signing in failed: \(signIn.output)")
        }
        let pageScript = folder + "/page.lua", apiScript = folder + "/api.lua"
        try "wrk.headers[\"Cookie\"] = \"\(cookie)\"\n".write(toFile: pageScript, atomically: true, encoding: .utf8)
        try "wrk.headers[\"Authorization\"] = \"Bearer \(token)\"\n".write(toFile: apiScript, atomically: true, encoding: .utf8)
        let base = "wrk -t1 -c1 -d\(duration)s --latency"
        let url = "http://127.0.0.1:\(port)"
        let targets: [(String, String)] = [
            ("GET /api/jobs?limit=50 (the API's list, the peer)", "\(base) -s \(apiScript) '\(url)/api/jobs?limit=50'"),
            ("GET / (overview, first 50 of \(jobs) jobs)", "\(base) -s \(pageScript) '\(url)/'"),
            ("GET /?page=150 (overview, a later page)", "\(base) -s \(pageScript) '\(url)/?page=150'"),
            ("GET /jobs/\(busy) (job page, \(lines) lines of history)", "\(base) -s \(pageScript) '\(url)/jobs/\(busy)'"),
            ("GET /jobs/\(busy)?page=100 (its runs 5,001-5,050)", "\(base) -s \(pageScript) '\(url)/jobs/\(busy)?page=100'"),
            ("GET /calendar (week, 50 jobs a page)", "\(base) -s \(pageScript) '\(url)/calendar?view=week&zone=UTC'"),
        ]
        var results: [ServerBenchmark.Result] = []
        for (name, command) in targets {
            results.append(ServerBenchmark.wrk(name, command))
        }
        let rss = ServerBenchmark.shell("ps -o rss= -p \(serve.processIdentifier)").output.trimmingCharacters(in: .whitespacesAndNewlines)
        kill(serve.processIdentifier, SIGTERM)
        serve.waitUntilExit()

        print("jobctl-bench dashboard: wrk 1 connection, \(duration) s each; \(ProcessInfo.processInfo.activeProcessorCount) cores; serve RSS after \(Int(rss).map { "\($0 / 1024) MB" } ?? "?")")
        print("")
        print("| page | p50 | p99 | pages/s | non-2xx |")
        print("|---|---:|---:|---:|---:|")
        for result in results {
            print("| \(result.name) | \(result.p50) | \(result.p99) | \(String(format: "%.0f", result.requestsPerSecond)) | \(result.non2xx) |")
        }
        print("")
        print("goal: under 50 ms per page for the overview and a job page")
        for result in results { print("  \(result.command)") }
    }
}
