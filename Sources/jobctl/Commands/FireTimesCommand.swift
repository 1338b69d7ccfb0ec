import ArgumentParser
import Foundation
import Definitions
import Schedules

/// `jobctl fire-times`: when will this schedule fire? A dry run of the scheduler's arithmetic,
/// for reviewers of a job file and for scripts.
///
/// Two modes:
/// - `--cron EXPR` (alias `--expr`), `--every DURATION` or `--at TIME`: a schedule written on
///   the command line, read in `--timezone` (alias `--tz`; default UTC). `--start` and `--end`
///   bound it as a job's `start:`/`end:` would (and `--every` is anchored at `--start`).
/// - `JOB [--root DIR]`: the schedule of a job definition, with its own zone, bounds,
///   interval or one-off, and jitter.
///
/// Fire times are strictly after `--from` (RFC 3339 with `Z` or an offset, or a local date-time
/// read in the zone; default now). Up to `--count N` (default 10) are printed, or all up to
/// `--until TIME` (inclusive); with both, whichever ends first.
///
/// `--format`: `text` is a table (local time with weekday, UTC, distance from now, a DST mark);
/// `iso` prints exactly one RFC 3339 instant with its UTC offset per line and nothing else;
/// `json` prints an array of objects. The default is `text` when standard output is a terminal
/// and `iso` otherwise, so `jobctl fire-times ... | head` and scripts get the parseable form.
///
/// Exit status: 0 when printed (also when the schedule never fires again: no lines); 1 for invalid
/// input, with the error located inside the flag's value (`column N: ...`).
struct FireTimesCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "fire-times",
        abstract: "Show when a cron expression, interval, one-off or job fires next.",
        discussion: """
        Examples:
          jobctl fire-times --cron "30 2 * * *" --tz America/New_York --from 2026-03-01 --count 10
          jobctl fire-times --cron "0 8 * * MON-FRI" --tz Europe/Amsterdam --until 2026-12-31 --format json
          jobctl fire-times --every 90m --start 2026-01-01T08:00 --tz Europe/Berlin
          jobctl fire-times reports/paid-search --root .

        DST: a fire time moved out of a spring-forward gap is marked "moved", one of the two
        fires of a repeated local time is marked "twice" (text and json formats).
        Output defaults to text on a terminal and to iso (one RFC 3339 time per line) otherwise.
        """
    )

    enum OutputFormat: String, ExpressibleByArgument, CaseIterable {
        case text, iso, json
    }

    @Argument(help: ArgumentHelp("A job id, e.g. reports/paid-search (or use --cron, --every, --at).", valueName: "JOB"))
    var job: String?

    @Option(name: .long, help: ArgumentHelp("The folder that holds jobs/ and jobctl.yaml (JOB mode).", valueName: "DIR"))
    var root: String = "."

    @Option(name: [.customLong("cron"), .customLong("expr")], help: ArgumentHelp("A cron expression, e.g. \"0 8 * * 1-5\" or @daily.", valueName: "EXPR"))
    var cron: String?

    @Option(help: ArgumentHelp("An interval, e.g. 15m or 1h30m, anchored at --start or the Unix epoch.", valueName: "DURATION"))
    var every: String?

    @Option(help: ArgumentHelp("A one-off local date-time, e.g. 2026-12-31T18:00.", valueName: "TIME"))
    var at: String?

    @Option(name: [.customLong("timezone"), .customLong("tz")], help: ArgumentHelp("IANA time zone of the schedule (default UTC).", valueName: "TZ"))
    var timezone: String?

    @Option(help: ArgumentHelp("No fire before this local date or date-time.", valueName: "TIME"))
    var start: String?

    @Option(help: ArgumentHelp("No fire after this local date-time (a date alone: through that day).", valueName: "TIME"))
    var end: String?

    @Option(help: ArgumentHelp("List fire times strictly after this (default: now).", valueName: "TIME"))
    var from: String?

    @Option(help: ArgumentHelp("How many fire times (default 10).", valueName: "N"))
    var count: Int?

    @Option(help: ArgumentHelp("List fire times up to and including this.", valueName: "TIME"))
    var until: String?

    @Option(help: "text, iso or json (default: text on a terminal, iso otherwise).")
    var format: OutputFormat?

    func run() async throws {
        let now = Date()
        let schedule = try makeSchedule()
        let after: Date
        let limit: Date?
        do {
            after = try from.map { text throws(ScheduleSpec.Failure) in try ScheduleSpec.instant(text, field: .from, zone: schedule.zone, now: now) } ?? now
            limit = try until.map { text throws(ScheduleSpec.Failure) in try ScheduleSpec.instant(text, field: .until, zone: schedule.zone, now: now) }
        } catch {
            throw fail(located(error))
        }
        if let count, count < 0 { throw fail("--count: \(count) must be 0 or more") }
        let fires = schedule.fires(after: after, count: count ?? (limit == nil ? 10 : Int.max), through: limit)
        let chosen = format ?? (isatty(STDOUT_FILENO) == 1 ? .text : .iso)
        let output = FireTimePreview(fires: fires, zone: schedule.zone, now: now).renderBytes(FireTimePreview.Format(rawValue: chosen.rawValue)!)
        FileHandle.standardOutput.write(Data(output))
    }

    /// The schedule the flags describe, or the job's (its working-tree version).
    func makeSchedule() throws -> JobSchedule {
        let given = [cron != nil, every != nil, at != nil, job != nil].filter { $0 }.count
        guard given == 1 else {
            throw fail(given == 0
                ? "give a JOB, or one of --cron, --every or --at"
                : "give only one of JOB, --cron, --every and --at")
        }
        if let job {
            if timezone != nil || start != nil || end != nil {
                throw fail("--timezone, --start and --end apply to --cron, --every and --at; a job uses its own schedule")
            }
            return try jobSchedule(job)
        }
        do {
            return try ScheduleSpec(cron: cron, every: every, at: at, timezone: timezone, start: start, end: end).schedule()
        } catch {
            throw fail(located(error))
        }
    }

    private func jobSchedule(_ text: String) throws -> JobSchedule {
        guard let id = JobID(text) else { throw fail(JobID.problem(with: text) ?? "invalid job id '\(text)'") }
        let folder = RootFolder(path: root)
        guard let draft = folder.draft(id) else {
            throw fail("no job '\(id)' in \(folder.path)/jobs (looked for jobs/\(id).yaml and jobs/\(id).yml)")
        }
        guard let definition = draft.jobs[id] else {
            throw fail(draft.diagnostics.filter { $0.severity == .error }.map(\.description).joined(separator: "\n"))
        }
        guard definition.enabled else { throw fail("\(definition.file): job '\(id)' is disabled (enabled: false); it never fires") }
        guard let schedule = definition.schedule else {
            throw fail("\(definition.file): job '\(id)' has no schedule; it runs only manually, through the API or on events")
        }
        return schedule.jobSchedule(for: id)
    }

    /// `--cron "0 61 * * *": column 3: minute field: ...` and the value with a caret under the column.
    func located(_ failure: ScheduleSpec.Failure) -> String {
        let text = failure.describe { "--" + $0.rawValue }
        guard let column = failure.column, let value = failure.value else { return text }
        return text + "\n  \(value)\n  " + String(repeating: " ", count: max(0, column - 1)) + "^"
    }

    /// Prints `error: message` to standard error; the caller throws the returned exit code (1).
    func fail(_ message: String) -> ExitCode {
        FileHandle.standardError.write(Data("error: \(message)\n".utf8))
        return ExitCode(1)
    }
}
