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

    func run() async throws {
        if !draft, let server = server ?? ProcessInfo.processInfo.environment["JOBCTL_SERVER"] {
            return try await runOnServer(server)
        }
        let root = rootOptions.folder.path
        guard let id = JobID(job) else {
            Console.error("error: \(JobID.problem(with: job) ?? "invalid job id")")
            throw ExitCode(1)
        }
        let state: AppliedState
        do {
            state = try loadState(root: root, id: id)
        } catch let failure as Failure {
            Console.error("error: \(failure.message)")
            throw ExitCode(1)
        }
        guard let definition = state.definitions.jobs[id] else {
            Console.error("error: no \(draft ? "valid job" : "applied job") '\(id)' in \(root)\(draft ? "" : " (try --draft for the working tree)")")
            throw ExitCode(1)
        }
        var values: [String: ParameterValue] = [:]
        for pair in parameters {
            guard let equals = pair.firstIndex(of: "=") else {
                Console.error("error: --param '\(pair)': write NAME=VALUE")
                throw ExitCode(1)
            }
            let name = String(pair[..<equals]), text = String(pair[pair.index(after: equals)...])
            guard let parameter = definition.parameter(named: name) else {
                let known = definition.parameters.map(\.name)
                Console.error("error: --param '\(name)': unknown parameter; '\(id)' \(known.isEmpty ? "has no parameters" : "has \(known.joined(separator: ", "))")")
                throw ExitCode(1)
            }
            guard let value = ParameterValue.parse(text, as: parameter.type) else {
                Console.error("error: --param \(name)=\(text): '\(name)' is a \(parameter.type.rawValue)")
                throw ExitCode(1)
            }
            values[name] = value
        }
        let history = try rootOptions.historyFolder()
        let stores = Scheduler.Stores.files(root: root, history: history)
        if definition.concurrency != .allow, let inFlight = try? await stores.inFlight.list(), let other = inFlight.first(where: { $0.job == id.rawValue }) {
            let message = "run \(other.run) of \(id) is in progress (concurrency: \(definition.concurrency.rawValue)); not started"
            let now = Date()
            try? await stores.recorder.append(RunRecord(run: RunIDGenerator().next(at: now), job: id.rawValue, trigger: .manual, status: .skipped,
                                                        finishedAt: now, commit: state.commit, warnings: [message]))
            Console.error("refused: \(message)")
            throw ExitCode(1)
        }
        let scheduler = Scheduler(root: root, clock: SystemClock(), stores: stores, performer: ExecutionPerformer(),
                                  options: Scheduler.Options(node: ProcessInfo.processInfo.hostName))
        await scheduler.load(state, catchingUp: false)
        let runIDs: [String]
        do {
            runIDs = try await scheduler.trigger(id, trigger: .manual, parameters: values)
        } catch {
            Console.error("refused: \(error.message)")
            throw ExitCode(1)
        }
        for runID in runIDs { print(runID) }
        await scheduler.waitUntilIdle()
        let reader = HistoryReader(folder: history)
        var allCompleted = true
        for runID in runIDs {
            let record = try? reader.lastRecord(job: id.rawValue) { $0.run == runID }
            let status = record?.status.rawValue ?? "unknown"
            if record?.status != .completed { allCompleted = false }
            Console.error("\(runID) \(status)\(record?.error.map { ": \($0)" } ?? "")\(record?.log.map { " (log: \($0))" } ?? "")")
        }
        if wait && !allCompleted { throw ExitCode(1) }
    }

    struct Failure: Error {
        var message: String
    }

    private func loadState(root: String, id: JobID) throws -> AppliedState {
        if draft {
            let set: DefinitionSet
            do { set = try RootFolder(path: root).load() } catch { throw Failure(message: error.description) }
            let problems = set.diagnostics.filter { $0.severity == .error && $0.file.hasPrefix("jobs/\(id).") || $0.severity == .error && $0.file == "jobctl.yaml" }
            if !problems.isEmpty {
                throw Failure(message: "the working-tree definition is invalid:\n" + problems.map(\.description).joined(separator: "\n"))
            }
            return AppliedState(commit: nil, definitions: set, appliedAt: Date())
        }
        let source = GitAppliedStateSource(root: root, autoApply: false) { Console.error($0) }
        let loaded: AppliedState?
        do { loaded = try source.refresh(known: nil) } catch { throw Failure(message: "\(error)") }
        guard let loaded else {
            throw Failure(message: "\(root) has no applied state yet; run `jobctl apply` first, or `jobctl run --draft \(id)` to try the working tree")
        }
        return loaded
    }
}
