import ArgumentParser
import Definitions

struct SchemaCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "schema",
        abstract: "Print the JSON Schema (2020-12) of job files, or of jobctl.yaml with --config.",
        discussion: "Generated from the same shapes the loader reads files with, so it cannot drift."
    )

    @Flag(help: "The schema of jobctl.yaml instead of job files.")
    var config = false

    func run() throws {
        print(JSONSchemaGenerator.render(config ? JSONSchemaGenerator.configSchema() : JSONSchemaGenerator.jobSchema()))
    }
}
