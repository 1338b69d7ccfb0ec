import Foundation
import History

/// History at scale: a generated history file of N lines (default 1,000,000), then, as whole
/// processes, `jobctl history JOB --last 20` (next to `jobctl --version`, the process floor,
/// and `tail -n 20`), and `jobctl history JOB --stats` next to `jq` computing the same
/// counts and duration percentiles (both outputs are compared); and, in process, the cost of
/// one append with and without fdatasync.
///
///     swift build -c release --product jobctl --product jobctl-bench
///     .build/release/jobctl-bench history [--lines 1000000] [--runs 10] [--stats-runs 3] [--appends 2000] [--keep]
enum HistoryBenchmark {
    static let job = "bench/job"

    /// The jq program for the same stats: counts per status, nearest-rank p50/p95, max. Of the
    /// forms tried, the fastest on jq 1.6 (appending to an array inside `reduce` is quadratic
    /// there: 100,000 lines took minutes).
    static let jqProgram = """
        [inputs | {s: .status, d: .durationMs}] | (reduce .[] as $x ({}; .[$x.s] += 1)) as $c
        | ([.[].d | select(. != null)] | sort) as $d
        | {counts: $c, p50: $d[(($d|length) * 0.5 | ceil) - 1], p95: $d[(($d|length) * 0.95 | ceil) - 1], max: $d[-1]}
        """

    static func run(_ arguments: [String]) async throws {
        let lines = Int(BenchmarkSupport.option("--lines", in: arguments) ?? "") ?? 1_000_000
        let runs = Int(BenchmarkSupport.option("--runs", in: arguments) ?? "") ?? 10
        let statsRuns = Int(BenchmarkSupport.option("--stats-runs", in: arguments) ?? "") ?? 3
        let appends = Int(BenchmarkSupport.option("--appends", in: arguments) ?? "") ?? 2000
        let root = try BenchmarkSupport.temporaryFolder("jobctl-bench-history")
        defer { if !arguments.contains("--keep") { try? FileManager.default.removeItem(atPath: root) } }
        try FileManager.default.createDirectory(atPath: root + "/jobs", withIntermediateDirectories: true)
        let folder = HistoryFolder(root: root)
        let file = try folder.file(forJob: job)

        let generated = Date()
        let bytes = try generate(lines: lines, to: file)
        print("history: \(lines) lines, \(String(format: "%.0f", Double(bytes) / 1e6)) MB (\(bytes / max(1, lines)) bytes a line) in \(file), written in \(String(format: "%.1f", Date().timeIntervalSince(generated))) s")
        print("jobctl at \(BenchmarkSupport.jobctl); whole processes, output to /dev/null, median of N runs (min-max), peak RSS")
        print("load average before: \((try? String(contentsOfFile: "/proc/loadavg", encoding: .utf8))?.split(separator: " ").prefix(3).joined(separator: " ") ?? "?")")

        // Warm the page cache, as a CI runner reading its own history would have it.
        _ = try series(1, "cat", [file])

        let last = try series(runs, BenchmarkSupport.jobctl, ["history", job, "--root", root, "--last", "20"])
        let lastJSONL = try series(runs, BenchmarkSupport.jobctl, ["history", job, "--root", root, "--last", "20", "--format", "jsonl"])
        let floor = try series(runs, BenchmarkSupport.jobctl, ["--version"])
        let tail = try series(runs, "tail", ["-n", "20", file])
        // The issue's peer: the last 20 records as compact JSON, the way a CI script would print them.
        let tailJQ = try series(runs, "/bin/sh", ["-c", "tail -n 20 \"$0\" | jq -c .", file])
        report("jobctl history \(job) --last 20", last, goal: "goal: within 1x of tail | jq")
        report("jobctl history \(job) --last 20 --format jsonl", lastJSONL)
        report("jobctl --version (process floor)", floor)
        report("tail -n 20 FILE", tail)
        report("tail -n 20 FILE | jq -c .", tailJQ)
        print(String(format: "  --last 20: %.2fx tail | jq in wall time, %.2fx in CPU time (goal: at most 1x)", median(last) / median(tailJQ),
                     BenchmarkSupport.median(last.cpuSeconds) / BenchmarkSupport.median(tailJQ.cpuSeconds)))

        let stats = try series(statsRuns, BenchmarkSupport.jobctl, ["history", job, "--root", root, "--stats", "--format", "json"])
        report("jobctl history \(job) --stats --format json", stats)
        if let jq = which("jq") {
            let jqRuns = try series(statsRuns, jq, ["-n", "-c", jqProgram, file])
            report("jq -n -c '<stats program>' FILE", jqRuns)
            print(String(format: "  stats: jobctl is %.1fx faster than jq in wall time, %.1fx in CPU time (goal 30x)", median(jqRuns) / median(stats),
                         BenchmarkSupport.median(jqRuns.cpuSeconds) / BenchmarkSupport.median(stats.cpuSeconds)))
            try compareWithJQ(jq: jq, root: root, file: file)
            print("  jq program: \(jqProgram.replacingOccurrences(of: "\n", with: " "))")
        } else {
            print("  jq not found: install it (apt-get install -y jq) to compare --stats")
        }

        try measureAppends(appends)
    }

    // MARK: - Generating the file

    /// Writes `lines` realistic records (statuses, durations, steps, params, commit, log) with the
    /// product's own encoder, one minute apart.
    static func generate(lines: Int, to file: String, job: String = HistoryBenchmark.job) throws -> Int {
        try FileManager.default.createDirectory(atPath: (file as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
        FileManager.default.createFile(atPath: file, contents: nil)
        let handle = try FileHandle(forWritingTo: URL(fileURLWithPath: file))
        defer { try? handle.close() }
        var generator = SplitMix(seed: 42)
        let ids = RunIDGenerator()
        let start = Date(timeIntervalSince1970: 1_700_000_000)
        var buffer = ""
        buffer.reserveCapacity(8 << 20)
        var total = 0
        let markets = ["NL", "BE", "DE"]
        for i in 0..<lines {
            let scheduled = start.addingTimeInterval(Double(i) * 60)
            let roll = generator.next() % 1000
            let status: RunStatus = roll < 900 ? .completed : roll < 960 ? .failed : roll < 980 ? .timedOut : roll < 990 ? .skipped : roll < 995 ? .cancelled : .interrupted
            let ran = status != .skipped
            let duration = ran ? Int64(500 + generator.next() % 60_000 + (generator.next() % 100 == 0 ? 1_800_000 : 0)) : nil
            let started = scheduled.addingTimeInterval(0.004)
            let finished = started.addingTimeInterval(Double(duration ?? 0) / 1000)
            let run = ids.next(at: started)
            var record = RunRecord(
                run: run, job: job, trigger: .schedule, status: status, scheduledFor: scheduled,
                startedAt: ran ? started : nil, finishedAt: finished, durationMs: duration,
                exitCode: ran ? (status == .completed ? 0 : 1) : nil, attempt: ran ? 1 : nil,
                params: ["market": .string(markets[i % 3]), "days": .integer(7)],
                commit: "5f0c7e2a9b1d3c4e5f60718293a4b5c6d7e8f901"
            )
            if ran {
                record.steps = [
                    StepRecord(name: "extract", status: .completed, exitCode: 0, durationMs: (duration ?? 0) * 2 / 3),
                    StepRecord(name: "summarise", status: status == .completed ? .completed : .failed, exitCode: status == .completed ? 0 : 1, durationMs: (duration ?? 0) / 3),
                ]
                record.log = try HistoryFolder(path: "history").relativeLogPath(job: job, run: run)
            }
            if status == .failed { record.error = "step summarise exited 1" }
            if status == .skipped { record.warnings = ["run \(run) still in progress (concurrency: skip)"] }
            record.node = "runner-1"
            buffer += record.jsonLine
            buffer += "\n"
            if buffer.utf8.count >= 8 << 20 {
                total += buffer.utf8.count
                handle.write(Data(buffer.utf8))
                buffer.removeAll(keepingCapacity: true)
            }
        }
        total += buffer.utf8.count
        handle.write(Data(buffer.utf8))
        return total
    }

    // MARK: - Checking jq and jobctl agree

    static func compareWithJQ(jq: String, root: String, file: String) throws {
        let ours = try BenchmarkSupport.capture(BenchmarkSupport.jobctl, ["history", job, "--root", root, "--stats", "--format", "json"])
        let theirs = try BenchmarkSupport.capture(jq, ["-n", "-c", jqProgram, file])
        guard let o = try JSONSerialization.jsonObject(with: Data(ours.utf8)) as? [String: Any],
              let t = try JSONSerialization.jsonObject(with: Data(theirs.utf8)) as? [String: Any],
              let durations = o["durations"] as? [String: Any] else {
            print("  outputs could not be compared")
            return
        }
        let countsAgree = (o["counts"] as? [String: Int]) == (t["counts"] as? [String: Int])
        let p50 = durations["p50Ms"] as? Int, p95 = durations["p95Ms"] as? Int, max = durations["maxMs"] as? Int
        let percentilesAgree = p50 == t["p50"] as? Int && p95 == t["p95"] as? Int && max == t["max"] as? Int
        print("  same results: counts \(countsAgree ? "agree" : "DIFFER"), p50/p95/max \(percentilesAgree ? "agree" : "DIFFER") (p50 \(p50 ?? -1) ms, p95 \(p95 ?? -1) ms, max \(max ?? -1) ms)")
    }

    // MARK: - Appends

    static func measureAppends(_ count: Int) throws {
        guard count > 0 else { return }
        for durability in [Durability.synced, .unsynced] {
            let root = try BenchmarkSupport.temporaryFolder("jobctl-bench-append")
            defer { try? FileManager.default.removeItem(atPath: root) }
            let recorder = FileRunRecorder(folder: HistoryFolder(root: root), durability: durability)
            let ids = RunIDGenerator()
            var samples: [Double] = []
            for i in 0..<count {
                let now = Date()
                let record = RunRecord(run: ids.next(at: now), job: "bench/append-\(i % 10)", trigger: .schedule, status: .completed,
                                       scheduledFor: now, startedAt: now, finishedAt: now, durationMs: 12, exitCode: 0, attempt: 1)
                let start = DispatchTime.now().uptimeNanoseconds
                try recorder.append(record)
                samples.append(Double(DispatchTime.now().uptimeNanoseconds - start) / 1e3)
            }
            print(String(format: "append (%@, %d records over 10 files, in process): p50 %.0f µs   p99 %.0f µs   max %.0f µs",
                         durability == .synced ? "fdatasync" : "no fsync", count,
                         BenchmarkSupport.percentile(samples, 0.5), BenchmarkSupport.percentile(samples, 0.99), samples.max() ?? 0))
        }
    }

    // MARK: - Helpers

    struct Series {
        var seconds: [Double]
        var cpuSeconds: [Double]
        var peakBytes: Int
    }

    /// Runs a command `runs` times with output discarded: wall time, CPU time (user + system:
    /// what the machine's other load cannot inflate) and peak RSS.
    static func series(_ runs: Int, _ executable: String, _ arguments: [String]) throws -> Series {
        var result = Series(seconds: [], cpuSeconds: [], peakBytes: 0)
        for _ in 0..<max(1, runs) {
            var pid: pid_t = 0
            var actions = posix_spawn_file_actions_t()
            posix_spawn_file_actions_init(&actions)
            defer { posix_spawn_file_actions_destroy(&actions) }
            posix_spawn_file_actions_addopen(&actions, 1, "/dev/null", O_WRONLY, 0)
            posix_spawn_file_actions_addopen(&actions, 2, "/dev/null", O_WRONLY, 0)
            let argv = ([executable] + arguments).map { strdup($0) } + [nil]
            defer { argv.forEach { free($0) } }
            let start = DispatchTime.now().uptimeNanoseconds
            let spawned = posix_spawnp(&pid, executable, &actions, nil, argv, environ)
            guard spawned == 0 else { throw BenchmarkFailure(message: "cannot start \(executable)") }
            var status: Int32 = 0
            var usage = rusage()
            _ = wait4(pid, &status, 0, &usage)
            let wall = Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9
            guard (status >> 8) & 0xff == 0, status & 0x7f == 0 else {
                throw BenchmarkFailure(message: "\(executable) \(arguments.joined(separator: " ")) exited \((status >> 8) & 0xff)")
            }
            let cpu = Double(usage.ru_utime.tv_sec + usage.ru_stime.tv_sec) + Double(usage.ru_utime.tv_usec + usage.ru_stime.tv_usec) / 1e6
            result.seconds.append(wall)
            result.cpuSeconds.append(cpu)
        }
        result.peakBytes = peakResidentBytes(executable, arguments)
        return result
    }

    /// The child's own peak RSS, from GNU time (which forks from a small process). `wait4`'s
    /// `ru_maxrss` after `posix_spawn` is not usable: the vfork child inherits this process's
    /// high-water mark, so every command would look at least as big as the benchmark.
    static func peakResidentBytes(_ executable: String, _ arguments: [String]) -> Int {
        guard FileManager.default.isExecutableFile(atPath: "/usr/bin/time") else { return 0 }
        let output = FileManager.default.temporaryDirectory.appendingPathComponent("jobctl-bench-rss-\(UUID().uuidString)").path
        defer { try? FileManager.default.removeItem(atPath: output) }
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/time")
        process.arguments = ["-f", "%M", "-o", output, executable] + arguments
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        guard (try? process.run()) != nil else { return 0 }
        process.waitUntilExit()
        let text = (try? String(contentsOfFile: output, encoding: .utf8)) ?? ""
        return (Int(text.trimmingCharacters(in: .whitespacesAndNewlines).split(separator: "\n").last ?? "") ?? 0) * 1024
    }

    static func median(_ series: Series) -> Double { BenchmarkSupport.median(series.seconds) }

    static func report(_ label: String, _ series: Series, goal: String = "") {
        let text = String(format: "  %-50@ wall %8.1f ms (%.1f-%.1f)   cpu %8.1f ms   peak RSS %5.1f MB", label as NSString,
                          median(series) * 1000, series.seconds.min()! * 1000, series.seconds.max()! * 1000,
                          BenchmarkSupport.median(series.cpuSeconds) * 1000, Double(series.peakBytes) / 1e6)
        print(goal.isEmpty ? text : text + "   " + goal)
    }

    static func which(_ name: String) -> String? {
        for folder in (ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin").split(separator: ":") {
            let path = "\(folder)/\(name)"
            if FileManager.default.isExecutableFile(atPath: path) { return path }
        }
        return nil
    }

    struct BenchmarkFailure: Error, CustomStringConvertible {
        var message: String
        var description: String { message }
    }

    /// A small deterministic generator, so every run writes the same file.
    struct SplitMix {
        var state: UInt64
        init(seed: UInt64) { state = seed }
        mutating func next() -> UInt64 {
            state &+= 0x9E37_79B9_7F4A_7C15
            var z = state
            z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
            z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
            return z ^ (z >> 31)
        }
    }
}
