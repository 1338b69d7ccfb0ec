import Definitions

/// Loads a root made of the given files (paths relative to the root) and returns the rendered diagnostics.
func diagnostics(_ files: [String: String], config: String? = nil) -> [String] {
    load(files, config: config).diagnostics.map(\.description)
}

func load(_ files: [String: String], config: String? = nil) -> DefinitionSet {
    DefinitionLoader.load(
        config: config.map { SourceFile(path: "jobctl.yaml", bytes: Array($0.utf8)) },
        jobFiles: files.map { SourceFile(path: $0.key, bytes: Array($0.value.utf8)) }
    )
}

/// The diagnostics of one job file `jobs/x.yaml`.
func problems(_ yaml: String, config: String? = nil) -> [String] {
    diagnostics(["jobs/x.yaml": yaml], config: config)
}

let minimalSteps = "steps:\n  - run: [\"true\"]\n"
