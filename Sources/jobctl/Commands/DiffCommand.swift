import ArgumentParser
import Foundation
import Reconciler

struct DiffCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "diff",
        abstract: "Show the draft: the working tree (and index) against the applied state, per job and field.",
        discussion: """
        Untracked files under jobs/ are part of the draft; git-ignored files are not. Symbolic
        links are never followed and are not jobs. Exit status: 0 (with or without changes),
        1 when the draft is invalid or on an error.
        """
    )

    enum Format: String, ExpressibleByArgument, CaseIterable {
        case text, json
    }

    @OptionGroup var rootOptions: RootOptions

    @Option(help: "text or json.")
    var format: Format = .text

    func run() throws {
        let reconciler = try ReconcilerSupport.open(rootOptions)
        let plan = try ReconcilerSupport.run { () throws(ReconcileError) in try reconciler.planWorkingTree() }
        switch format {
        case .text: print(PlanFormatter.text(plan, targetName: "the working tree"))
        case .json: try Console.json(plan)
        }
        if !plan.isValid { throw ExitCode(1) }
    }
}
