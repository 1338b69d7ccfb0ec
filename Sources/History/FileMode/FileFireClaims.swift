public import Foundation
import Locks

/// ``FireClaims`` for one process that owns a root (the daemon holds the root's lock): a fire
/// is taken when no record in `history/<job>.jsonl` and no in-flight marker has its scheduled
/// time (or covers it, for `missed` ranges), and this instance has not claimed it before.
///
/// The index is per job, in memory, and loaded lazily: the first claim of a job reads the
/// history file backwards from its end, only back to the records finished before the claimed
/// time (a record is always written after its fire time), and the in-flight markers are read
/// once. A claim for an earlier time than any covered reads further back. Each job keeps at
/// most `memoryLimit` claimed times (256 by default: a few KB a job, reached after ~4 minutes
/// by a per-second job, so a daemon's memory stays flat); the older half is dropped and re-read
/// from the file if a claim ever reaches back to it (catch-up after downtime).
///
/// Durability: a claim becomes durable when its run's in-flight marker (or final record) is
/// written, so the scheduler writes the marker before it starts anything. A crash between
/// the claim and the marker loses a fire that never started, which catch-up then handles.
public final class FileFireClaims: FireClaims {
    public let history: HistoryFolder
    public let inFlight: FileInFlightRegistry
    public let memoryLimit: Int

    private struct JobIndex {
        var claimed: Set<Int64> = []
        var missed: [ClosedRange<Int64>] = []
        /// Claims at or after this time are answered from memory.
        var coveredFrom = Int64.max

        func contains(_ t: Int64) -> Bool {
            claimed.contains(t) || missed.contains { $0.contains(t) }
        }
    }

    private struct State {
        var jobs: [String: JobIndex] = [:]
        var markers: [String: [Int64]]?
    }

    private let state = Locked(State())

    public init(history: HistoryFolder, inFlight: FileInFlightRegistry, memoryLimit: Int = 256) {
        self.history = history
        self.inFlight = inFlight
        self.memoryLimit = max(16, memoryLimit)
    }

    /// - Throws: ``HistoryError`` for an invalid job id or an unreadable history file.
    public func claim(job: String, scheduledFor: Date) throws(HistoryError) -> Bool {
        let path = try history.file(forJob: job)
        let t = RecordTime.milliseconds(scheduledFor)
        return try state.withLock { (state) throws(HistoryError) -> Bool in
            if state.markers == nil {
                var markers: [String: [Int64]] = [:]
                for run in try inFlight.list() {
                    if let time = run.scheduledFor { markers[run.job, default: []].append(RecordTime.milliseconds(time)) }
                }
                state.markers = markers
            }
            var index = state.jobs[job] ?? JobIndex()
            if t < index.coveredFrom {
                index.claimed.formUnion(state.markers?[job] ?? [])
                try load(path: path, from: t, into: &index)
            }
            if index.contains(t) {
                state.jobs[job] = index
                return false
            }
            index.claimed.insert(t)
            if index.claimed.count > memoryLimit { prune(&index) }
            state.jobs[job] = index
            return true
        }
    }

    /// Reads the file backwards down to the records finished before `t` (less the ordering slack).
    private func load(path: String, from t: Int64, into index: inout JobIndex) throws(HistoryError) {
        try BackwardLineReader.read(path: path) { line in
            guard let summary = RecordLineDecoder.summary(line.bytes) else { return true }
            if let time = summary.scheduledFor { index.claimed.insert(time) }
            if summary.status == .missed, let first = summary.firstScheduledFor, let last = summary.lastScheduledFor, first <= last {
                index.missed.append(first...last)
            }
            return summary.finishedAt >= t - RecordFilter.orderSlackMs
        }
        index.coveredFrom = min(index.coveredFrom, t)
    }

    private func prune(_ index: inout JobIndex) {
        let sorted = index.claimed.sorted()
        let cut = sorted[sorted.count / 2]
        index.claimed = Set(sorted[(sorted.count / 2)...])
        index.missed.removeAll { $0.upperBound < cut }
        index.coveredFrom = max(index.coveredFrom, cut)
    }
}
