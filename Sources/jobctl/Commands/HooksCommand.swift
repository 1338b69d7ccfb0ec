import ArgumentParser
import Foundation
import Reconciler

struct HooksCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "hooks",
        abstract: "Manage the git hooks that apply each new commit.",
        subcommands: [HooksInstallCommand.self]
    )
}

struct HooksInstallCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "install",
        abstract: "Install post-commit and post-merge hooks that run `jobctl apply --root ROOT`.",
        discussion: """
        Idempotent: running it again leaves the hooks as they are; running it for another root
        adds that root. A hook you already had is moved to <hook>.pre-jobctl and still runs first,
        with the same arguments. A failed apply never blocks the commit: it prints the errors and
        the last good state stays in force.
        """
    )

    @OptionGroup var rootOptions: RootOptions

    func run() throws {
        let reconciler = try ReconcilerSupport.open(rootOptions)
        guard let folder = reconciler.root.folder else {
            Console.error("error: the repository is bare: post-commit and post-merge hooks need a working tree")
            throw ExitCode(1)
        }
        let directory = reconciler.root.repository.hooksDirectory
        let results = try ReconcilerSupport.run { () throws(ReconcileError) in
            try HookInstaller.install(hooksDirectory: directory, rootFolder: folder, executable: ReconcilerSupport.executablePath)
        }
        for result in results {
            var line = "\(result.path): \(result.unchanged ? "already installed" : "installed")"
            if let chained = result.chained { line += "; runs your previous hook \((chained as NSString).lastPathComponent) first" }
            print(line)
        }
    }
}
