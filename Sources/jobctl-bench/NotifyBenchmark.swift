import Foundation
import Hummingbird
import Synchronization

/// Whether notification delivery slows dispatch: the real daemon (`jobctl serve`, release build)
/// runs 1,000 jobs that all fire every 5 seconds, first without notifications, then — in the
/// same invocation, on a fresh root — with a `notify: [{on: [completed], webhook: …}]` each,
/// delivered to a receiver in this process that takes `--delay` ms to answer every webhook (a
/// slow endpoint, so deliveries overlap the next bursts). Reports, for each phase, the dispatch
/// lag (scheduled second → child running, from each child's `date +%s.%N`) p50/p99/max over every
/// run, and for the second phase how many webhooks arrived and how long after the run finished.
///
///     swift build -c release --product jobctl --product jobctl-bench
///     .build/release/jobctl-bench notify [--jobs 1000] [--seconds 30] [--delay 100]
enum NotifyBenchmark {
    static func run(_ arguments: [String]) async throws {
        let jobs = Int(BenchmarkSupport.option("--jobs", in: arguments) ?? "") ?? 1_000
        let seconds = Int(BenchmarkSupport.option("--seconds", in: arguments) ?? "") ?? 30
        let delay = Int(BenchmarkSupport.option("--delay", in: arguments) ?? "") ?? 100
        let received = Mutex<[(at: Double, body: String)]>([])
        let router = Router()
        router.post("/hook") { request, _ -> String in
            let body = try await request.body.collect(upTo: 1 << 20)
            try await Task.sleep(for: .milliseconds(delay))
            received.withLock { $0.append((Date().timeIntervalSince1970, String(buffer: body))) }
            return "ok"
        }
        let receiver = try await ServerBenchmark.startBare(router)
        defer { Task { await receiver.stop() } }
        print("notify: \(jobs) jobs firing every 5 s for \(seconds) s, each run finishing within a second (`date`)")
        print("  without notifications:")
        let without = try await phase(jobs: jobs, seconds: seconds, hook: nil)
        report("without notifications", without)
        print("  with a webhook each (receiver answers after \(delay) ms):")
        let with = try await phase(jobs: jobs, seconds: seconds, hook: "http://127.0.0.1:\(receiver.port)/hook")
        report("with a webhook each", with)
        // Deliveries still in flight when the daemon stopped are dropped (documented); count what arrived.
        let arrivals = received.withLock { $0 }
        var deliveryLags: [Double] = []
        for arrival in arrivals {
            guard let object = try? JSONSerialization.jsonObject(with: Data(arrival.body.utf8)) as? [String: Any],
                  let record = object["record"] as? [String: Any], let finished = (record["finishedAt"] as? String).flatMap(SchedulerBenchmark.parseTime)
            else { continue }
            deliveryLags.append(arrival.at - finished.timeIntervalSince1970)
        }
        print(String(format: "  webhooks received: %d of %d completed runs; run finished -> webhook answered: p50 %.0f ms  p99 %.0f ms",
                     arrivals.count, with.count, BenchmarkSupport.percentile(deliveryLags, 0.5) * 1000, BenchmarkSupport.percentile(deliveryLags, 0.99) * 1000))
        if !without.isEmpty, !with.isEmpty {
            print(String(format: "  dispatch lag p99 with / without notifications: %.2fx",
                         BenchmarkSupport.percentile(with, 0.99) / BenchmarkSupport.percentile(without, 0.99)))
        }
    }

    static func report(_ title: String, _ lags: [Double]) {
        guard !lags.isEmpty else {
            print("  \(title): no runs recorded")
            return
        }
        print(String(format: "  %@: %d runs, dispatch lag p50 %.0f ms  p99 %.0f ms  max %.0f ms", title, lags.count,
                     BenchmarkSupport.percentile(lags, 0.5) * 1000, BenchmarkSupport.percentile(lags, 0.99) * 1000, lags.max()! * 1000))
    }

    /// One daemon on a fresh root for `seconds`; the lag of every completed run.
    static func phase(jobs: Int, seconds: Int, hook: String?) async throws -> [Double] {
        let root = try BenchmarkSupport.temporaryFolder("jobctl-bench-notify")
        defer { try? FileManager.default.removeItem(atPath: root) }
        try FileManager.default.createDirectory(atPath: root + "/jobs/burst", withIntermediateDirectories: true)
        let notify = hook == nil ? "" : "notify:\n  - {on: [completed], webhook: \"${secrets.HOOK}\"}\n"
        for index in 0..<jobs {
            try Data("schedule: \"*/5 * * * * *\"\n\(notify)steps:\n  - run: [date, \"+%s.%N\"]\n".utf8)
                .write(to: URL(fileURLWithPath: "\(root)/jobs/burst/job-\(index).yaml"))
        }
        try SchedulerBenchmark.commitAndApply(root)
        let serve = try SchedulerBenchmark.Daemon(root: root, arguments: ["serve", "--root", root, "--max-concurrent", "\(jobs)", "--listen", "off"],
                                                  environment: hook.map { ["JOBCTL_SECRET_HOOK": $0] } ?? [:])
        try await serve.waitForOutput("running \(jobs) applied jobs", within: 120)
        let cpuBefore = serve.cpuSeconds()
        try await Task.sleep(for: .seconds(seconds))
        print(String(format: "  daemon CPU over the %d s: %.1f s", seconds, serve.cpuSeconds() - cpuBefore))
        serve.stop()
        var lags: [Double] = []
        for index in 0..<jobs {
            guard let text = try? String(contentsOfFile: "\(root)/history/burst/job-\(index).jsonl", encoding: .utf8) else { continue }
            for line in text.split(separator: "\n") {
                guard let (record, lag) = SchedulerBenchmark.lag(of: line, root: root),
                      record["status"] as? String == "completed", record["trigger"] as? String == "schedule" else { continue }
                lags.append(lag)
            }
        }
        return lags
    }
}
