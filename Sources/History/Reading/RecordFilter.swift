public import Foundation

/// Which records a read returns. Times compare with `finishedAt`, the time a record was
/// written, which is also the order of the lines in a file.
public struct RecordFilter: Sendable, Hashable {
    /// Only these statuses; nil for all.
    public var statuses: Set<RunStatus>?
    /// Only records finished at or after this instant.
    public var since: Date?
    /// Only records finished before this instant.
    public var until: Date?

    public init(statuses: Set<RunStatus>? = nil, since: Date? = nil, until: Date? = nil) {
        self.statuses = statuses
        self.since = since
        self.until = until
    }

    public static let all = RecordFilter()

    private var sinceMs: Int64? { since.map(RecordTime.milliseconds) }
    private var untilMs: Int64? { until.map(RecordTime.milliseconds) }

    public func matches(_ record: RunRecord) -> Bool {
        matches(status: record.status, finishedAt: RecordTime.milliseconds(record.finishedAt))
    }

    func matches(status: RunStatus, finishedAt: Int64) -> Bool {
        if let statuses, !statuses.contains(status) { return false }
        if let sinceMs, finishedAt < sinceMs { return false }
        if let untilMs, finishedAt >= untilMs { return false }
        return true
    }

    /// Reading backwards, whether a record finished at `finishedAt` proves every earlier line
    /// is too old as well. Lines are appended in finishing order; the slack absorbs small
    /// reorderings (two runs finishing together, a clock stepped back a little).
    func isBeforeWindow(finishedAt: Int64) -> Bool {
        guard let sinceMs else { return false }
        return finishedAt < sinceMs - RecordFilter.orderSlackMs
    }

    /// How far out of order (by `finishedAt`) lines of one file may be and still be found.
    static let orderSlackMs: Int64 = 10 * 60 * 1000
}

/// What `HistoryReader.records(_:)` reads.
public struct HistoryQuery: Sendable, Hashable {
    /// One job, or every job in the folder (merged by `finishedAt`).
    public var job: String?
    public var filter: RecordFilter
    /// Only the last N matching records (read from the end of the files).
    public var last: Int?

    public init(job: String? = nil, filter: RecordFilter = .all, last: Int? = nil) {
        self.job = job
        self.filter = filter
        self.last = last
    }
}

/// Records in chronological order (oldest first), and the lines skipped on the way.
public struct HistoryPage: Sendable {
    public var records: [RunRecord]
    public var warnings: [HistoryWarning]

    public init(records: [RunRecord] = [], warnings: [HistoryWarning] = []) {
        self.records = records
        self.warnings = warnings
    }
}
