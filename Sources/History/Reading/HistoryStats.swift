import Foundation
import Locks

/// `jobctl history --stats`: counts per status, success rate, duration percentiles, and the last
/// success and failure.
///
/// - `successRate` is `completed / ran`, where `ran` counts the runs that started and reached an
///   outcome (completed, failed, timed_out, cancelled, interrupted); decisions not to run
///   (skipped, filtered, rate_limited, missed, blocked) are counted but not rated. Nil when
///   nothing ran.
/// - Durations are over records that have `durationMs`; percentiles are nearest-rank
///   (`sorted[ceil(p * n) - 1]`), so they are always a duration that occurred.
/// - "Failure" is failed, timed_out or interrupted.
public struct HistoryStats: Sendable, Codable {
    public struct Durations: Sendable, Codable, Hashable {
        public var count: Int
        public var p50Ms: Int64
        public var p95Ms: Int64
        public var maxMs: Int64
    }

    /// The job, or nil for every job.
    public var job: String?
    public var total: Int
    /// Status name → count, for statuses that occur.
    public var counts: [String: Int]
    public var ran: Int
    public var successRate: Double?
    public var durations: Durations?
    public var lastSuccess: RunRecord?
    public var lastFailure: RunRecord?
    /// Matrix fan-outs among the records (by their `fanout.group`); nil when there are none.
    public var fanOuts: FanOuts?

    /// How the fan-outs ended, each judged by the last record of each of its runs (a retry's
    /// record replaces its earlier attempt's).
    public struct FanOuts: Sendable, Codable, Hashable {
        public var total: Int
        /// Every run recorded, every one completed.
        public var succeeded: Int
        /// At least one run failed, timed out or was interrupted.
        public var failed: Int
        /// Neither: runs not recorded (yet, or removed by retention), or cancelled, skipped, blocked.
        public var other: Int
    }

    public func count(_ status: RunStatus) -> Int { counts[status.rawValue] ?? 0 }
}

/// Gathers stats from line summaries, decoding only the two lines it reports in full.
struct StatsAccumulator: Sendable {
    struct Mark: Sendable {
        var finishedAt: Int64
        var path: String
        var offset: Int64
        var length: Int
    }

    var counts = [Int](repeating: 0, count: RunStatus.allCases.count)
    var durations: [Int64] = []
    var lastSuccess: Mark?
    var lastFailure: Mark?
    /// Each fan-out's size and the last status of each of its runs, by index.
    var fanOuts: [String: (size: Int, statuses: [Int: RunStatus])] = [:]

    /// Index of each status in `RunStatus.allCases`, by raw value bytes (no hashing in the loop).
    static let statusIndex: [RunStatus: Int] = Dictionary(uniqueKeysWithValues: RunStatus.allCases.enumerated().map { ($1, $0) })

    mutating func add(_ summary: RecordLineDecoder.Summary, path: String, line: Line) {
        counts[Self.statusIndex[summary.status]!] += 1
        if let fanout = summary.fanout, let group = fanout.group {
            fanOuts[group, default: (fanout.of, [:])].statuses[fanout.index] = summary.status
        }
        if let duration = summary.durationMs { durations.append(duration) }
        if summary.status == .completed {
            if lastSuccess.map({ summary.finishedAt >= $0.finishedAt }) ?? true {
                lastSuccess = Mark(finishedAt: summary.finishedAt, path: path, offset: line.offset, length: line.bytes.count)
            }
        } else if summary.status.isFailure {
            if lastFailure.map({ summary.finishedAt >= $0.finishedAt }) ?? true {
                lastFailure = Mark(finishedAt: summary.finishedAt, path: path, offset: line.offset, length: line.bytes.count)
            }
        }
    }

    mutating func merge(_ other: StatsAccumulator) {
        for i in counts.indices { counts[i] += other.counts[i] }
        durations += other.durations
        for (group, entry) in other.fanOuts {
            fanOuts[group, default: (entry.size, [:])].statuses.merge(entry.statuses) { _, new in new }
        }
        if let mark = other.lastSuccess, lastSuccess.map({ mark.finishedAt >= $0.finishedAt }) ?? true { lastSuccess = mark }
        if let mark = other.lastFailure, lastFailure.map({ mark.finishedAt >= $0.finishedAt }) ?? true { lastFailure = mark }
    }

    consuming func finish(job: String?) throws(HistoryError) -> HistoryStats {
        var byName: [String: Int] = [:]
        var total = 0
        var ran = 0
        for (index, status) in RunStatus.allCases.enumerated() where counts[index] > 0 {
            byName[status.rawValue] = counts[index]
            total += counts[index]
            if status.ran { ran += counts[index] }
        }
        var summary: HistoryStats.Durations?
        if !durations.isEmpty {
            durations.sort()
            func rank(_ p: Double) -> Int64 {
                let index = Int((p * Double(durations.count)).rounded(.up)) - 1
                return durations[max(0, min(durations.count - 1, index))]
            }
            summary = HistoryStats.Durations(count: durations.count, p50Ms: rank(0.5), p95Ms: rank(0.95), maxMs: durations.last!)
        }
        var fanOutStats: HistoryStats.FanOuts?
        if !fanOuts.isEmpty {
            var result = HistoryStats.FanOuts(total: fanOuts.count, succeeded: 0, failed: 0, other: 0)
            for (_, entry) in fanOuts {
                if entry.statuses.values.contains(where: \.isFailure) {
                    result.failed += 1
                } else if entry.statuses.count == entry.size, entry.statuses.values.allSatisfy({ $0 == .completed }) {
                    result.succeeded += 1
                } else {
                    result.other += 1
                }
            }
            fanOutStats = result
        }
        return HistoryStats(
            job: job, total: total, counts: byName, ran: ran,
            successRate: ran > 0 ? Double(counts[Self.statusIndex[.completed]!]) / Double(ran) : nil,
            durations: summary,
            lastSuccess: try lastSuccess.flatMap(Self.record), lastFailure: try lastFailure.flatMap(Self.record),
            fanOuts: fanOutStats
        )
    }

    /// Re-reads one line by its offset and decodes it.
    static func record(_ mark: Mark) throws(HistoryError) -> RunRecord? {
        guard let fd = try SystemCalls.openForReading(mark.path) else { return nil }
        defer { close(fd) }
        let bytes = UnsafeMutableBufferPointer<UInt8>.allocate(capacity: max(1, mark.length))
        defer { bytes.deallocate() }
        let count = try SystemCalls.pread(fd, bytes.baseAddress!, mark.length, mark.offset, path: mark.path)
        guard count == mark.length else { return nil }
        return try? RecordLineDecoder.decode(UnsafeBufferPointer(rebasing: bytes[0..<count])).get()
    }
}

extension HistoryReader {
    /// Stats of one job, or of every job when `job` is nil, over the records matching `filter`.
    /// Reads forward through whole files, on every core (a large file is cut into parts of whole
    /// lines, scanned at once and merged in order), or backwards and only as far as needed with
    /// `since`; decodes only status, times and duration of each line.
    public func stats(job: String?, filter: RecordFilter = .all) throws(HistoryError) -> (stats: HistoryStats, warnings: [HistoryWarning]) {
        let jobs = try job.map { (job) throws(HistoryError) in try HistoryFolder.checkJobID(job); return [job] } ?? folder.jobs()
        let paths = try jobs.map { (job) throws(HistoryError) in try folder.file(forJob: job) }
        var total = StatsAccumulator()
        var warnings: [HistoryWarning] = []
        if filter.since != nil {
            for path in paths {
                var scan = StatsScan(path: path, filter: filter)
                try BackwardLineReader.read(path: path, chunkSize: backwardChunkSize, torn: { offset, bytes in
                    scan.warnings.append(.torn(path, line: nil, offset: offset, bytes: bytes))
                }) { line in scan.take(line) }
                total.merge(scan.stats)
                warnings += scan.warnings
            }
            return (try total.finish(job: job), warnings)
        }
        let cores = ProcessInfo.processInfo.activeProcessorCount
        var pieces: [(path: String, part: ForwardLineReader.Part)] = []
        for path in paths {
            pieces += try ForwardLineReader.parts(path: path, count: cores, minimumBytes: forwardPartBytes).map { (path, $0) }
        }
        let scans = ParallelMap.map(pieces, itemsPerChunk: 1) { piece -> Result<(StatsScan, lines: Int), HistoryError> in
            var scan = StatsScan(path: piece.path, filter: filter)
            do throws(HistoryError) {
                let lines = try ForwardLineReader.read(path: piece.path, part: piece.part, torn: { offset, bytes, number in
                    scan.warnings.append(.torn(piece.path, line: number, offset: offset, bytes: bytes))
                }) { line in scan.take(line) }
                return .success((scan, lines))
            } catch {
                return .failure(error)
            }
        }
        // Merged in file order; each part's line numbers continue from the parts before it.
        var linesBefore = 0
        for (index, result) in scans.enumerated() {
            let (scan, lines) = try result.get()
            if pieces[index].part.start == 0 { linesBefore = 0 }
            total.merge(scan.stats)
            warnings += scan.warnings.map { warning in
                var warning = warning
                warning.line = warning.line.map { $0 + linesBefore }
                return warning
            }
            linesBefore += lines
        }
        return (try total.finish(job: job), warnings)
    }
}

/// One file's (or one part's) scan for ``HistoryReader/stats(job:filter:)``.
private struct StatsScan: Sendable {
    let path: String
    let statuses: Set<RunStatus>?
    let sinceMs: Int64?
    let untilMs: Int64?
    var stats = StatsAccumulator()
    var warnings: [HistoryWarning] = []

    init(path: String, filter: RecordFilter) {
        self.path = path
        statuses = filter.statuses
        sinceMs = filter.since.map(RecordTime.milliseconds)
        untilMs = filter.until.map(RecordTime.milliseconds)
    }

    /// Counts one line; false once a backward read has gone far enough before `since`.
    mutating func take(_ line: Line) -> Bool {
        guard let summary = RecordLineDecoder.summary(line.bytes) else {
            var reason = "unreadable"
            if case .failure(let failure) = RecordLineDecoder.decode(line.bytes) { reason = failure.message }
            warnings.append(.unreadable(path, line: line.number, offset: line.offset, reason: reason))
            return true
        }
        if let sinceMs, summary.finishedAt < sinceMs {
            return summary.finishedAt >= sinceMs - RecordFilter.orderSlackMs
        }
        if let untilMs, summary.finishedAt >= untilMs { return true }
        if let statuses, !statuses.contains(summary.status) { return true }
        stats.add(summary, path: path, line: line)
        return true
    }
}
