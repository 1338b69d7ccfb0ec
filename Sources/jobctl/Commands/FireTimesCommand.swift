import ArgumentParser
import Foundation
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
        let zone = schedule.zone
        let after = try from.map { try instant($0, flag: "--from", zone: zone) } ?? now
        let limit = try until.map { try instant($0, flag: "--until", zone: zone) }
        if let count, count < 0 { throw fail("--count: \(count) must be 0 or more") }
        let wanted = count ?? (limit == nil ? 10 : Int.max)

        var fires: [FireTime] = []
        var cursor = after
        while fires.count < wanted, let fire = schedule.nextFire(after: cursor) {
            if let limit, fire.scheduledFor > limit { break }
            fires.append(fire)
            cursor = fire.scheduledFor
        }
        let chosen = format ?? (isatty(STDOUT_FILENO) == 1 ? .text : .iso)
        let preview = FireTimePreview(fires: fires, zone: zone, now: now)
        let output = preview.render(FireTimePreview.Format(rawValue: chosen.rawValue)!)
        FileHandle.standardOutput.write(Data(output.utf8))
    }

    /// The schedule the flags describe, or the job's.
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
            do {
                return try FireTimesOfJob.schedule(jobID: job, root: root)
            } catch {
                throw fail("\(error)")
            }
        }
        let zoneID = timezone ?? "UTC"
        guard isKnownTimeZoneIdentifier(zoneID), let zone = TimeZone(identifier: zoneID) else {
            throw fail("--timezone: unknown time zone \"\(zoneID)\": use an IANA name such as Europe/Amsterdam")
        }
        let kind: JobSchedule.Kind
        if let cron {
            do {
                kind = .cron(try CronExpression(cron))
            } catch {
                throw fail(located("--cron", cron, column: error.column, message: error.message))
            }
        } else if let every {
            let interval: JobDuration
            do {
                interval = try JobDuration(every)
            } catch {
                throw fail(located("--every", every, column: error.column, message: error.message))
            }
            if interval.milliseconds <= 0 { throw fail("--every: the interval must be longer than 0") }
            kind = .every(interval)
        } else {
            kind = .at(try localDateTime(at!, flag: "--at"))
        }
        return JobSchedule(
            kind: kind, zone: zone,
            start: try start.map { try localDateTime($0, flag: "--start") },
            end: try end.map { try localDateTime($0, flag: "--end") },
            jitter: nil, jitterKey: "")
    }

    func localDateTime(_ text: String, flag: String) throws -> LocalDateTime {
        do {
            return try LocalDateTime(text)
        } catch {
            throw fail(located(flag, text, column: error.column, message: error.message))
        }
    }

    func instant(_ text: String, flag: String, zone: TimeZone) throws -> Date {
        if text == "now" { return Date() }
        return try localDateTime(text, flag: flag).resolve(in: zone)
    }

    /// `--cron "0 61 * * *": column 3: minute field: ...` and the value with a caret under the column.
    func located(_ flag: String, _ value: String, column: Int, message: String) -> String {
        let caret = String(repeating: " ", count: max(0, column - 1)) + "^"
        return "\(flag) \"\(value)\": column \(column): \(message)\n  \(value)\n  \(caret)"
    }

    /// Prints `error: message` to standard error; the caller throws the returned exit code (1).
    func fail(_ message: String) -> ExitCode {
        FileHandle.standardError.write(Data("error: \(message)\n".utf8))
        return ExitCode(1)
    }
}
