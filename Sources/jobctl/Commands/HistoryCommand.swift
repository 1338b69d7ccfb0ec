import ArgumentParser
import Definitions
import Expressions
import Foundation
import GitStore
import History
import Server
import Scheduler
import Schedules

/// `jobctl history`: read run records from `history/<job>.jsonl` (or every job's, merged by time).
///
/// Exit status: 0 (also when nothing matches, or a job has no history yet), 1 when the root or
/// a file cannot be read. Skipped lines (a torn last line, an unreadable line) are reported on
/// standard error and do not change the exit status.
struct HistoryCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "history",
        abstract: "List a job's runs (or all jobs' runs) from the history files, or their stats.",
        discussion: """
        Examples:
          jobctl history reports/paid-search --last 20
          jobctl history --status failed,timed_out --since 26h --format jsonl
          jobctl history reports/paid-search --stats --format json

        --since takes a duration back from now (26h, 7d) or an RFC 3339 time or a date (UTC).
        Times compare with a record's finishedAt, the order records are written in.
        --format jsonl prints the lines exactly as stored, for jq.
        --stats: counts per status, success rate (completed / runs that ran), p50/p95/max
        duration (nearest rank), last success and last failure.
        """
    )

    enum Format: String, ExpressibleByArgument, CaseIterable {
        case table, json, jsonl
    }

    @Argument(help: ArgumentHelp("A job id, e.g. reports/paid-search (default: every job).", valueName: "JOB"))
    var job: String?

    @OptionGroup var rootOptions: RootOptions

    @Option(help: ArgumentHelp("Only runs with this status (repeat, or separate with commas).", valueName: "S"))
    var status: [String] = []

    @Option(help: ArgumentHelp("Only runs finished since: a duration back from now (26h) or a time.", valueName: "TIME|DURATION"))
    var since: String?

    @Option(help: ArgumentHelp("Only the last N runs (read from the end of the file).", valueName: "N"))
    var last: Int?

    @Option(help: "table, json or jsonl.")
    var format: Format = .table

    @Option(help: ArgumentHelp("Read the history published to this git ref (e.g. origin/jobctl/history) instead of the root's folder; no checkout.", valueName: "REF"))
    var rev: String?

    @Option(help: ArgumentHelp("Read a running jobctl serve's history through its API instead (token from $JOBCTL_TOKEN).", valueName: "URL"))
    var server: String?

    @Flag(help: "Counts per status, success rate, duration percentiles, last success and failure.")
    var stats = false

    func validate() throws {
        if rev != nil && server != nil { throw ValidationError("--rev and --server each name where history comes from: give one") }
        if let last, last < 0 { throw ValidationError("--last must be 0 or more") }
        _ = try statuses()
        if let since { _ = try HistoryTime.since(since, now: Date()) }
    }

    func statuses() throws -> Set<RunStatus>? {
        let names = status.flatMap { $0.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) } }.filter { !$0.isEmpty }
        guard !names.isEmpty else { return nil }
        return Set(try names.map { name in
            guard let status = RunStatus(rawValue: name), status.isFinal else {
                throw ValidationError("--status: unknown status '\(name)'; one of \(RunStatus.finalStatuses.map(\.rawValue).joined(separator: ", "))")
            }
            return status
        })
    }

    func run() async throws {
        let published = try rev.map { try PublishedHistory(revision: $0, job: job, rootOptions: rootOptions) }
        defer { published?.remove() }
        var fetched: ServerHistory?
        if let server { fetched = try await ServerHistory(server: server, job: job, newest: stats || job == nil || status.isEmpty == false || since != nil ? nil : last) }
        defer { fetched?.remove() }
        let folder = try published?.folder ?? fetched?.folder ?? rootOptions.historyFolder()
        let reader = HistoryReader(folder: folder)
        let filter = RecordFilter(statuses: try statuses(), since: try since.map { try HistoryTime.since($0, now: Date()) })
        if let job, !HistoryFolder.isValidJobID(job) {
            Console.error("error: '\(job)' is not a job id (lower-case letters, digits, '-', '_', segments joined by '/')")
            throw ExitCode(1)
        }
        if let job, let path = try? folder.file(forJob: job), !FileManager.default.fileExists(atPath: path) {
            Console.error((rev ?? server).map { "note: no history for \(job) in \($0)" } ?? "note: no history for \(job) yet (\(path) does not exist)")
        }
        do {
            if stats {
                let (result, warnings) = try reader.stats(job: job, filter: filter)
                warnings.forEach { Console.error($0.description) }
                try printStats(result)
            } else {
                let page = try reader.records(HistoryQuery(job: job, filter: filter, last: last))
                page.warnings.forEach { Console.error($0.description) }
                try printRecords(page.records)
            }
        } catch {
            Console.error("error: \(error)")
            throw ExitCode(1)
        }
    }

    func printRecords(_ records: [RunRecord]) throws {
        switch format {
        case .jsonl:
            var out = ""
            out.reserveCapacity(records.count * 300)
            for record in records { out += record.jsonLine + "\n" }
            FileHandle.standardOutput.write(Data(out.utf8))
        case .json:
            try Console.json(records)
        case .table:
            guard !records.isEmpty else {
                Console.error("no runs")
                return
            }
            var columns = ["RUN", "JOB", "TRIGGER", "STATUS", "FINISHED", "DURATION", "EXIT", "NOTE"]
            var rows = records.map { r -> [String] in
                let note = r.error ?? r.warnings.first ?? (r.count.map { "\($0) fire\($0 == 1 ? "" : "s") not run" } ?? "")
                return [
                    r.run, r.job, r.trigger.rawValue + (r.attempt.map { $0 > 1 ? " #\($0)" : "" } ?? ""), r.status.rawValue,
                    HistoryTime.short(r.finishedAt),
                    r.durationMs.map { RecordFormatting.duration(milliseconds: $0) } ?? "-",
                    r.exitCode.map(String.init) ?? "-",
                    Self.oneLine(note, limit: 72),
                ]
            }
            // Matrix runs: which cell of which fan-out, `2/3 market=BE` (the group is the fan-out's id).
            if records.contains(where: { $0.fanout != nil }) {
                columns.insert("FANOUT", at: 4)
                for (i, r) in records.enumerated() {
                    rows[i].insert(r.fanout.map { "\($0.index + 1)/\($0.of)" + ($0.key.map { " " + $0 } ?? "") } ?? "-", at: 4)
                }
            }
            if job != nil {
                columns.remove(at: 1)
                for i in rows.indices { rows[i].remove(at: 1) }
            }
            print(Table.render(header: columns, rows: rows), terminator: "")
        }
    }

    func printStats(_ stats: HistoryStats) throws {
        if format != .table {
            try Console.json(stats)
            return
        }
        var lines: [String] = []
        lines.append("\(job ?? "all jobs"): \(stats.total) record\(stats.total == 1 ? "" : "s")")
        for status in RunStatus.finalStatuses where stats.count(status) > 0 {
            lines.append("  " + status.rawValue.padding(toLength: 14, withPad: " ", startingAt: 0) + String(stats.count(status)))
        }
        if let rate = stats.successRate {
            lines.append("  success rate  " + String(format: "%.1f%%", rate * 100) + " (completed of \(stats.ran) that ran)")
        }
        if let d = stats.durations {
            lines.append("  duration      p50 \(RecordFormatting.duration(milliseconds: d.p50Ms))  p95 \(RecordFormatting.duration(milliseconds: d.p95Ms))  max \(RecordFormatting.duration(milliseconds: d.maxMs))  (\(d.count) runs)")
        }
        func describe(_ r: RunRecord?) -> String {
            guard let r else { return "none" }
            return "\(HistoryTime.short(r.finishedAt))  run \(r.run)" + (job == nil ? "  (\(r.job))" : "") + (r.error.map { "  " + Self.oneLine($0, limit: 60) } ?? "")
        }
        if let fanOuts = stats.fanOuts {
            lines.append("  fan-outs      \(fanOuts.total): \(fanOuts.succeeded) all completed, \(fanOuts.failed) with a failure, \(fanOuts.other) other (runs not all recorded, cancelled or skipped)")
        }
        lines.append("  last success  " + describe(stats.lastSuccess))
        lines.append("  last failure  " + describe(stats.lastFailure))
        print(lines.joined(separator: "\n"))
    }

    static func oneLine(_ text: String, limit: Int) -> String {
        let flat = text.split(whereSeparator: \.isNewline).joined(separator: " ")
        return flat.count > limit ? String(flat.prefix(limit - 1)) + "…" : flat
    }
}

/// Times in `history` output and arguments.
enum HistoryTime {
    /// `2026-11-22T08:15:12Z` (UTC, to the second; the files keep milliseconds).
    static func short(_ date: Date) -> String {
        let full = RecordTime.string(date) // 2026-11-22T08:15:12.310Z
        return String(full.prefix(19)) + "Z"
    }

    /// `--since`: a duration back from `now` (`26h`, `7d`), an RFC 3339 date-time, or a date
    /// (midnight UTC).
    static func since(_ text: String, now: Date) throws -> Date {
        if let time = RecordTime.parse(text) { return time }
        if text.count == 10, let day = RecordTime.parse(text + "T00:00:00Z") { return day }
        do {
            let duration = try JobDuration(text)
            return now.addingTimeInterval(-duration.seconds)
        } catch {
            throw ValidationError("--since: '\(text)' is neither a duration (26h, 7d) nor a time (2026-11-22T08:00:00Z, 2026-11-22)")
        }
    }
}

/// A plain text table: columns padded to their widest cell, two spaces apart.
enum Table {
    static func render(header: [String], rows: [[String]]) -> String {
        var widths = header.map(\.count)
        for row in rows { for (i, cell) in row.enumerated() { widths[i] = max(widths[i], cell.count) } }
        func line(_ cells: [String]) -> String {
            var text = ""
            for (i, cell) in cells.enumerated() {
                text += i == cells.count - 1 ? cell : cell.padding(toLength: widths[i], withPad: " ", startingAt: 0) + "  "
            }
            while text.hasSuffix(" ") { text.removeLast() }
            return text + "\n"
        }
        return line(header) + rows.map(line).joined()
    }
}

/// `--rev REF`: history read from a published branch (``HistoryBranch``) of the repository that
/// holds the root (or the current folder), without a checkout.
struct PublishedHistory {
    let folder: HistoryFolder
    let commit: String
    /// Every job the ref holds records of.
    let jobs: [String]

    init(revision: String, job: String?, rootOptions: RootOptions) throws {
        let repository: GitRepository
        do { repository = try GitRepository.discover(from: rootOptions.folder.path) } catch {
            Console.error("error: --rev \(revision): \(error.message)")
            throw ExitCode(1)
        }
        let temporary = FileManager.default.temporaryDirectory.appendingPathComponent("jobctl-history-\(UUID().uuidString)").path
        folder = HistoryFolder(path: temporary)
        do {
            let id = try HistoryBranch.materialize(repository, revision: revision, job: job, into: folder)
            commit = id.hex
            jobs = try HistoryBranch.segments(in: repository, commit: id).keys.sorted()
        } catch {
            try? FileManager.default.removeItem(atPath: temporary)
            Console.error("error: --rev \(revision): \(error.message)")
            throw ExitCode(1)
        }
    }

    func remove() { try? FileManager.default.removeItem(atPath: folder.path) }
}

extension RootOptions {
    /// The root's history folder, as the daemon writes it (see ``HistoryLocation``).
    func historyFolder() throws -> HistoryFolder {
        try historySource().folder
    }

    /// The history folder and why it is there (``HistoryLocation/source(root:problems:)``).
    func historySource() throws -> HistoryLocation.Source {
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: folder.path, isDirectory: &isDirectory), isDirectory.boolValue else {
            Console.error("error: \(folder.path): no such folder")
            throw ExitCode(1)
        }
        return HistoryLocation.source(root: folder.path) { Console.error($0) }
    }
}

/// `--server URL`: history read from a running daemon's API (`GET /api/runs`, a read token from
/// `JOBCTL_TOKEN`), written into a temporary folder so that every reader of history files judges
/// it the same way as the daemon's own files.
struct ServerHistory {
    let folder: HistoryFolder

    /// Pages through the job's records (all jobs' when nil), newest first, 1,000 a page; stops
    /// after `newest` records when given.
    init(server: String, job: String?, newest: Int? = nil) async throws {
        let client = try ServerOptions(server: server).client()
        let temporary = FileManager.default.temporaryDirectory.appendingPathComponent("jobctl-history-\(UUID().uuidString)").path
        folder = HistoryFolder(path: temporary)
        try FileManager.default.createDirectory(atPath: temporary, withIntermediateDirectories: true)
        var records: [String: [String]] = [:]
        var start = 0
        var total = 0
        while true {
            var query = "/api/runs?limit=1000&start=\(start)"
            if let job { query += "&job=" + (job.addingPercentEncoding(withAllowedCharacters: .urlQueryAllowed) ?? job) }
            let reply = try await ServerReply.send(client, "GET", query)
            try ServerReply.requireSuccess(reply)
            guard case .array(let runs) = reply.json[["runs"]] else { break }
            for run in runs {
                guard let record = try? RunRecord(jsonLine: run.description) else { continue }
                records[record.job, default: []].append(record.jsonLine)
                total += 1
            }
            if let newest, total >= newest { break }
            guard case .number(let next) = reply.json[["next"]] else { break }
            start = Int(next)
        }
        for (name, lines) in records {
            let path = try folder.file(forJob: name)
            try FileManager.default.createDirectory(atPath: (path as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
            FileManager.default.createFile(atPath: path, contents: Data(lines.reversed().map { $0 + "\n" }.joined().utf8))
        }
    }

    func remove() { try? FileManager.default.removeItem(atPath: folder.path) }
}
