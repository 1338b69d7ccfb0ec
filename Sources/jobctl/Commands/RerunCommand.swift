import ArgumentParser
import Definitions
import Foundation
import History
import Scheduler
import Server

/// `jobctl rerun RUN`: the same job with the same parameters (and matrix cell) as a recorded
/// run, against the applied definition; an event-triggered run's payload is replayed.
struct RerunCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "rerun",
        abstract: "Run a recorded run again: same job, parameters and matrix cell; an event's payload replayed.",
        discussion: """
        The re-run is recorded with trigger rerun and rerunOf naming the original. It runs the
        definition applied now, or with --at-commit the definition of the original run's commit,
        read from git (recorded as the re-run's commit); policies (concurrency, rate limit) hold
        as for any run. A run whose
        event payload was kept truncated (over 64 KiB) or removed cannot be replayed.
        Exit status: 0 when it started (with --wait: when it completed), 1 otherwise.
          jobctl rerun 20261122T081500.004Z-7k2m9q4x --wait
        """
    )

    @OptionGroup var rootOptions: RootOptions

    @Argument(help: ArgumentHelp("The run id (from jobctl history).", valueName: "RUN"))
    var runID: String

    @Flag(help: "Exit with the run's outcome: 0 only when it completed.")
    var wait = false

    @Flag(help: "Run the definition of the original run's commit (read from git) instead of the applied one.")
    var atCommit = false

    @Option(help: ArgumentHelp("Re-run on this jobctl serve through its API (default: $JOBCTL_SERVER when set), token from JOBCTL_TOKEN.", valueName: "URL"))
    var server: String?

    func validate() throws {
        guard RunID.isValid(runID) else { throw ValidationError("'\(runID)' is not a run id") }
    }

    func run() async throws {
        if let server = server ?? ProcessInfo.processInfo.environment["JOBCTL_SERVER"] {
            let client = try ServerOptions(server: server).client()
            let reply = try await ServerReply.send(client, "POST", "/api/runs/\(runID)/rerun" + (atCommit ? "?atCommit=true" : ""))
            let runs = try ServerReply.startedRuns(reply)
            for run in runs { print(run) }
            if wait, !(try await ServerReply.waitUntilRecorded(runs, client: client)) { throw ExitCode(1) }
            return
        }
        let source: RerunSource
        var definition: (job: JobDefinition, commit: String)?
        do {
            source = try RerunSource.load(run: runID, history: try rootOptions.historyFolder())
            if atCommit { definition = try source.definitionAtItsCommit(root: rootOptions.folder.path) }
        } catch let problem as RerunSource.Problem {
            Console.error("error: \(problem.message)")
            throw ExitCode(1)
        }
        try await RunCommand.runHere(wait: wait) { [definition] started in
            try await RunInProcess.run(root: rootOptions.folder.path, job: source.job, parameters: source.parameters, draft: false, atCommit: definition,
                                       trigger: .rerun, event: source.event, rerunOf: runID, started: started)
        }
    }
}
