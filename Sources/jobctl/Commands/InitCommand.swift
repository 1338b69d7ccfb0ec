import ArgumentParser
import Definitions
import Foundation

struct InitCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "init",
        abstract: "Scaffold a jobs root: jobctl.yaml, one example job, and .gitignore entries for jobctl's local state.",
        discussion: "Existing files are kept; .gitignore gets the .jobctl/ entry only if it lacks it."
    )

    @Argument(help: ArgumentHelp("The folder to scaffold (created if missing).", valueName: "DIR"))
    var directory: String = "."

    @Option(help: "The organisation's time zone written to jobctl.yaml.")
    var timezone: String = "UTC"

    func validate() throws {
        guard TimeZone(identifier: timezone) != nil else {
            throw ValidationError("unknown time zone '\(timezone)'; use an IANA name such as Europe/Amsterdam")
        }
    }

    func run() throws {
        let result = try RootScaffold(timeZone: timezone).write(into: directory)
        for path in result.created { print("created \(path)") }
        for path in result.kept { print("kept    \(path) (already there)") }
        print("next: jobctl validate --root \(directory)")
    }
}
