import ArgumentParser
import Foundation
import History
import Reconciler
import Scheduler
import Schedules
import Server

struct StatusCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "status",
        abstract: "List each job: its definition (in force, draft, pending, invalid), its state, next fire and last run.",
        discussion: """
        DEFINITION: in force (applied, and the working tree agrees), draft (the working tree or
        index differs from the applied commit), pending (committed, not applied yet), invalid
        (the working tree's version has errors).
        STATE: pending (never ran), active, in_progress, completed (until holds, or the one-off
        fired), failed (last run failed, timed out or was interrupted), blocked (a job it needs
        failed), paused (enabled: false), archived (deleted from git; its history stays).
        NEXT FIRE is the applied version's (the one that runs). Exit status: 0, or 1 on an error.
        With --server URL it asks a running daemon instead (token from JOBCTL_TOKEN, scope read):
        its health, the remote it follows (serve --remote: remote head, applied commit, last
        fetch, last refusal with its errors) and its jobs.
        """
    )

    enum Format: String, ExpressibleByArgument, CaseIterable {
        case text, json
    }

    @OptionGroup var rootOptions: RootOptions

    @Option(help: "text or json.")
    var format: Format = .text

    @Option(help: ArgumentHelp("Ask this running jobctl serve instead of reading the root (token from $JOBCTL_TOKEN).", valueName: "URL"))
    var server: String?

    func run() async throws {
        if let server {
            try await ServerStatus.print(try ServerOptions(server: server).client(), json: format == .json)
            return
        }
        let reconciler = try ReconcilerSupport.open(rootOptions)
        let root = rootOptions.root
        let report = try ReconcilerSupport.run { () throws(ReconcileError) in try StatusBoard.read(reconciler, root: root) }
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
            let rows = report.jobs.map { job -> [String] in
                let definition = (job.definition?.rawValue ?? "-") + (job.invalid ? ", invalid" : "")
                let next = job.nextFire.map { RFC3339.string($0, in: TimeZone(identifier: job.timeZone ?? "UTC") ?? .gmt) } ?? "-"
                let last = job.lastRun.map { "\($0.status.rawValue) \(HistoryTime.short($0.finishedAt))" } ?? "-"
                return [job.id, definition, job.state?.rawValue ?? "-", next, last]
            }
            print(Table.render(header: ["JOB", "DEFINITION", "STATE", "NEXT FIRE", "LAST RUN"], rows: rows), terminator: "")
            for job in report.jobs {
                if let pause = job.pause { print("\(job.id): \(pause.summary) — a runtime drift from git; `jobctl resume \(job.id)` lifts it") }
            }
        }
        if let unwritten = report.unwrittenRecords {
            print("warning: history cannot be written: \(unwritten.count) finished run\(unwritten.count == 1 ? "" : "s") (\(unwritten.jobs.joined(separator: ", "))) since \(RecordTime.string(unwritten.oldestFinishedAt)) wait in their markers; the daemon retries, and the next start appends them")
        }
        if !report.diagnostics.isEmpty { print("") }
        for diagnostic in report.diagnostics { print(diagnostic) }
        for entry in report.ignored { print("\(entry.path): note: \(entry.reason.rawValue); ignored") }
    }
}
