import Foundation

/// Reads history files. Lines that are torn or unreadable are skipped and reported as
/// ``HistoryWarning``s; reading never fails because of one bad line.
///
/// ```swift
/// let reader = HistoryReader(folder: HistoryFolder(root: "."))
/// let page = try reader.records(HistoryQuery(job: "reports/paid-search", last: 20))
/// ```
public struct HistoryReader: Sendable {
    public let folder: HistoryFolder
    /// Bytes read per step when reading backwards (tests make it small).
    public var backwardChunkSize = 64 * 1024
    /// The smallest part of a file worth a core of its own when scanning forwards (tests make it small).
    public var forwardPartBytes: Int64 = 8 << 20

    public init(folder: HistoryFolder) {
        self.folder = folder
    }

    /// The records a query asks for, oldest first. With `last`, files are read from the end
    /// and only as far as needed. A job without a history file has no records.
    /// - Throws: ``HistoryError`` for an invalid job id or a file that cannot be read.
    public func records(_ query: HistoryQuery) throws(HistoryError) -> HistoryPage {
        let jobs = try query.job.map { (job) throws(HistoryError) in try HistoryFolder.checkJobID(job); return [job] } ?? folder.jobs()
        var page = HistoryPage()
        for job in jobs {
            if let last = query.last {
                let part = try lastRecords(job: job, count: last, filter: query.filter)
                page.records += part.records
                page.warnings += part.warnings
            } else {
                page.warnings += try forEachRecord(job: job, filter: query.filter) { page.records.append($0) }
            }
        }
        if jobs.count > 1 {
            // Merge by time; the run id breaks ties, so the order is stable.
            page.records.sort { ($0.finishedAt, $0.run) < ($1.finishedAt, $1.run) }
            if let last = query.last, page.records.count > last { page.records.removeFirst(page.records.count - last) }
        }
        return page
    }

    /// The last `count` records of a job that match `filter`, oldest first, read backwards
    /// from the end of the file.
    public func lastRecords(job: String, count: Int, filter: RecordFilter = .all) throws(HistoryError) -> HistoryPage {
        let path = try folder.file(forJob: job)
        var page = HistoryPage()
        guard count > 0 else { return page }
        try BackwardLineReader.read(path: path, chunkSize: backwardChunkSize, torn: { offset, bytes in
            page.warnings.append(.torn(path, line: nil, offset: offset, bytes: bytes))
        }) { line in
            switch RecordLineDecoder.decode(line.bytes) {
            case .success(let record):
                let finished = RecordTime.milliseconds(record.finishedAt)
                if filter.isBeforeWindow(finishedAt: finished) { return false }
                if filter.matches(record) { page.records.append(record) }
            case .failure(let failure):
                page.warnings.append(.unreadable(path, line: nil, offset: line.offset, reason: failure.message))
            }
            return page.records.count < count
        }
        page.records.reverse()
        page.warnings.reverse()
        return page
    }

    /// Streams a job's matching records from the start of the file; returns the warnings.
    @discardableResult
    public func forEachRecord(job: String, filter: RecordFilter = .all, _ body: (RunRecord) throws(HistoryError) -> Void) throws(HistoryError) -> [HistoryWarning] {
        let path = try folder.file(forJob: job)
        var warnings: [HistoryWarning] = []
        try ForwardLineReader.read(path: path, torn: { offset, bytes, number in
            warnings.append(.torn(path, line: number, offset: offset, bytes: bytes))
        }) { (line) throws(HistoryError) -> Bool in
            switch RecordLineDecoder.decode(line.bytes) {
            case .success(let record):
                if filter.matches(record) { try body(record) }
            case .failure(let failure):
                warnings.append(.unreadable(path, line: line.number, offset: line.offset, reason: failure.message))
            }
            return true
        }
        return warnings
    }

    /// The most recent record of a job (by position: the last written) that satisfies
    /// `predicate`, read backwards; nil when there is none.
    public func lastRecord(job: String, where predicate: (RunRecord) -> Bool = { _ in true }) throws(HistoryError) -> RunRecord? {
        let path = try folder.file(forJob: job)
        var found: RunRecord?
        try BackwardLineReader.read(path: path, chunkSize: backwardChunkSize) { line in
            if case .success(let record) = RecordLineDecoder.decode(line.bytes), predicate(record) {
                found = record
                return false
            }
            return true
        }
        return found
    }

    /// The complete lines of a job's file written after the record of `run` (every line when
    /// `run` is nil or not in the file — retention drops the oldest records first, so a missing
    /// run is older than all that is left), oldest first, each with its newline. Read backwards,
    /// so the cost grows with the lines returned. A torn last line is left for a later call.
    public func lines(after run: String?, job: String) throws(HistoryError) -> [[UInt8]] {
        let path = try folder.file(forJob: job)
        var lines: [[UInt8]] = []
        try BackwardLineReader.read(path: path, chunkSize: backwardChunkSize) { line in
            if run != nil, case .success(let record) = RecordLineDecoder.decode(line.bytes), record.run == run {
                return false
            }
            lines.append(Array(line.bytes) + [0x0A])
            return true
        }
        return lines.reversed()
    }

    /// The record of `run`, whichever job it belongs to: looked for in the job whose folder holds
    /// its log, else in every job's file (each read backwards only as far as the run's start).
    public func record(ofRun run: String) -> RunRecord? {
        let jobs = folder.findLog(run: run).map { [$0.job] } ?? folder.jobs()
        for job in jobs where (try? contains(run: run, job: job)) == true {
            if let record = try? lastRecord(job: job, where: { $0.run == run }) { return record }
        }
        return nil
    }

    /// Whether the job's history holds a record of `run`. Reads backwards and stops once the
    /// records are older than the run's start (known from ids made by ``RunIDGenerator``).
    ///
    /// - Parameter wholeFile: read the whole file instead: for files whose records are not in
    ///   the order they finished (a cluster node's export, in the database's order, of records
    ///   stamped by the clocks of several nodes).
    public func contains(run: String, job: String, wholeFile: Bool = false) throws(HistoryError) -> Bool {
        let path = try folder.file(forJob: job)
        let started = wholeFile ? nil : RunID.startTime(of: run).map(RecordTime.milliseconds)
        var found = false
        try BackwardLineReader.read(path: path, chunkSize: backwardChunkSize) { line in
            guard case .success(let record) = RecordLineDecoder.decode(line.bytes) else { return true }
            if record.run == run {
                found = true
                return false
            }
            // A run's record is written after it started; far older lines cannot be it.
            if let started, RecordTime.milliseconds(record.finishedAt) < started - RecordFilter.orderSlackMs { return false }
            return true
        }
        return found
    }
}
