import ArgumentParser
import Foundation
import History
import Schedules

/// `jobctl check`: a CI gate on a job's history. Prints one line saying why, and exits 0 when
/// the check passes, 1 when it fails (or the history cannot be read).
struct CheckCommand: ParsableCommand {
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
        Prints "pass: ..." or "fail: ..." on one line. Exit status: 0 pass, 1 fail or error.
        """
    )

    @Argument(help: ArgumentHelp("The job id, e.g. reports/paid-search.", valueName: "JOB"))
    var job: String

    @OptionGroup var rootOptions: RootOptions

    @Option(help: ArgumentHelp("Require a completed run within this duration, e.g. 26h.", valueName: "DURATION"))
    var succeededWithin: String?

    @Option(help: ArgumentHelp("Fail when more than N runs in a row failed.", valueName: "N"))
    var maxConsecutiveFailures: Int?

    func validate() throws {
        guard succeededWithin != nil || maxConsecutiveFailures != nil else {
            throw ValidationError("give --succeeded-within DURATION, --max-consecutive-failures N, or both")
        }
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

    func run() throws {
        let folder = try rootOptions.historyFolder()
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
        if !outcome.passed { throw ExitCode(1) }
    }
}
