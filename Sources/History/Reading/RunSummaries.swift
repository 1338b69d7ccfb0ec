public import Foundation
import Locks

/// Each job's recent runs as a summary kept while records are appended (after one read of the
/// last ``window`` records of each file at start): the dashboard's status strips, success rates
/// and duration percentiles come from here, never from re-reading history per page view.
public final class RunSummaries: Sendable {
    /// One job's summary of its last ``RunSummaries/window`` records.
    public struct Summary: Sendable, Hashable {
        /// Status of the most recent records, newest last (at most ``RunSummaries/stripLength``).
        public var recent: [RunStatus]
        /// Records in the window, and how many of them ran (started a process).
        public var records: Int
        public var ran: Int
        public var completed: Int
        /// Completed runs over runs that ran; nil when none ran.
        public var successRate: Double? { ran == 0 ? nil : Double(completed) / Double(ran) }
        /// Duration percentiles of the runs in the window that ran (nearest rank); nil when none did.
        public var p50Ms: Int64?
        public var p95Ms: Int64?
    }

    /// How many of a job's most recent records a summary covers.
    public let window: Int
    public static let stripLength = 20

    private struct Entry {
        /// The window, oldest first: (status, duration when it ran).
        var records: [(RunStatus, Int64?)] = []
    }

    private let entries = Locked([String: Entry]())

    public init(window: Int = 200) {
        self.window = max(1, window)
    }

    /// Reads the last ``window`` records of every job in `folder`, from the end of each file.
    public func seed(from folder: HistoryFolder) {
        let reader = HistoryReader(folder: folder)
        for job in folder.jobs() {
            guard let page = try? reader.lastRecords(job: job, count: window) else { continue }
            for record in page.records { observe(record) }
        }
    }

    public func observe(_ record: RunRecord) {
        let item = (record.status, record.status.ran ? record.durationMs : nil)
        entries.withLock { entries in
            entries[record.job, default: Entry()].records.append(item)
            if entries[record.job]!.records.count > window { entries[record.job]!.records.removeFirst() }
        }
    }

    /// The job's summary; nil before its first record.
    public func summary(of job: String) -> Summary? {
        guard let records = entries.withLock({ $0[job]?.records }), !records.isEmpty else { return nil }
        var durations: [Int64] = []
        var ran = 0, completed = 0
        for (status, duration) in records where status.ran {
            ran += 1
            if status == .completed { completed += 1 }
            if let duration { durations.append(duration) }
        }
        durations.sort()
        func rank(_ p: Double) -> Int64? {
            durations.isEmpty ? nil : durations[max(0, Int((Double(durations.count) * p).rounded(.up)) - 1)]
        }
        return Summary(recent: records.suffix(Self.stripLength).map(\.0), records: records.count, ran: ran, completed: completed,
                       p50Ms: rank(0.5), p95Ms: rank(0.95))
    }
}
