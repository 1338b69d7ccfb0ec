public import History
public import Foundation
import Synchronization

/// What `/metrics` reports about runs, fed by every record the scheduler appends (through
/// ``MetricsRecorder``) after a start-up read of the existing history, so `jobctl_runs_total`
/// counts every record in the files, not only those of this process.
///
/// It also keeps each job's last record (run id, status, time) for the job list's `state` and
/// `lastRun`, so listing jobs reads no history file.
public final class RunMetrics: Sendable {
    public struct LastRun: Sendable, Hashable {
        public var run: String
        public var status: RunStatus
        public var finishedAt: Date
    }

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
        var last: [String: LastRun] = [:]
        var lastRan: [String: LastRun] = [:]
        var duration = Histogram(bounds: [0.1, 0.5, 1, 5, 10, 30, 60, 300, 900, 3600, 14_400])
        var lag = Histogram(bounds: [0.01, 0.05, 0.1, 0.5, 1, 5, 30, 60, 300, 3600])
    }

    private let state = Mutex(State())

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
            let last = LastRun(run: record.run, status: record.status, finishedAt: record.finishedAt)
            if (state.last[record.job]?.finishedAt ?? .distantPast) <= record.finishedAt { state.last[record.job] = last }
            if record.status.ran || record.status == .blocked,
               (state.lastRan[record.job]?.finishedAt ?? .distantPast) <= record.finishedAt {
                state.lastRan[record.job] = last
            }
            if record.status.ran, let milliseconds = record.durationMs {
                state.duration.observe(Double(milliseconds) / 1000)
            }
            if record.trigger == .schedule || record.trigger == .catchup, let scheduled = record.scheduledFor, let started = record.startedAt {
                state.lag.observe(max(0, started.timeIntervalSince(scheduled)))
            }
        }
    }

    /// The job's most recent record, whatever its status.
    public func lastRecord(of job: String) -> LastRun? {
        state.withLock { $0.last[job] }
    }

    /// The job's most recent run that started (or was blocked): what its state follows.
    public func lastRun(of job: String) -> LastRun? {
        state.withLock { $0.lastRan[job] }
    }

    func snapshot() -> State {
        state.withLock { $0 }
    }
}

/// A ``RunRecorder`` that feeds ``RunMetrics`` with each record once it is appended.
public struct MetricsRecorder: RunRecorder {
    public let inner: any RunRecorder
    public let metrics: RunMetrics

    public init(wrapping inner: any RunRecorder, metrics: RunMetrics) {
        self.inner = inner
        self.metrics = metrics
    }

    public func append(_ record: RunRecord) async throws {
        try await inner.append(record)
        metrics.observe(record)
    }

    public func contains(run: String, job: String) async throws -> Bool {
        try await inner.contains(run: run, job: job)
    }
}
