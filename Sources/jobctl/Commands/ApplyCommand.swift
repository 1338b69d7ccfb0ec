import ArgumentParser
import Foundation
import Reconciler

struct ApplyCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "apply",
        abstract: "Validate a commit and make it the applied state: what the scheduler runs.",
        discussion: """
        Validates the whole target tree first: on any error it prints every problem as
        path:line:column: error: message, exits 1, and the applied state stays where it was.
        The applied ref moves by compare-and-swap, with the reflog message
        `jobctl apply: <short sha> <summary>`. If another apply moved it first, nothing changes
        and the exit status is 3 ("applied state moved; plan again").
        Exit status: 0 applied (or already applied, or a valid --dry-run), 1 invalid or error, 3 moved.
        """
    )

    @OptionGroup var rootOptions: RootOptions

    @Option(help: "The commit to apply (default HEAD; any revision git accepts, also an older one to roll back).")
    var rev: String = "HEAD"

    @Flag(help: "Validate and show the plan; do not move the applied ref.")
    var dryRun = false

    func run() throws {
        let reconciler = try ReconcilerSupport.open(rootOptions)
        let outcome = try ReconcilerSupport.run { () throws(ReconcileError) in try reconciler.apply(revision: rev, dryRun: dryRun) }
        let plan = outcome.plan
        let reference = reconciler.root.appliedReference
        switch outcome {
        case .refused:
            for diagnostic in plan.diagnostics { Console.error(diagnostic.description) }
            let errors = plan.diagnostics.count { $0.severity == .error }
            let kept = plan.applied.map { "\(reference) stays at \($0.short)" } ?? "nothing is applied"
            Console.error("apply refused: \(errors) error\(errors == 1 ? "" : "s") in \(rev) \(plan.target?.short ?? ""); \(kept)")
            throw ExitCode(1)
        case .upToDate:
            print("Already applied: \(plan.target?.short ?? rev) is the applied state of \(reference).")
        case .dryRun:
            print(PlanFormatter.text(plan, targetName: rev))
            print("Dry run: valid; \(reference) was not moved.")
        case .applied:
            for diagnostic in plan.diagnostics { Console.error(diagnostic.description) }
            if plan.deletesEveryJob {
                print("WARNING: every job (\(plan.appliedJobCount)) was deleted: nothing runs from this root now.")
            }
            for change in plan.changes {
                let symbol = switch change.action { case .create: "+"; case .update: "~"; case .delete: "-" }
                print("  \(symbol) \(change.action.rawValue) \(change.id)")
            }
            let summary = plan.hasChanges
                ? "\(plan.created.count) created, \(plan.updated.count) updated, \(plan.deleted.count) deleted"
                : "no job changes"
            print("Applied \(plan.target?.short ?? rev) to \(reference): \(summary).")
        }
    }
}
