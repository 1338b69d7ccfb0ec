import Foundation

/// `jobctl plan` and `jobctl apply` after a one-file commit in a root of N jobs, as whole
/// processes, next to `git diff --stat` of the same two commits (the floor); and the first
/// full apply of the root.
///
///     swift build -c release --product jobctl && swift build -c release --product jobctl-bench
///     .build/release/jobctl-bench reconcile [--jobs 1000,10000,50000] [--runs 5] [--keep]
enum ReconcileBenchmark {
    static func run(_ arguments: [String]) async throws {
        let sizes = (BenchmarkSupport.option("--jobs", in: arguments) ?? "1000,10000,50000")
            .split(separator: ",").compactMap { Int($0) }
        let runs = Int(BenchmarkSupport.option("--runs", in: arguments) ?? "") ?? 5
        print("reconcile: whole processes, median of \(runs) runs (min-max); jobctl at \(BenchmarkSupport.jobctl)")
        print("  wall time; [CPU time, user+sys] for jobctl; the floor: `jobctl --version` \(floor())")
        print("  jobs    first apply                 plan (1 file)               apply (1 file)              plan, no cache              git diff --stat       plan/git (wall)")
        for jobs in sizes {
            try measure(jobs: jobs, runs: runs, keep: arguments.contains("--keep"))
        }
    }

    static func measure(jobs: Int, runs: Int, keep: Bool) throws {
        let folder = try BenchmarkSupport.temporaryFolder("jobctl-bench-reconcile")
        defer { if keep { print("  kept \(folder)") } else { try? FileManager.default.removeItem(atPath: folder) } }
        try git(["init", "--quiet", "--initial-branch=main"], in: folder)
        try ValidateBenchmark.writeRoot(at: folder, jobs: jobs)
        try git(["add", "-A"], in: folder)
        try git(["commit", "--quiet", "-m", "\(jobs) jobs"], in: folder)
        let cache = folder + "/.git/jobctl"

        // First full apply: no ref and no cache, every file parsed.
        var first: [Sample] = []
        for _ in 0..<runs {
            try? git(["update-ref", "-d", "refs/jobctl/applied"], in: folder)
            try? FileManager.default.removeItem(atPath: cache)
            first.append(try timed(["apply", "--root", folder], expect: 0))
        }

        // A one-file commit: job 7's schedule moves by an hour.
        let file = folder + "/jobs/team-7/job-7.yaml"
        let text = try String(contentsOfFile: file, encoding: .utf8)
            .replacingOccurrences(of: "cron: \"7 7 * * 1-5\"", with: "cron: \"7 8 * * 1-5\"")
        try text.write(toFile: file, atomically: true, encoding: .utf8)
        try git(["commit", "--quiet", "-am", "job 7 at 08:07"], in: folder)

        var plan: [Sample] = []
        var gitDiff: [Double] = []
        var apply: [Sample] = []
        var coldPlan: [Sample] = []
        for _ in 0..<runs {
            plan.append(try timed(["plan", "--root", folder], expect: 2))
            let run = try BenchmarkSupport.measure("git", ["diff", "--stat", "HEAD~1", "HEAD"], in: folder)
            gitDiff.append(run.seconds)
            apply.append(try timed(["apply", "--root", folder], expect: 0))
            try git(["update-ref", "refs/jobctl/applied", "HEAD~1"], in: folder)
        }
        // Without the tree summary of the applied commit, a plan parses the applied tree once.
        for _ in 0..<max(1, runs / 2) {
            let summaries = cache + "/cache/trees"
            for name in (try? FileManager.default.contentsOfDirectory(atPath: summaries)) ?? [] {
                try? FileManager.default.removeItem(atPath: summaries + "/" + name)
            }
            coldPlan.append(try timed(["plan", "--root", folder], expect: 2))
        }
        func cell(_ samples: [Sample]) -> String {
            let wall = samples.map(\.wall), cpu = samples.map(\.cpu)
            return String(format: "%.3f s (%.3f-%.3f) [%.3f]", BenchmarkSupport.median(wall), wall.min()!, wall.max()!, BenchmarkSupport.median(cpu))
        }
        let gitCell = String(format: "%.4f s (%.4f-%.4f)", BenchmarkSupport.median(gitDiff), gitDiff.min()!, gitDiff.max()!)
        let ratio = BenchmarkSupport.median(plan.map(\.wall)) / BenchmarkSupport.median(gitDiff)
        print(String(format: "%6d", jobs) + "   " + [cell(first), cell(plan), cell(apply), cell(coldPlan), gitCell].joined(separator: "   ")
              + String(format: "   %.1fx", ratio))
    }

    struct Sample {
        var wall: Double
        var cpu: Double
    }

    private static func timed(_ arguments: [String], expect status: Int32) throws -> Sample {
        let run = try BenchmarkSupport.measure(BenchmarkSupport.jobctl, arguments)
        guard run.status == status else {
            print("jobctl \(arguments.joined(separator: " ")) exited \(run.status), expected \(status)")
            exit(1)
        }
        return Sample(wall: run.seconds, cpu: run.cpuSeconds)
    }

    /// Process start-up alone: the median of 5 runs of `jobctl --version`.
    private static func floor() -> String {
        let runs = (0..<5).compactMap { _ in try? BenchmarkSupport.measure(BenchmarkSupport.jobctl, ["--version"]) }
        guard !runs.isEmpty else { return "n/a" }
        return String(format: "%.3f s [%.3f]", BenchmarkSupport.median(runs.map(\.seconds)), BenchmarkSupport.median(runs.map(\.cpuSeconds)))
    }

    /// Fixtures only: the benchmark builds its repository with the git command line.
    private static func git(_ arguments: [String], in directory: String) throws {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["git", "-c", "user.name=bench", "-c", "user.email=bench@example.com"] + arguments
        process.currentDirectoryURL = URL(fileURLWithPath: directory)
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        try process.run()
        process.waitUntilExit()
        guard process.terminationStatus == 0 else {
            throw NSError(domain: "git", code: Int(process.terminationStatus), userInfo: [NSLocalizedDescriptionKey: "git \(arguments.joined(separator: " ")) failed"])
        }
    }
}
