import Foundation
import GitStore
import History
import Scheduler

/// Publishing history to a git branch (`history.publish`), in process: the first publish of an
/// N-line history, then publishing `--new` new records onto the branch that holds them, by the
/// running publisher and by a new one (a restarted daemon, which reads where the branch stands
/// from the branch). The branch is the root repository's own (no push: the push's cost is the
/// network's).
///
///     swift build -c release --product jobctl-bench
///     .build/release/jobctl-bench publish [--lines 1000000] [--new 1000] [--runs 5]
enum PublishBenchmark {
    static func run(_ arguments: [String]) async throws {
        let lines = Int(BenchmarkSupport.option("--lines", in: arguments) ?? "") ?? 1_000_000
        let new = Int(BenchmarkSupport.option("--new", in: arguments) ?? "") ?? 1000
        let runs = Int(BenchmarkSupport.option("--runs", in: arguments) ?? "") ?? 5
        let root = try BenchmarkSupport.temporaryFolder("jobctl-bench-publish")
        defer { try? FileManager.default.removeItem(atPath: root) }
        _ = try BenchmarkSupport.captureWithStatus("/usr/bin/env", ["git", "init", "--quiet", root])
        let folder = HistoryFolder(root: root)
        let file = try folder.file(forJob: HistoryBenchmark.job)
        let bytes = try HistoryBenchmark.generate(lines: lines, to: file)
        print("publish: \(lines) lines (\(String(format: "%.0f", Double(bytes) / 1e6)) MB) of one job, then \(new) new records, \(runs) runs; segments of \(HistoryBranch.segmentCap >> 20) MiB")

        let clock = ContinuousClock()
        var publisher = HistoryPublisher(repository: try GitRepository(path: root), history: folder, branch: "jobctl/history", destination: .local)
        let first = try clock.measure { _ = try publisher.publish() }
        print(String(format: "  first publish of %d records: %.2f s", lines, seconds(first)))

        let extra = root + "/new.jsonl"
        var running: [Double] = [], restarted: [Double] = []
        for index in 0..<(runs * 2) {
            _ = try HistoryBenchmark.generate(lines: new, to: extra)
            let handle = try FileHandle(forWritingTo: URL(fileURLWithPath: file))
            try handle.seekToEnd()
            try handle.write(contentsOf: try Data(contentsOf: URL(fileURLWithPath: extra)))
            try handle.close()
            if index % 2 == 1 {
                publisher = HistoryPublisher(repository: try GitRepository(path: root), history: folder, branch: "jobctl/history", destination: .local)
            }
            var outcome: HistoryPublisher.Outcome?
            let time = try clock.measure { outcome = try publisher.publish() }
            guard outcome?.records == new else { throw NSError(domain: "publish", code: 1, userInfo: [NSLocalizedDescriptionKey: "published \(outcome?.records ?? 0) records, not \(new)"]) }
            if index % 2 == 1 { restarted.append(seconds(time) * 1000) } else { running.append(seconds(time) * 1000) }
        }
        let median = BenchmarkSupport.median
        print(String(format: "  %d new records onto %d: %.1f ms median (%.1f-%.1f) by the running publisher; %.1f ms (%.1f-%.1f) by a new one (goal < 200 ms)",
                     new, lines, median(running), running.min()!, running.max()!, median(restarted), restarted.min()!, restarted.max()!))
    }

    static func seconds(_ duration: Duration) -> Double {
        Double(duration.components.seconds) + Double(duration.components.attoseconds) / 1e18
    }
}
