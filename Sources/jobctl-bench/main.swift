// jobctl-bench: the benchmarks of jobctl, run in release mode:
//   swift run -c release jobctl-bench <suite> [options]
// Each suite prints its figures and the command that reproduces them.
import Foundation

let arguments = Array(CommandLine.arguments.dropFirst())
let suites: [String: ([String]) async throws -> Void] = [
    "validate": ValidateBenchmark.run,
    "scheduler": SchedulerBenchmark.run,
    "notify": NotifyBenchmark.run,
    "soak": SoakBenchmark.run,
    "schedules": ScheduleBenchmark.run,
    "reconcile": ReconcileBenchmark.run,
    "history": HistoryBenchmark.run,
    "json": JSONBenchmark.run,
    "server": ServerBenchmark.run,
    "remote": RemoteBenchmark.run,
    "publish": PublishBenchmark.run,
    "dashboard": DashboardBenchmark.run,
]
guard let name = arguments.first, let suite = suites[name] else {
    let names = suites.keys.sorted().joined(separator: " | ")
    FileHandle.standardError.write(Data("usage: jobctl-bench <\(names)> [options]\n".utf8))
    exit(2)
}
try await suite(Array(arguments.dropFirst()))
