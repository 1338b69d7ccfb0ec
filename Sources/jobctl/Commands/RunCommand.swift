import ArgumentParser
import Definitions
import Foundation
import History
import Scheduler

struct RunCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "run",
        abstract: "Run a job now, in this process, and record it (trigger manual).",
        discussion: """
        Runs the applied definition, or with --draft the working-tree version (to try a change
        before committing it). The run is recorded in history like any other, and the job's
        concurrency policy holds against a daemon running the same job on this root: with a run
        of it in flight, `skip`, `queue` and `replace` refuse (recorded skipped), `allow` runs.
        The command returns when the run has finished. Exit status: 0 when it started (with
        --wait: when it completed), 1 when it was refused or, with --wait, did not complete.
        """
    )

    @OptionGroup var rootOptions: RootOptions

    @Argument(help: "The job id, e.g. reports/weekly-summary.")
    var job: String

    @Option(name: .customLong("param"), help: ArgumentHelp("A parameter value, NAME=VALUE (repeatable).", valueName: "NAME=VALUE"))
    var parameters: [String] = []

    @Flag(help: "Run the working-tree definition instead of the applied one.")
    var draft = false

    @Flag(help: "Exit with the run's outcome: 0 only when every run completed.")
    var wait = false

    @Option(help: ArgumentHelp("Start the run on this jobctl serve through its API (trigger api; default: $JOBCTL_SERVER when set), token from JOBCTL_TOKEN.", valueName: "URL"))
    var server: String?

    @Flag(help: "Start even when the job's rate limit is reached (the record says so).")
    var force = false

    func run() async throws {
        if !draft, let server = server ?? ProcessInfo.processInfo.environment["JOBCTL_SERVER"] {
            return try await runOnServer(server)
        }
        guard let id = JobID(job) else {
            Console.error("error: \(JobID.problem(with: job) ?? "invalid job id")")
            throw ExitCode(1)
        }
        let inputs: [String: ParameterInput]
        do { inputs = try ParameterResolver.pairs(parameters) } catch {
            Console.error("error: \(error.message)")
            throw ExitCode(1)
        }
        try await Self.runHere(wait: wait) { started in
            try await RunInProcess.run(root: rootOptions.folder.path, job: id, parameters: inputs, draft: draft, force: force, started: started)
        }
    }

    /// Runs `body` (a ``RunInProcess`` call), printing each run id as it starts and each final
    /// record to stderr; a refusal or failure exits 1, and so, with `wait`, does a run that did
    /// not complete.
    static func runHere(wait: Bool, _ body: (@escaping @Sendable ([String]) -> Void) async throws -> [RunRecord]) async throws {
        let records: [RunRecord]
        do {
            records = try await body { runs in for run in runs { print(run) } }
        } catch let failure as RunInProcess.Failure {
            Console.error(failure.refused ? "refused: \(failure.message)" : "error: \(failure.message)")
            throw ExitCode(1)
        }
        for record in records {
            Console.error("\(record.run) \(record.status.rawValue)\(record.error.map { ": \($0)" } ?? "")\(record.log.map { " (log: \($0))" } ?? "")")
        }
        if wait && !records.allSatisfy({ $0.status == .completed }) { throw ExitCode(1) }
    }
}
