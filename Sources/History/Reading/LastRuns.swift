public import Foundation
import Locks

/// Each job's most recent record and most recent run, kept as records are appended (after one
/// read of the files at start), so listing jobs and their states reads no history file.
public final class LastRuns: Sendable {
    public struct Entry: Sendable, Hashable {
        public var run: String
        public var status: RunStatus
        public var finishedAt: Date
    }

    private struct State {
        var last: [String: Entry] = [:]
        var lastRan: [String: Entry] = [:]
    }

    private let state = Locked(State())

    public init() {}

    /// Reads the last records of every job in `folder` (torn or unreadable lines are skipped).
    public func seed(from folder: HistoryFolder) {
        let reader = HistoryReader(folder: folder)
        for job in folder.jobs() {
            if let record = try? reader.lastRecord(job: job) { observe(record) }
            if let record = try? reader.lastRecord(job: job, where: { $0.status.ran || $0.status == .blocked }) { observe(record) }
        }
    }

    public func observe(_ record: RunRecord) {
        let entry = Entry(run: record.run, status: record.status, finishedAt: record.finishedAt)
        state.withLock { state in
            if (state.last[record.job]?.finishedAt ?? .distantPast) <= record.finishedAt { state.last[record.job] = entry }
            if record.status.ran || record.status == .blocked, (state.lastRan[record.job]?.finishedAt ?? .distantPast) <= record.finishedAt {
                state.lastRan[record.job] = entry
            }
        }
    }

    /// The job's most recent record, whatever its status.
    public func lastRecord(of job: String) -> Entry? {
        state.withLock { $0.last[job] }
    }

    /// The job's most recent run that started (or was blocked): what its state follows.
    public func lastRun(of job: String) -> Entry? {
        state.withLock { $0.lastRan[job] }
    }
}
