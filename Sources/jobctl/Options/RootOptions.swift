import ArgumentParser
import Definitions

/// `--root DIR`: the folder that holds `jobs/` and `jobctl.yaml`.
struct RootOptions: ParsableArguments {
    @Option(name: .long, help: ArgumentHelp("The folder that holds jobs/ and jobctl.yaml.", valueName: "DIR"))
    var root: String = "."

    var folder: RootFolder { RootFolder(path: root) }
}
