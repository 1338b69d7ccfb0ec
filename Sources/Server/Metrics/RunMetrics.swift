public import History
public import Foundation
import Locks

/// What `/metrics` reports about runs, fed by every record the scheduler appends (an observer
/// of ``ObservedRecorder``) after a start-up read of the existing history, so
/// `jobctl_runs_total` counts every record in the files, not only those of this process.
public final class RunMetrics: Sendable {
    struct Histogram: Sendable {
        let bounds: [Double]
        var counts: [Int]
        var sum = 0.0
        var count = 0

        init(bounds: [Double]) {
            self.bounds = bounds
            counts = Array(repeating: 0, count: bounds.count)
        }

        mutating func observe(_ value: Double) {
            for (index, bound) in bounds.enumerated() where value <= bound { counts[index] += 1 }
            sum += value
            count += 1
        }
    }

    struct State: Sendable {
        var runs: [String: [RunStatus: Int]] = [:]
        var duration = Histogram(bounds: [0.1, 0.5, 1, 5, 10, 30, 60, 300, 900, 3600, 14_400])
        var lag = Histogram(bounds: [0.01, 0.05, 0.1, 0.5, 1, 5, 30, 60, 300, 3600])
    }

    private let state = Locked(State())

    public init() {}

    /// Counts every record already in `folder` (torn or unreadable lines are skipped).
    public func seed(from folder: HistoryFolder) {
        let reader = HistoryReader(folder: folder)
        for job in folder.jobs() {
            _ = try? reader.forEachRecord(job: job) { record in observe(record) }
        }
    }

    public func observe(_ record: RunRecord) {
        state.withLock { state in
            state.runs[record.job, default: [:]][record.status, default: 0] += 1
            if record.status.ran, let milliseconds = record.durationMs {
                state.duration.observe(Double(milliseconds) / 1000)
            }
            if record.trigger == .schedule || record.trigger == .catchup, let scheduled = record.scheduledFor, let started = record.startedAt {
                state.lag.observe(max(0, started.timeIntervalSince(scheduled)))
            }
        }
    }

    func snapshot() -> State {
        state.withLock { $0 }
    }
}
