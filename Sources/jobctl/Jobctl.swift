import ArgumentParser

/// The `jobctl` command: argument parsing and printing only. Every subcommand turns its flags
/// into a value, makes one library call, and maps domain errors to exit codes.
@main
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

enum JobctlVersion {
    static let current = "0.1.0"
}
