import ArgumentParser
import Definitions
import History

struct SchemaCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "schema",
        abstract: "Print the JSON Schema (2020-12) of job files, of jobctl.yaml with --config, or of a history line with --history.",
        discussion: "Generated from the same shapes the loader reads files with (and, for --history, from the run record model), so it cannot drift."
    )

    @Flag(help: "The schema of jobctl.yaml instead of job files.")
    var config = false

    @Flag(help: "The schema of a run record: one line of history/<job>.jsonl.")
    var history = false

    func validate() throws {
        if config && history { throw ValidationError("give --config or --history, not both") }
    }

    func run() throws {
        if history {
            print(RunRecordSchema.render())
            return
        }
        print(JSONSchemaGenerator.render(config ? JSONSchemaGenerator.configSchema() : JSONSchemaGenerator.jobSchema()))
    }
}
