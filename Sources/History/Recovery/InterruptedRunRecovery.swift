public import Foundation

/// On start: every run that was in flight when jobctl stopped becomes one `interrupted` record,
/// and its process group, if it outlived jobctl, is killed.
///
/// Exactly once, even if recovery itself crashes halfway: for each marker, a run that already
/// has a final record only loses its marker; otherwise the orphan is killed, the record is
/// appended, and only then is the marker removed. Running recovery again finds either the
/// marker and the record (and removes the marker) or neither.
public struct InterruptedRunRecovery: Sendable {
    public struct Report: Sendable {
        /// The `interrupted` records appended.
        public var recorded: [RunRecord] = []
        /// Markers removed because their run was already recorded.
        public var alreadyRecorded: [String] = []
        /// Runs whose orphaned process group was killed.
        public var killed: [String] = []
    }

    public let inFlight: any InFlightRegistry
    public let recorder: any RunRecorder
    /// Only markers of this node are recovered (and their processes killed); nil for all.
    public let node: String?

    public init(inFlight: any InFlightRegistry, recorder: any RunRecorder, node: String? = nil) {
        self.inFlight = inFlight
        self.recorder = recorder
        self.node = node
    }

    /// Recovers every marker; `now` is the records' `finishedAt`.
    /// - Parameter killOrphans: kill a recorded process group that still runs (see
    ///   ``OrphanedProcessGroup/kill(_:)``). Tests of recovery alone may turn it off.
    public func recover(now: Date, killOrphans: Bool = true) async throws -> Report {
        var report = Report()
        for run in try await inFlight.list() where node == nil || run.node == nil || run.node == node {
            try await recover(run, now: now, killOrphans: killOrphans, into: &report)
        }
        return report
    }

    /// Recovers one marker whose owner is gone: its final record when it had one, else an
    /// `interrupted` record (after killing what is left of its process group).
    public func recover(_ run: InFlightRun, now: Date, killOrphans: Bool = true, into report: inout Report) async throws {
        if try await recorder.contains(run: run.run, job: run.job) {
            try await inFlight.finish(run: run.run)
            report.alreadyRecorded.append(run.run)
            return
        }
        if let final = run.final {
            try await recorder.append(final)
            try await inFlight.finish(run: run.run)
            report.recorded.append(final)
            return
        }
        var warnings: [String] = []
        if killOrphans, let process = run.process {
            switch OrphanedProcessGroup.kill(process) {
            case .killed:
                warnings.append("killed process group \(process.processGroup), still running after jobctl stopped")
                report.killed.append(run.run)
            case .notOurs:
                warnings.append("process group \(process.processGroup) was not killed: its pid now belongs to another process")
            case .gone:
                break
            }
        }
        let record = run.interruptedRecord(at: now, error: "jobctl stopped while the run was \(run.status == .running ? "running" : "starting"); recovered at the next start", warnings: warnings)
        try await recorder.append(record)
        try await inFlight.finish(run: run.run)
        report.recorded.append(record)
    }
}
