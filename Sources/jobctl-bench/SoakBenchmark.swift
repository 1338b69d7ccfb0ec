import Foundation

/// The daemon under steady load for a long time (`jobctl serve`, release build): `--rate` jobs
/// that each fire every second (so `--rate` runs a second, each running `date +%s.%N`) for
/// `--minutes`. Every minute it prints the daemon's RSS, its open file descriptors and the
/// dispatch lag (scheduled second → child running) p50/p99 of that minute's runs, so that a
/// leak (memory or fds growing) or a drift (lag growing) shows as a trend.
///
///     swift build -c release --product jobctl --product jobctl-bench
///     .build/release/jobctl-bench soak [--minutes 30] [--rate 100]
enum SoakBenchmark {
    static func run(_ arguments: [String]) async throws {
        let minutes = Int(BenchmarkSupport.option("--minutes", in: arguments) ?? "") ?? 30
        let rate = Int(BenchmarkSupport.option("--rate", in: arguments) ?? "") ?? 100
        let root = try BenchmarkSupport.temporaryFolder("jobctl-bench-soak")
        defer { try? FileManager.default.removeItem(atPath: root) }
        try FileManager.default.createDirectory(atPath: root + "/jobs/soak", withIntermediateDirectories: true)
        for index in 0..<rate {
            try Data("schedule: \"* * * * * *\"\nsteps:\n  - run: [date, \"+%s.%N\"]\n".utf8)
                .write(to: URL(fileURLWithPath: "\(root)/jobs/soak/job-\(index).yaml"))
        }
        // Keep history bounded as a long-running daemon would.
        try Data("history:\n  keepRuns: 200\n".utf8).write(to: URL(fileURLWithPath: root + "/jobctl.yaml"))
        try SchedulerBenchmark.commitAndApply(root)
        let serve = try SchedulerBenchmark.Daemon(root: root, arguments: ["serve", "--root", root, "--max-concurrent", "\(rate * 2)", "--listen", "off"])
        try await serve.waitForOutput("running \(rate) applied jobs", within: 120)
        // Unbuffered: a line per minute, as it happens.
        func say(_ line: String) { FileHandle.standardOutput.write(Data((line + "\n").utf8)) }
        say("soak: \(rate) jobs firing every second (\(rate) runs/s) for \(minutes) min")
        say("minute  RSS        fds   runs   lag p50   lag p99")
        var seen: [String: Int] = [:]
        for minute in 1...minutes {
            try await Task.sleep(for: .seconds(60))
            let memory = serve.memory()
            let fds = (try? FileManager.default.contentsOfDirectory(atPath: "/proc/\(serve.process.processIdentifier)/fd").count) ?? -1
            let lags = newLags(root: root, rate: rate, seen: &seen)
            let rss = SchedulerBenchmark.mb(memory.rss).padding(toLength: 9, withPad: " ", startingAt: 0)
            say(String(format: "%6d  ", minute) + rss + String(format: "  %4d  %5d  %6.1f ms  %6.1f ms", fds, lags.count,
                         BenchmarkSupport.percentile(lags, 0.5) * 1000, BenchmarkSupport.percentile(lags, 0.99) * 1000))
        }
        serve.stop()
    }

    /// Lags of the runs recorded since the last call (`seen`: lines already read per job).
    static func newLags(root: String, rate: Int, seen: inout [String: Int]) -> [Double] {
        var lags: [Double] = []
        for index in 0..<rate {
            let file = "\(root)/history/soak/job-\(index).jsonl"
            guard let text = try? String(contentsOfFile: file, encoding: .utf8) else { continue }
            let lines = text.split(separator: "\n")
            // Retention rewrites the file: start over when it shrank.
            let start = (seen[file] ?? 0) <= lines.count ? (seen[file] ?? 0) : 0
            seen[file] = lines.count
            lags += lines[start...].compactMap { SchedulerBenchmark.lag(of: $0, root: root)?.seconds }
        }
        return lags
    }
}
