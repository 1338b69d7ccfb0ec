import Foundation
import History

/// Reading history lines: the hand-written decoder over ``JSONScanner`` (what `jobctl history`,
/// `check`, claims and retention use) next to Foundation's `JSONDecoder` on the same lines
/// (`RunRecord`'s `Decodable`), in process, CPU time of one thread.
///
///     swift build -c release --product jobctl-bench
///     .build/release/jobctl-bench json [--lines 200000] [--runs 5]
enum JSONBenchmark {
    static func run(_ arguments: [String]) async throws {
        let count = Int(BenchmarkSupport.option("--lines", in: arguments) ?? "") ?? 200_000
        let runs = Int(BenchmarkSupport.option("--runs", in: arguments) ?? "") ?? 5
        let ids = RunIDGenerator()
        let start = Date(timeIntervalSince1970: 1_780_000_000)
        let lines: [String] = (0..<count).map { index in
            let at = start.addingTimeInterval(Double(index) * 60)
            return RunRecord(run: ids.next(at: at), job: "reports/paid-search", trigger: .schedule, status: index % 10 == 0 ? .failed : .completed,
                             scheduledFor: at, startedAt: at.addingTimeInterval(0.004), finishedAt: at.addingTimeInterval(12.3), durationMs: 12_306,
                             exitCode: index % 10 == 0 ? 2 : 0, attempt: 1, params: ["market": .string("NL"), "days": .integer(7)],
                             fanout: Fanout(index: 1, of: 3, key: "market=NL", group: "g"), commit: "5f0c7e2a9b",
                             steps: [StepRecord(name: "extract", status: .completed, exitCode: 0, durationMs: 12_001)],
                             log: "history/reports/paid-search/x.log", node: "host").jsonLine
        }
        let bytes = lines.reduce(0) { $0 + $1.utf8.count + 1 }
        print("json: \(count) history lines, \(bytes / count) bytes a line; CPU seconds of one thread, median of \(runs) runs")
        let scanner = measure(runs) {
            var failed = 0
            for line in lines where (try? RunRecord(jsonLine: line)) == nil { failed += 1 }
            precondition(failed == 0)
        }
        let datas = lines.map { Data($0.utf8) }
        let foundation = measure(runs) {
            let decoder = JSONDecoder()
            var failed = 0
            for data in datas where (try? decoder.decode(RunRecord.self, from: data)) == nil { failed += 1 }
            precondition(failed == 0)
        }
        print(String(format: "  JSONScanner record decoder: %.3f s (%.2f µs a line)", scanner, scanner / Double(count) * 1e6))
        print(String(format: "  Foundation JSONDecoder:     %.3f s (%.2f µs a line)", foundation, foundation / Double(count) * 1e6))
        print(String(format: "  the hand-written decoder is %.1fx faster", foundation / scanner))
        print("reproduce: swift build -c release --product jobctl-bench && .build/release/jobctl-bench json --lines \(count) --runs \(runs)")
    }

    /// Median CPU seconds (user + system of this process) of `runs` calls of `body`.
    static func measure(_ runs: Int, _ body: () -> Void) -> Double {
        var samples: [Double] = []
        for _ in 0..<runs {
            let before = BenchmarkSupport.processCPUSeconds()
            body()
            samples.append(BenchmarkSupport.processCPUSeconds() - before)
        }
        return BenchmarkSupport.median(samples)
    }
}
