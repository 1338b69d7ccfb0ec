import Foundation

/// `jobctl validate` of a root with N job files, as a whole process: wall time and peak memory.
///
///     swift build -c release --product jobctl && swift run -c release jobctl-bench validate [--jobs 10000] [--runs 5] [--write-root FOLDER]
enum ValidateBenchmark {
    static func run(_ arguments: [String]) async throws {
        let jobs = Int(BenchmarkSupport.option("--jobs", in: arguments) ?? "") ?? 10_000
        let runs = Int(BenchmarkSupport.option("--runs", in: arguments) ?? "") ?? 5
        if let folder = BenchmarkSupport.option("--write-root", in: arguments) {
            // Only generate the root, e.g. to profile `jobctl validate --root FOLDER` by hand.
            try writeRoot(at: folder, jobs: jobs)
            return
        }
        let root = try BenchmarkSupport.temporaryFolder("jobctl-bench-validate")
        defer { try? FileManager.default.removeItem(atPath: root) }
        try writeRoot(at: root, jobs: jobs)

        var times: [Double] = []
        var peak = 0
        for _ in 0..<runs {
            let run = try BenchmarkSupport.measure(BenchmarkSupport.jobctl, ["validate", "--root", root])
            guard run.status == 0 else {
                print("validate exited \(run.status); the generated root should be valid")
                exit(1)
            }
            times.append(run.seconds)
            peak = max(peak, run.peakBytes)
        }
        print("validate, \(jobs) job files, whole process, \(runs) runs")
        print(String(format: "  median %.3f s   min %.3f s   max %.3f s   peak RSS %.1f MB", BenchmarkSupport.median(times), times.min()!, times.max()!, Double(peak) / 1e6))
    }

    /// A realistic mix: cron and interval schedules, params, matrix, env, conditions, needs chains.
    static func writeRoot(at root: String, jobs: Int) throws {
        let manager = FileManager.default
        try manager.createDirectory(atPath: root, withIntermediateDirectories: true)
        try Data("timezone: Europe/Amsterdam\nagents:\n  analyst: {run: [cat]}\n".utf8).write(to: URL(fileURLWithPath: root + "/jobctl.yaml"))
        for index in 0..<jobs {
            let team = "team-\(index % 50)"
            let folder = root + "/jobs/" + team
            if index < 50 { try manager.createDirectory(atPath: folder, withIntermediateDirectories: true) }
            let needs = index % 10 == 1 ? "needs: [team-\((index - 1) % 50)/job-\(index - 1)]\n" : ""
            let text = """
            name: Job \(index)
            description: Generated job number \(index) for the validate benchmark.
            schedule:
              cron: "\(index % 60) \(index % 24) * * 1-5"
              timezone: Europe/Amsterdam
              jitter: 30s
            params:
              market: {default: NL, allowed: [NL, BE, DE]}
              days: {type: number, default: 7}
            matrix:
              market: [NL, BE, DE]
            \(needs)concurrency: skip
            timeout: 30m
            retries: {max: 3, backoff: 30s}
            steps:
              - name: extract
                run: [python3, extract.py, --market, "{{params.market}}", --days, "{{params.days}}"]
              - name: summarise
                run: ./summarise.sh
                env: {MARKET: "{{params.market}}"}
              - name: ask
                agent: analyst
                prompt: "Analyse paid search for {{params.market}} over the past {{params.days}} days"
                if: steps.extract.status == "completed" and params.days > 3

            """
            try Data(text.utf8).write(to: URL(fileURLWithPath: "\(folder)/job-\(index).yaml"))
        }
    }
}
