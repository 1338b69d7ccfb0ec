import Crypto
import Foundation
import Schedules

/// `jobctl serve --remote`: push-to-applied latency by polling and by the push webhook, and the
/// fetch and the validate-and-apply of a one-file push into a root of N jobs, next to
/// `git fetch` of the same push into a bare mirror (the floor).
///
///     swift build -c release --product jobctl && swift build -c release --product jobctl-bench
///     .build/release/jobctl-bench remote [--jobs 10000] [--runs 5] [--poll 1s]
///
/// The forge is a bare repository over file://; each run pushes a commit that changes one job's
/// schedule (by polling, at a random moment of the poll interval), then waits for the daemon's `remote: applied <sha>` line, which carries the fetch
/// and apply times measured inside the daemon.
enum RemoteBenchmark {
    static func run(_ arguments: [String]) async throws {
        let jobs = Int(BenchmarkSupport.option("--jobs", in: arguments) ?? "") ?? 10_000
        let runs = Int(BenchmarkSupport.option("--runs", in: arguments) ?? "") ?? 5
        let poll = BenchmarkSupport.option("--poll", in: arguments) ?? "1s"
        let pollMilliseconds = Int((try? JobDuration(poll))?.milliseconds ?? 1000)
        let folder = try BenchmarkSupport.temporaryFolder("jobctl-bench-remote")
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let forge = folder + "/forge.git", work = folder + "/work", floorMirror = folder + "/floor.git"
        try git(["init", "--quiet", "--bare", "--initial-branch=main", forge], in: folder)
        try FileManager.default.createDirectory(atPath: work, withIntermediateDirectories: true)
        try git(["init", "--quiet", "--initial-branch=main"], in: work)
        try ValidateBenchmark.writeRoot(at: work, jobs: jobs)
        try git(["add", "-A"], in: work)
        try git(["commit", "--quiet", "-m", "\(jobs) jobs"], in: work)
        try git(["push", "--quiet", forge, "main"], in: work)
        try git(["init", "--quiet", "--bare", floorMirror], in: folder)
        try git(["fetch", "--quiet", "file://" + forge, "+refs/heads/main:refs/remotes/origin/main"], in: floorMirror)
        print("remote: \(jobs) jobs, \(runs) one-file pushes per mode, forge over file://; jobctl at \(BenchmarkSupport.jobctl)")

        for mode in ["poll", "webhook"] {
            let root = folder + "/daemon-\(mode)"
            let log = folder + "/\(mode).log"
            let daemon = try startDaemon(root: root, forge: forge, poll: mode == "poll" ? poll : "1h", log: log)
            defer { daemon.terminate(); daemon.waitUntilExit() }
            let firstApply = try await waitFor(log: log, line: "remote: applied ", after: 0)
            let port = try await waitForPort(log: log)
            print("  \(mode): first apply of \(jobs) jobs: \(firstApply.detail)")
            var latencies: [Double] = [], fetches: [Double] = [], applies: [Double] = [], floors: [Double] = []
            for index in 0..<runs {
                // Push at a random phase of the poll, so that the figure is not locked to this loop's rhythm.
                if mode == "poll" { try await Task.sleep(for: .milliseconds(Int.random(in: 0..<max(1, pollMilliseconds)))) }
                let sha = try pushOneFileChange(work: work, forge: forge, index: index, mode: mode)
                let pushed = Date()
                if mode == "webhook" { try postPush(port: port) }
                let applied = try await waitFor(log: log, line: "remote: applied \(sha.prefix(7))", after: 0)
                latencies.append(applied.time.timeIntervalSince(pushed))
                fetches.append(applied.fetchMilliseconds)
                applies.append(applied.applyMilliseconds)
                let floor = try BenchmarkSupport.measure("git", ["fetch", "--quiet", "file://" + forge, "+refs/heads/main:refs/remotes/origin/main"], in: floorMirror)
                floors.append(floor.seconds * 1000)
            }
            let median = BenchmarkSupport.median
            print(String(format: "  %@: push to applied %.0f ms median (%.0f-%.0f); inside the daemon: fetch %.1f ms, validate and apply %.1f ms; `git fetch` of the same push %.1f ms (floor); fetch/git %.2fx",
                         mode, median(latencies) * 1000, latencies.min()! * 1000, latencies.max()! * 1000,
                         median(fetches), median(applies), median(floors), median(fetches) / median(floors)))
        }
    }

    struct Applied {
        var time: Date
        var fetchMilliseconds: Double
        var applyMilliseconds: Double
        var detail: String
    }

    static func startDaemon(root: String, forge: String, poll: String, log: String) throws -> Process {
        FileManager.default.createFile(atPath: log, contents: nil)
        let process = Process()
        process.executableURL = URL(fileURLWithPath: BenchmarkSupport.jobctl)
        process.arguments = ["serve", "--root", root, "--remote", "file://" + forge, "--poll", poll, "--listen", "127.0.0.1:0"]
        process.environment = ProcessInfo.processInfo.environment.merging(["JOBCTL_SECRET_GIT_PUSH_WEBHOOK": "bench-secret"]) { $1 }
        let handle = try FileHandle(forWritingTo: URL(fileURLWithPath: log))
        process.standardOutput = handle
        process.standardError = handle
        try process.run()
        return process
    }

    /// Waits for a log line containing `line`; parses its time and the fetch and apply times.
    static func waitFor(log: String, line: String, after: Int) async throws -> Applied {
        let deadline = Date().addingTimeInterval(600)
        while Date() < deadline {
            let text = (try? String(contentsOfFile: log, encoding: .utf8)) ?? ""
            if let found = text.split(separator: "\n").first(where: { $0.contains(line) }) {
                let seen = Date()
                let stamp = ISO8601DateFormatter.withFractions.date(from: String(found.prefix { $0 != " " })) ?? seen
                return Applied(time: stamp, fetchMilliseconds: number(after: "fetch ", in: found), applyMilliseconds: number(after: "validate and apply ", in: found),
                               detail: String(found.drop { $0 != "(" }))
            }
            try await Task.sleep(for: .milliseconds(2))
        }
        throw NSError(domain: "remote", code: 1, userInfo: [NSLocalizedDescriptionKey: "no '\(line)' in \(log)"])
    }

    static func waitForPort(log: String) async throws -> Int {
        for _ in 0..<30_000 {
            let text = (try? String(contentsOfFile: log, encoding: .utf8)) ?? ""
            if let range = text.range(of: "listening on http://127.0.0.1:"), let port = Int(text[range.upperBound...].prefix { $0.isNumber }) { return port }
            try await Task.sleep(for: .milliseconds(2))
        }
        throw NSError(domain: "remote", code: 2, userInfo: [NSLocalizedDescriptionKey: "the daemon does not listen"])
    }

    static func number(after prefix: String, in line: Substring) -> Double {
        guard let range = line.range(of: prefix) else { return .nan }
        return Double(line[range.upperBound...].prefix { $0.isNumber || $0 == "." }) ?? .nan
    }

    static func pushOneFileChange(work: String, forge: String, index: Int, mode: String) throws -> String {
        let file = work + "/jobs/team-7/job-7.yaml"
        var text = try String(contentsOfFile: file, encoding: .utf8)
        if let range = text.range(of: #"cron: "7 \d+ "#, options: .regularExpression) {
            text.replaceSubrange(range, with: "cron: \"7 \((index + (mode == "poll" ? 1 : 13)) % 24) ")
        }
        try text.write(toFile: file, atomically: true, encoding: .utf8)
        try git(["commit", "--quiet", "-am", "\(mode) \(index)"], in: work)
        try git(["push", "--quiet", forge, "main"], in: work)
        return try output(["rev-parse", "HEAD"], in: work)
    }

    static func postPush(port: Int) throws {
        let body = #"{"ref":"refs/heads/main"}"#
        let signature = HMAC<SHA256>.authenticationCode(for: Array(body.utf8), using: SymmetricKey(data: Array("bench-secret".utf8)))
            .map { String(format: "%02x", $0) }.joined()
        let run = try BenchmarkSupport.measure("curl", ["-s", "-o", "/dev/null", "-X", "POST", "-H", "X-Hub-Signature-256: sha256=\(signature)",
                                                        "-H", "Content-Type: application/json", "-d", body, "http://127.0.0.1:\(port)/api/git/push"])
        guard run.status == 0 else { throw NSError(domain: "remote", code: 3, userInfo: [NSLocalizedDescriptionKey: "curl failed"]) }
    }

    static func git(_ arguments: [String], in directory: String) throws {
        _ = try output(arguments, in: directory)
    }

    static func output(_ arguments: [String], in directory: String) throws -> String {
        let run = try BenchmarkSupport.captureWithStatus("/usr/bin/env", ["git", "-c", "user.name=bench", "-c", "user.email=bench@example.com"] + arguments, in: directory)
        guard run.status == 0 else {
            throw NSError(domain: "git", code: Int(run.status), userInfo: [NSLocalizedDescriptionKey: "git \(arguments.joined(separator: " ")) failed"])
        }
        return run.output.trimmingCharacters(in: .whitespacesAndNewlines)
    }
}

extension ISO8601DateFormatter {
    /// `2026-12-01T10:17:12.818Z`, the daemon's log time stamps.
    nonisolated(unsafe) static let withFractions: ISO8601DateFormatter = {
        let formatter = ISO8601DateFormatter()
        formatter.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
        return formatter
    }()
}
