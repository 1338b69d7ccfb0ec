import ArgumentParser
import Definitions
import Foundation
import History
import Scheduler
import Schedules

/// `jobctl pause JOB [--until TIME] [--reason TEXT]`: runtime state in `.jobctl/pauses.json`,
/// read by the daemon at each fire.
struct PauseCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "pause",
        abstract: "Pause a job's schedule (runtime state, kept across restarts; an apply does not lift it).",
        discussion: """
        The daemon counts the paused job's fires instead of running them and records them as one
        skipped record (reason paused, with the count and the first and last scheduled times) when
        the pause ends. Manual, API and event runs still run. `status` shows the pause.
          jobctl pause reports/paid-search --until 2026-11-23T09:00:00Z --reason "warehouse incident"
          jobctl pause reports/paid-search --until 4h
        """
    )

    @OptionGroup var rootOptions: RootOptions

    @Argument(help: "The job id.")
    var job: String

    @Option(help: ArgumentHelp("Lift the pause by itself at this time (RFC 3339), or after this long (4h).", valueName: "TIME|DURATION"))
    var until: String?

    @Option(help: "Why (shown by status and the API, written into the skipped record).")
    var reason: String?

    func run() throws {
        guard let id = JobID(job) else { throw ValidationError(JobID.problem(with: job) ?? "invalid job id") }
        let now = Date()
        var end: Date?
        if let until {
            end = JobPause.end(until, now: now)
            if end == nil {
                throw ValidationError("--until: '\(until)' is neither an RFC 3339 time (2026-11-23T09:00:00Z) nor a duration (4h)")
            }
        }
        let pause = JobPause(job: id.rawValue, since: now, until: end, reason: reason, by: Self.localUser)
        do { try PauseStore(root: rootOptions.folder.path).pause(pause) } catch {
            Console.error("error: \(error.message)")
            throw ExitCode(1)
        }
        print("\(id): \(pause.summary)")
    }

    /// Who asked, for the CLI: the local user.
    static var localUser: String {
        "user " + (ProcessInfo.processInfo.environment["USER"] ?? NSUserName())
    }
}

/// `jobctl resume JOB`.
struct ResumeCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "resume",
        abstract: "Lift a job's pause; the daemon records the fires it held back at the job's next fire.",
        discussion: "Exit status: 0, also when the job was not paused (it says so); 1 on an error."
    )

    @OptionGroup var rootOptions: RootOptions

    @Argument(help: "The job id.")
    var job: String

    func run() throws {
        guard let id = JobID(job) else { throw ValidationError(JobID.problem(with: job) ?? "invalid job id") }
        do {
            if let lifted = try PauseStore(root: rootOptions.folder.path).resume(job: id.rawValue) {
                print("\(id): resumed (was \(lifted.summary))")
            } else {
                print("\(id): was not paused")
            }
        } catch {
            Console.error("error: \(error.message)")
            throw ExitCode(1)
        }
    }
}
