import ArgumentParser
import Foundation
import Reconciler
import Schedules

struct StatusCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "status",
        abstract: "List each job with its state: in force, draft (new/modified/deleted), pending, invalid.",
        discussion: """
        in force: applied, and the working tree agrees. draft: the working tree or index differs
        from the applied commit (not committed yet). pending: committed, not applied yet.
        invalid: the working tree's version has errors. The next fire time is the applied
        version's (the one that runs). Exit status: 0, or 1 on an error.
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
        let report = try ReconcilerSupport.run { () throws(ReconcileError) in try reconciler.status() }
        if format == .json {
            try Console.json(report)
            return
        }
        let applied = report.applied.map { "\($0.short) \"\($0.summary)\"" } ?? "nothing yet (run `jobctl apply`)"
        print("Root \(report.root)  (\(report.reference))")
        print("Applied: \(applied)")
        let head = report.head.map { "\($0.short) \"\($0.summary)\"" } ?? "no commits yet"
        let where_ = report.detached ? "detached HEAD" : "branch \(report.branch ?? "?")"
        print("HEAD:    \(head) on \(where_)")
        print("")
        if report.jobs.isEmpty {
            print("No jobs.")
        } else {
            let width = min(max(report.jobs.map(\.id.count).max() ?? 3, 3), 48)
            print("JOB".padding(toLength: width, withPad: " ", startingAt: 0) + "  " + "STATE".padding(toLength: 24, withPad: " ", startingAt: 0) + "  NEXT FIRE")
            for job in report.jobs {
                let state = job.state.rawValue + (job.invalid ? ", invalid" : "")
                let next = job.nextFire.map { RFC3339.string($0, in: TimeZone(identifier: job.timeZone ?? "UTC") ?? .gmt) } ?? "-"
                print(job.id.padding(toLength: max(width, job.id.count), withPad: " ", startingAt: 0) + "  " + state.padding(toLength: 24, withPad: " ", startingAt: 0) + "  " + next)
            }
        }
        if !report.diagnostics.isEmpty { print("") }
        for diagnostic in report.diagnostics { print(diagnostic) }
        for entry in report.ignored { print("\(entry.path): note: \(entry.reason.rawValue); ignored") }
    }
}
