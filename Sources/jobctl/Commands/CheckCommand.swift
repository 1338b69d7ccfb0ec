import ArgumentParser
import Foundation
import History
import Scheduler
import Schedules

/// `jobctl check`: a CI gate on a job's history. Prints one line saying why, and exits 0 when
/// the check passes, 1 when it fails (or the history cannot be read).
struct CheckCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "check",
        abstract: "Exit 0 if a job succeeded recently enough (and is not failing repeatedly), else 1.",
        discussion: """
        Examples:
          jobctl check reports/paid-search --succeeded-within 26h
          jobctl check warehouse/load --succeeded-within 2d --max-consecutive-failures 2

        --succeeded-within: a run must have completed within this duration before now.
        --max-consecutive-failures N: at most N failures (failed, timed_out, interrupted) since
        the last completed run; skipped, filtered, rate-limited, missed, blocked and cancelled
        runs neither break nor extend the streak.
        Prints "pass: ..." or "fail: ..." on one line; on stderr, where the history it read came
        from and how old its newest record is, with a warning when that file is committed to git
        (a snapshot, not what the daemon writes). --rev REF judges the history a daemon published
        to a git branch (history.publish), e.g. in a CI clone after `git fetch origin jobctl/history`.
        Exit status: 0 pass, 1 fail or error.
        """
    )

    @Argument(help: ArgumentHelp("The job id, e.g. reports/paid-search.", valueName: "JOB"))
    var job: String

    @OptionGroup var rootOptions: RootOptions

    @Option(help: ArgumentHelp("Require a completed run within this duration, e.g. 26h.", valueName: "DURATION"))
    var succeededWithin: String?

    @Option(help: ArgumentHelp("Fail when more than N runs in a row failed.", valueName: "N"))
    var maxConsecutiveFailures: Int?

    @Option(help: ArgumentHelp("Judge the history published to this git ref (e.g. origin/jobctl/history) instead of the root's folder; no checkout.", valueName: "REF"))
    var rev: String?

    @Option(help: ArgumentHelp("Judge a running jobctl serve's history through its API instead (token from $JOBCTL_TOKEN, scope read).", valueName: "URL"))
    var server: String?

    func validate() throws {
        guard succeededWithin != nil || maxConsecutiveFailures != nil else {
            throw ValidationError("give --succeeded-within DURATION, --max-consecutive-failures N, or both")
        }
        if rev != nil && server != nil { throw ValidationError("--rev and --server each name where history comes from: give one") }
        if let maxConsecutiveFailures, maxConsecutiveFailures < 0 { throw ValidationError("--max-consecutive-failures must be 0 or more") }
        _ = try window()
        guard HistoryFolder.isValidJobID(job) else {
            throw ValidationError("'\(job)' is not a job id (lower-case letters, digits, '-', '_', segments joined by '/')")
        }
    }

    func window() throws -> Int64? {
        guard let succeededWithin else { return nil }
        do {
            return try JobDuration(succeededWithin).milliseconds
        } catch {
            throw ValidationError("--succeeded-within: column \(error.column): \(error.message)")
        }
    }

    func run() async throws {
        let published = try rev.map { try PublishedHistory(revision: $0, job: job, rootOptions: rootOptions) }
        defer { published?.remove() }
        var fetched: ServerHistory?
        if let server { fetched = try await ServerHistory(server: server, job: job) }
        defer { fetched?.remove() }
        let source = try published == nil && fetched == nil ? rootOptions.historySource() : nil
        let folder = published?.folder ?? fetched?.folder ?? source!.folder
        let check = HistoryCheck(succeededWithinMs: try window(), maxConsecutiveFailures: maxConsecutiveFailures)
        let outcome: HistoryCheck.Outcome
        do {
            outcome = try check.evaluate(job: job, reader: HistoryReader(folder: folder), now: Date())
        } catch {
            Console.error("error: \(error.description)")
            throw ExitCode(1)
        }
        outcome.warnings.forEach { Console.error($0.description) }
        print(outcome.reason)
        let file = (try? folder.file(forJob: job)) ?? folder.path
        let age = outcome.newest.map { "its newest record finished \(RecordFormatting.duration(milliseconds: max(0, RecordTime.milliseconds(Date()) - RecordTime.milliseconds($0)))) ago" } ?? "it holds no records"
        if let rev, let published {
            Console.error("note: read the history published to \(rev) (commit \(published.commit.prefix(7))); \(age)")
            if outcome.newest == nil {
                let jobs = published.jobs
                Console.error("note: \(rev) holds no records of \(job)" + (jobs.isEmpty ? "" : "; it has records of " + jobs.prefix(10).joined(separator: ", ") + (jobs.count > 10 ? ", …" : "")))
            }
        } else if let server {
            Console.error("note: read the history of the daemon at \(server); \(age)")
        } else {
            Console.error("note: read \(file) (\(source?.explanation ?? "")); \(age)")
        }
        if source != nil, let snapshot = HistoryLocation.committedSnapshot(of: file) {
            Console.error("warning: \(snapshot.path) is committed to git (at \(snapshot.commit)): this judges a snapshot, not the history a daemon writes; keep history/ out of git (jobctl init's .gitignore) and read the daemon's history instead")
        }
        if !outcome.passed { throw ExitCode(1) }
    }
}
