import ArgumentParser
import Dispatch

/// The `jobctl` command: argument parsing and printing only. Every subcommand turns its flags
/// into a value, makes one library call, and maps domain errors to exit codes.
struct Jobctl: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "jobctl",
        abstract: "A file-driven GitOps job runner: job definitions are YAML files in git.",
        version: JobctlVersion.current,
        subcommands: [
            ValidateCommand.self,
            SchemaCommand.self,
            InitCommand.self,
            StatusCommand.self,
            DiffCommand.self,
            PlanCommand.self,
            ApplyCommand.self,
            HooksCommand.self,
            FireTimesCommand.self,
            HistoryCommand.self,
            CheckCommand.self,
            LogsCommand.self,
            ServeCommand.self,
            RunCommand.self,
            RerunCommand.self,
            PauseCommand.self,
            ResumeCommand.self,
            TriggerCommand.self,
            CancelCommand.self,
            TokenCommand.self,
            MCPCommand.self,
        ]
    )
}

/// The entry point. A command with a synchronous `run` (and `--version`, `--help`, usage errors)
/// runs on the main thread and exits: no concurrency runtime, no worker threads, no unwinding of
/// the main thread — an async `main` costs all three at every start, about 2 ms of CPU. A command
/// with an async `run` gets a task, with the main thread parked in `dispatchMain` as an async
/// `main` would have it.
@main
enum JobctlMain {
    static func main() {
        let parsed: any ParsableCommand
        do {
            parsed = try Jobctl.parseAsRoot()
        } catch {
            Jobctl.exit(withError: error)
        }
        if let command = parsed as? any AsyncParsableCommand {
            nonisolated(unsafe) var running = command
            Task {
                do { try await running.run() } catch { Jobctl.exit(withError: error) }
                Jobctl.exit()
            }
            dispatchMain()
        }
        var command = parsed
        do { try command.run() } catch { Jobctl.exit(withError: error) }
        Jobctl.exit()
    }
}

enum JobctlVersion {
    static let current = "0.1.0"
}
