import ArgumentParser
import Definitions
import Foundation

struct ValidateCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "validate",
        abstract: "Check job files and jobctl.yaml; print every problem as path:line:column: error: message.",
        discussion: """
        Works on any folder, in a git repository or not. Exit status: 0 valid, 1 invalid.
        With PATHs, only problems in those files (or folders) are reported; checks across
        files (needs, cycles, duplicate ids) still see the whole root.
        """
    )

    enum Format: String, ExpressibleByArgument, CaseIterable {
        case text, json, github
    }

    @OptionGroup var rootOptions: RootOptions

    @Option(help: "text, json, or github (GitHub Actions annotations).")
    var format: Format = .text

    @Argument(help: ArgumentHelp("Files or folders to report on (default: the whole root).", valueName: "PATH"))
    var paths: [String] = []

    func run() throws {
        let folder = rootOptions.folder
        let set: DefinitionSet
        do {
            set = try folder.load()
            KeptUntilExit.keep(set)
        } catch {
            Console.error("error: \(error.description)")
            throw ExitCode(1)
        }
        let selection = try PathSelection(paths: paths, root: folder.path)
        let diagnostics = set.diagnostics.filter { selection.contains($0.file) }
        let ignored = set.ignoredFiles.filter { selection.contains($0) }
        let jobCount = set.jobs.values.count { selection.contains($0.file) } + set.invalidJobs.count
        let errors = diagnostics.count { $0.severity == .error }
        let warnings = diagnostics.count { $0.severity == .warning }

        switch format {
        case .text:
            for diagnostic in diagnostics { print(diagnostic) }
            for file in ignored { print("\(file): note: not a job definition (only .yaml and .yml files are); ignored") }
            if errors == 0 {
                print("\(set.jobs.count) job\(set.jobs.count == 1 ? "" : "s") valid\(warnings > 0 ? ", \(warnings) warning\(warnings == 1 ? "" : "s")" : "")")
            } else {
                print("\(errors) error\(errors == 1 ? "" : "s")\(warnings > 0 ? ", \(warnings) warning\(warnings == 1 ? "" : "s")" : "") in \(Set(diagnostics.filter { $0.severity == .error }.map(\.file)).count) file(s); \(set.jobs.count) job(s) valid")
            }
        case .github:
            for diagnostic in diagnostics { print(diagnostic.githubAnnotation) }
            for file in ignored { print("::notice file=\(file)::not a job definition (only .yaml and .yml files are); ignored") }
        case .json:
            try Console.json(ValidationReport(valid: errors == 0, jobs: jobCount, errors: errors, warnings: warnings, diagnostics: diagnostics, ignored: ignored))
        }
        if errors > 0 { throw ExitCode(1) }
    }
}

struct ValidationReport: Encodable {
    var valid: Bool
    var jobs: Int
    var errors: Int
    var warnings: Int
    var diagnostics: [Diagnostic]
    var ignored: [String]
}

/// The files a command was asked about, as paths relative to the root.
struct PathSelection {
    private var prefixes: [String]

    init(paths: [String], root: String) throws {
        let cwd = FileManager.default.currentDirectoryPath
        prefixes = try paths.map { path in
            let absolute = URL(fileURLWithPath: path, relativeTo: URL(fileURLWithPath: cwd)).standardizedFileURL.path
            guard absolute == root || absolute.hasPrefix(root + "/") else {
                Console.error("error: \(path) is not inside the root \(root)")
                throw ExitCode(1)
            }
            return absolute == root ? "" : String(absolute.dropFirst(root.count + 1))
        }
    }

    func contains(_ file: String) -> Bool {
        prefixes.isEmpty || prefixes.contains { $0.isEmpty || file == $0 || file.hasPrefix($0 + "/") }
    }
}
