import ArgumentParser
import Foundation
import Reconciler

struct PlanCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "plan",
        abstract: "Show what applying a commit would change: jobs created, updated, deleted, field by field.",
        discussion: """
        Compares REV (default HEAD) with the applied state of the root (refs/jobctl/applied, or the
        root's own ref) and shows how the next fire times move. Works in bare repositories.
        Exit status: 0 no changes, 2 changes, 1 invalid (or an error), like
        `terraform plan -detailed-exitcode`. --format markdown is ready to post on a pull request.
        """
    )

    enum Format: String, ExpressibleByArgument, CaseIterable {
        case text, json, markdown
    }

    @OptionGroup var rootOptions: RootOptions

    @Option(help: "The commit to plan (any revision git accepts).")
    var rev: String = "HEAD"

    @Option(help: "text, json, or markdown.")
    var format: Format = .text

    func run() throws {
        let reconciler = try ReconcilerSupport.open(rootOptions)
        let plan = try ReconcilerSupport.run { () throws(ReconcileError) in try reconciler.plan(revision: rev) }
        switch format {
        case .text: print(PlanFormatter.text(plan, targetName: rev))
        case .markdown: print(PlanFormatter.markdown(plan, targetName: rev))
        case .json: try Console.json(plan)
        }
        if !plan.isValid { throw ExitCode(1) }
        if plan.hasChanges { throw ExitCode(2) }
    }
}
