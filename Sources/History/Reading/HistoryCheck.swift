public import Foundation

/// `jobctl check`: the gate a CI job runs on a job's history. A pure function of the history
/// file and `now`.
public struct HistoryCheck: Sendable, Hashable {
    /// Pass only if a run completed within this many milliseconds before `now`.
    public var succeededWithinMs: Int64?
    /// Pass only if the job's latest runs hold at most this many failures in a row
    /// (failed, timed_out, interrupted; runs that did not run, and cancelled ones, neither
    /// break nor extend a streak; a completed run ends it).
    public var maxConsecutiveFailures: Int?

    public init(succeededWithinMs: Int64? = nil, maxConsecutiveFailures: Int? = nil) {
        self.succeededWithinMs = succeededWithinMs
        self.maxConsecutiveFailures = maxConsecutiveFailures
    }

    public struct Outcome: Sendable, Hashable {
        public var passed: Bool
        /// One line: `pass: ...` or `fail: ...`.
        public var reason: String
        public var warnings: [HistoryWarning]
        /// When the newest record of the job finished (nil: no records): how fresh the history
        /// judged is.
        public var newest: Date?
    }

    /// Evaluates the check on `job`'s history.
    /// - Throws: ``HistoryError`` for an invalid job id or an unreadable file (a missing file is
    ///   a job that never ran: it fails a `succeededWithin` check).
    public func evaluate(job: String, reader: HistoryReader, now: Date) throws(HistoryError) -> Outcome {
        let path = try reader.folder.file(forJob: job)
        let nowMs = RecordTime.milliseconds(now)
        var lastSuccess: RunRecord?
        var failures: [RunRecord] = []
        var total = 0
        var streakOpen = true
        var warnings: [HistoryWarning] = []
        var newest: Date?
        // One backward pass: the latest success, and the failures after it.
        try BackwardLineReader.read(path: path, chunkSize: reader.backwardChunkSize, torn: { offset, bytes in
            warnings.append(.torn(path, line: nil, offset: offset, bytes: bytes))
        }) { line in
            guard case .success(let record) = RecordLineDecoder.decode(line.bytes) else {
                warnings.append(.unreadable(path, line: nil, offset: line.offset, reason: "not a run record"))
                return true
            }
            total += 1
            if newest == nil { newest = record.finishedAt }
            if record.status == .completed {
                lastSuccess = record
                return false
            }
            if streakOpen, record.status.isFailure {
                failures.append(record)
                if let max = maxConsecutiveFailures, failures.count > max, succeededWithinMs == nil { streakOpen = false; return false }
            }
            return true
        }

        if let window = succeededWithinMs {
            let windowText = RecordFormatting.duration(milliseconds: window)
            guard let success = lastSuccess else {
                let detail = total == 0 ? "no runs recorded" : "never succeeded in \(total) recorded run\(total == 1 ? "" : "s")"
                return Outcome(passed: false, reason: "fail: \(job) has not succeeded within \(windowText) (\(detail))", warnings: warnings, newest: newest)
            }
            let age = nowMs - RecordTime.milliseconds(success.finishedAt)
            if age > window {
                return Outcome(passed: false, reason: "fail: \(job) has not succeeded within \(windowText) (last success \(RecordFormatting.duration(milliseconds: age)) ago, run \(success.run))", warnings: warnings, newest: newest)
            }
        }
        if let max = maxConsecutiveFailures, failures.count > max {
            let latest = failures[0]
            let error = latest.error.map { ": \($0)" } ?? ""
            return Outcome(passed: false, reason: "fail: \(job) has \(failures.count) consecutive failure\(failures.count == 1 ? "" : "s") (at most \(max) allowed); latest \(latest.status.rawValue), run \(latest.run)\(error)", warnings: warnings, newest: newest)
        }
        var parts: [String] = []
        if let success = lastSuccess {
            parts.append("\(job) succeeded \(RecordFormatting.duration(milliseconds: max(0, nowMs - RecordTime.milliseconds(success.finishedAt)))) ago (run \(success.run))")
        } else {
            parts.append("\(job) has no successful run")
        }
        if maxConsecutiveFailures != nil {
            parts.append("\(failures.count) failure\(failures.count == 1 ? "" : "s") since")
        }
        return Outcome(passed: true, reason: "pass: " + parts.joined(separator: "; "), warnings: warnings, newest: newest)
    }
}

/// How records' numbers read in tables and messages.
public enum RecordFormatting {
    /// `850ms`, `12.3s`, `4m05s`, `3h12m`, `2d4h`.
    public static func duration(milliseconds ms: Int64) -> String {
        if ms < 1000 { return "\(ms)ms" }
        if ms < 60_000 {
            let tenths = ms / 100
            return tenths % 10 == 0 ? "\(tenths / 10)s" : "\(tenths / 10).\(tenths % 10)s"
        }
        let seconds = ms / 1000
        if seconds < 3600 { return "\(seconds / 60)m" + pad(seconds % 60) + "s" }
        let minutes = seconds / 60
        if minutes < 24 * 60 { return "\(minutes / 60)h" + pad(minutes % 60) + "m" }
        let hours = minutes / 60
        return "\(hours / 24)d" + (hours % 24 == 0 ? "" : "\(hours % 24)h")
    }

    private static func pad(_ value: Int64) -> String { value < 10 ? "0\(value)" : "\(value)" }
}
