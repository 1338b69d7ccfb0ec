import Foundation

/// The daemon as a whole process (`jobctl serve`, release build) on generated git roots:
///
/// 1. dispatch lag — fire time to child started — with 10,000 jobs loaded and idle (a probe job
///    fires every second and runs `date +%s.%N`; the lag is the child's own clock reading minus
///    the scheduled second), and the daemon's memory with those 10,000 jobs;
/// 2. 1,000 jobs firing in the same second: from the scheduled second to the last child started,
///    next to a bare loop that spawns the same 1,000 `date` processes (the floor).
///
///     swift build -c release --product jobctl --product jobctl-bench
///     .build/release/jobctl-bench scheduler [--jobs 10000] [--seconds 30] [--burst 1000]
enum SchedulerBenchmark {
    static func run(_ arguments: [String]) async throws {
        let jobs = Int(BenchmarkSupport.option("--jobs", in: arguments) ?? "") ?? 10_000
        let seconds = Int(BenchmarkSupport.option("--seconds", in: arguments) ?? "") ?? 30
        let burst = Int(BenchmarkSupport.option("--burst", in: arguments) ?? "") ?? 1_000
        try await idleLag(jobs: jobs, seconds: seconds)
        try await burstFire(jobs: burst)
    }

    // MARK: 1. dispatch lag and memory with N jobs loaded

    static func idleLag(jobs: Int, seconds: Int) async throws {
        let root = try BenchmarkSupport.temporaryFolder("jobctl-bench-sched")
        defer { try? FileManager.default.removeItem(atPath: root) }
        try FileManager.default.createDirectory(atPath: root + "/jobs/idle", withIntermediateDirectories: true)
        for index in 0..<jobs {
            // Spread over the year so none fires during the measurement.
            let text = "schedule: \"\(index % 60) \(index % 24) \(1 + index % 28) \(1 + index % 12) *\"\nsteps:\n  - run: [\"true\"]\n"
            try Data(text.utf8).write(to: URL(fileURLWithPath: "\(root)/jobs/idle/job-\(index).yaml"))
        }
        try Data("schedule: \"* * * * * *\"\nsteps:\n  - run: [date, \"+%s.%N\"]\n".utf8).write(to: URL(fileURLWithPath: root + "/jobs/probe.yaml"))
        try commitAndApply(root)

        let serve = try Daemon(root: root, arguments: ["serve", "--root", root, "--max-concurrent", "64", "--listen", "off"])
        try await serve.waitForOutput("running \(jobs + 1) applied jobs", within: 120)
        // Fires due before the daemon ran are catch-up, not dispatch: only later seconds count.
        let running = Date()
        let loaded = serve.memory()
        print("scheduler: \(jobs + 1) jobs loaded; daemon RSS \(mb(loaded.rss)) (peak \(mb(loaded.peak)) while loading)")
        try await Task.sleep(for: .seconds(seconds))
        let steady = serve.memory()
        serve.stop()
        let lags = try probeLags(root: root, after: running)
        guard !lags.isEmpty else {
            print("  no probe runs recorded")
            return
        }
        print(String(format: "  dispatch lag (scheduled second -> child running), %d fires: p50 %.2f ms  p99 %.2f ms  max %.2f ms",
                     lags.count, BenchmarkSupport.percentile(lags, 0.5) * 1000, BenchmarkSupport.percentile(lags, 0.99) * 1000, lags.max()! * 1000))
        print("  daemon RSS after \(seconds) s of firing: \(mb(steady.rss)) (peak \(mb(steady.peak)))")
    }

    /// Each probe run's log holds the child's `date +%s.%N`; its record the scheduled second.
    static func probeLags(root: String, after running: Date) throws -> [Double] {
        let history = try String(contentsOfFile: root + "/history/probe.jsonl", encoding: .utf8)
        var lags: [Double] = []
        for line in history.split(separator: "\n") {
            guard let record = try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any],
                  record["status"] as? String == "completed",
                  let scheduled = (record["scheduledFor"] as? String).flatMap(parseTime), scheduled > running,
                  let log = record["log"] as? String,
                  let text = try? String(contentsOfFile: root + "/" + log, encoding: .utf8),
                  let started = text.split(separator: "\n").compactMap({ Double($0) }).first
            else { continue }
            lags.append(started - scheduled.timeIntervalSince1970)
        }
        return lags
    }

    // MARK: 2. a burst of N jobs in one second

    static func burstFire(jobs: Int) async throws {
        let root = try BenchmarkSupport.temporaryFolder("jobctl-bench-burst")
        defer { try? FileManager.default.removeItem(atPath: root) }
        try FileManager.default.createDirectory(atPath: root + "/jobs/burst", withIntermediateDirectories: true)
        for index in 0..<jobs {
            try Data("schedule: \"0/20 * * * * *\"\nsteps:\n  - run: [date, \"+%s.%N\"]\n".utf8)
                .write(to: URL(fileURLWithPath: "\(root)/jobs/burst/job-\(index).yaml"))
        }
        try commitAndApply(root)
        let serve = try Daemon(root: root, arguments: ["serve", "--root", root, "--max-concurrent", "\(jobs)", "--listen", "off"])
        try await serve.waitForOutput("running \(jobs) applied jobs", within: 120)
        // A burst due while the daemon was starting is caught up when it runs: not measured.
        let running = Date()
        // Wait for two whole bursts after the daemon is up (fires at :00, :20, :40): the first
        // also creates every job's history file and log folder.
        let deadline = Date().addingTimeInterval(120)
        var spreads: [Double] = []
        while Date() < deadline {
            try await Task.sleep(for: .seconds(2))
            spreads = try burstSpreads(root: root, jobs: jobs, after: running)
            if spreads.count >= 2 { break }
        }
        serve.stop()
        guard !spreads.isEmpty else {
            print("burst: no complete burst recorded")
            return
        }
        let floor = try spawnFloor(count: jobs)
        for (index, spread) in spreads.prefix(2).enumerated() {
            print(String(format: "burst %d: %d jobs due in the same second: last child running %.1f ms after the second; bare spawn loop of %d `date`: %.1f ms (floor); ratio %.1fx",
                         index + 1, jobs, spread * 1000, jobs, floor * 1000, spread / floor))
        }
    }

    /// For each scheduled second that all `jobs` fired in: the last child's start minus the second.
    static func burstSpreads(root: String, jobs: Int, after running: Date) throws -> [Double] {
        var latest: [Double: Double] = [:]
        var counts: [Double: Int] = [:]
        for index in 0..<jobs {
            guard let text = try? String(contentsOfFile: "\(root)/history/burst/job-\(index).jsonl", encoding: .utf8) else { return [] }
            for line in text.split(separator: "\n") {
                guard let record = try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any],
                      record["status"] as? String == "completed",
                      let scheduled = (record["scheduledFor"] as? String).flatMap(parseTime)?.timeIntervalSince1970,
                      scheduled > running.timeIntervalSince1970,
                      let log = record["log"] as? String,
                      let started = (try? String(contentsOfFile: root + "/" + log, encoding: .utf8))?.split(separator: "\n").compactMap({ Double($0) }).first
                else { continue }
                counts[scheduled, default: 0] += 1
                latest[scheduled] = max(latest[scheduled] ?? 0, started - scheduled)
            }
        }
        return counts.filter { $0.value == jobs }.keys.sorted().compactMap { latest[$0] }
    }

    /// Spawns `count` `date` processes one after another (not waiting in between), then reaps them.
    static func spawnFloor(count: Int) throws -> Double {
        var pids: [pid_t] = []
        let argv: [UnsafeMutablePointer<CChar>?] = [strdup("date"), strdup("+%s.%N"), nil]
        defer { argv.forEach { free($0) } }
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        posix_spawn_file_actions_addopen(&actions, 1, "/dev/null", O_WRONLY, 0)
        defer { posix_spawn_file_actions_destroy(&actions) }
        let start = Date()
        for _ in 0..<count {
            var pid: pid_t = 0
            guard posix_spawnp(&pid, "date", &actions, nil, argv, environ) == 0 else { continue }
            pids.append(pid)
        }
        let elapsed = Date().timeIntervalSince(start)
        for pid in pids {
            var status: Int32 = 0
            waitpid(pid, &status, 0)
        }
        return elapsed
    }

    // MARK: helpers

    static func commitAndApply(_ root: String) throws {
        for arguments in [["init", "-q"], ["add", "-A"], ["-c", "user.name=bench", "-c", "user.email=bench@example.com", "commit", "-qm", "jobs"]] {
            let git = try BenchmarkSupport.measure("git", ["-C", root] + arguments)
            guard git.status == 0 else { throw BenchmarkFailure(message: "git \(arguments.joined(separator: " ")) failed") }
        }
        let apply = try BenchmarkSupport.measure(BenchmarkSupport.jobctl, ["apply", "--root", root])
        guard apply.status == 0 else { throw BenchmarkFailure(message: "jobctl apply failed") }
    }

    /// A run's dispatch lag: the first `date +%s.%N` its log holds (the child's own clock when it
    /// started) minus its scheduled second; nil for a record without either.
    static func lag(of line: Substring, root: String) -> (record: [String: Any], seconds: Double)? {
        guard let record = try? JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any],
              let scheduled = (record["scheduledFor"] as? String).flatMap(parseTime)?.timeIntervalSince1970,
              let log = record["log"] as? String,
              let started = (try? String(contentsOfFile: root + "/" + log, encoding: .utf8))?.split(separator: "\n").compactMap({ Double($0) }).first
        else { return nil }
        return (record, started - scheduled)
    }

    static func parseTime(_ text: String) -> Date? {
        let formatter = ISO8601DateFormatter()
        formatter.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
        return formatter.date(from: text)
    }

    static func mb(_ bytes: Int) -> String { String(format: "%.1f MB", Double(bytes) / 1e6) }

    struct BenchmarkFailure: Error, CustomStringConvertible {
        var message: String
        var description: String { message }
    }

    /// `jobctl serve` in the background with its output in a file.
    final class Daemon {
        let process = Process()
        let log: String

        /// - Parameter environment: added to this process's environment (secrets).
        init(root: String, arguments: [String], environment: [String: String] = [:]) throws {
            log = root + "/serve.log"
            FileManager.default.createFile(atPath: log, contents: nil)
            process.executableURL = URL(fileURLWithPath: BenchmarkSupport.jobctl)
            process.arguments = arguments
            if !environment.isEmpty { process.environment = ProcessInfo.processInfo.environment.merging(environment) { $1 } }
            let handle = try FileHandle(forWritingTo: URL(fileURLWithPath: log))
            process.standardOutput = handle
            process.standardError = handle
            try process.run()
        }

        func waitForOutput(_ text: String, within seconds: Double) async throws {
            let deadline = Date().addingTimeInterval(seconds)
            while Date() < deadline {
                if let output = try? String(contentsOfFile: log, encoding: .utf8), output.contains(text) { return }
                try await Task.sleep(for: .milliseconds(50))
            }
            throw BenchmarkFailure(message: "serve did not print '\(text)': \((try? String(contentsOfFile: log, encoding: .utf8)) ?? "")")
        }

        /// VmRSS and VmHWM of the daemon, from /proc.
        func memory() -> (rss: Int, peak: Int) {
            let status = (try? String(contentsOfFile: "/proc/\(process.processIdentifier)/status", encoding: .utf8)) ?? ""
            func field(_ name: String) -> Int {
                guard let line = status.split(separator: "\n").first(where: { $0.hasPrefix(name) }) else { return 0 }
                return (Int(line.split(separator: " ").dropFirst().first { Int($0) != nil } ?? "0") ?? 0) * 1024
            }
            return (field("VmRSS:"), field("VmHWM:"))
        }

        /// User + system CPU seconds the daemon has used so far, from /proc.
        func cpuSeconds() -> Double {
            guard let stat = try? String(contentsOfFile: "/proc/\(process.processIdentifier)/stat", encoding: .utf8),
                  let close = stat.lastIndex(of: ")") else { return 0 }
            let fields = stat[stat.index(after: close)...].split(separator: " ")
            // After the name: state is field 3, utime 14 and stime 15 (1-based, whole line).
            guard fields.count > 12, let user = Double(fields[11]), let system = Double(fields[12]) else { return 0 }
            return (user + system) / Double(sysconf(Int32(_SC_CLK_TCK)))
        }

        func stop() {
            process.terminate()
            process.waitUntilExit()
        }
    }
}
