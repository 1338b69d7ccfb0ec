public import Foundation
public import Definitions
import History

/// The fires a pause held back, for one job: recorded as one `skipped` record when the pause ends.
struct PauseGap: Sendable {
    var pause: JobPause
    var count: Int
    var first: Date
    var last: Date
}

extension Scheduler {
    // MARK: Pauses (runtime state in .jobctl/pauses.json; see PauseStore)

    /// Pauses a job's schedule: its fires are counted, not run, until ``resume(_:by:)`` or the
    /// pause's `until`; then they are recorded as one `skipped` record (reason `paused`, the count,
    /// the first and last scheduled times). Manual, API and event runs still run.
    public func pause(_ job: JobID, until: Date?, reason: String?, by: String) throws(TriggerRefusal) -> JobPause {
        guard state?.definitions.jobs[job] != nil else { throw TriggerRefusal(reason: .unknownJob, message: "no applied job '\(job)'") }
        let pause = JobPause(job: job.rawValue, since: clock.now(), until: until, reason: reason, by: by)
        do { try pauses.pause(pause) } catch { throw TriggerRefusal(reason: .notRunnable, message: error.message) }
        log("\(job): \(pause.summary)")
        return pause
    }

    /// Lifts a job's pause and records the fires it held back.
    /// - Returns: the pause lifted, nil when the job was not paused.
    public func resume(_ job: JobID, by: String) async throws(TriggerRefusal) -> JobPause? {
        let lifted: JobPause?
        do { lifted = try pauses.resume(job: job.rawValue) } catch { throw TriggerRefusal(reason: .notRunnable, message: error.message) }
        if lifted != nil { log("\(job): resumed by \(by)") }
        await endPauseGap(job)
        return lifted
    }

    /// Whether a pause holds this fire back (then it is counted in the job's gap). When no pause
    /// holds any more, the gap the last one left is recorded first.
    func heldByPause(_ job: JobID, fire: Date, now: Date) async -> Bool {
        if let pause = pauses.pause(of: job.rawValue, at: now) {
            if var gap = pauseGaps[job] {
                gap.count += 1
                gap.last = fire
                pauseGaps[job] = gap
            } else {
                pauseGaps[job] = PauseGap(pause: pause, count: 1, first: fire, last: fire)
            }
            return true
        }
        await endPauseGap(job)
        return false
    }

    /// Records the fires held back by a job's pause, if any, as one `skipped` record.
    func endPauseGap(_ job: JobID) async {
        guard let gap = pauseGaps.removeValue(forKey: job) else { return }
        let now = clock.now()
        let record = RunRecord(
            run: ids.next(at: now), job: job.rawValue, trigger: .schedule, status: .skipped, scheduledFor: gap.last, finishedAt: now,
            commit: state?.commit,
            warnings: ["paused: \(gap.count) fire\(gap.count == 1 ? "" : "s") not run (\(gap.pause.summary))"],
            node: options.node, count: gap.count, firstScheduledFor: gap.first, lastScheduledFor: gap.last)
        await tracker.record(record)
        announce(record, job: state?.definitions.jobs[job])
    }

    /// Records every gap still open (on shutdown: no fire is skipped silently).
    func endAllPauseGaps() async {
        for job in pauseGaps.keys.sorted() { await endPauseGap(job) }
    }

    /// The jobs paused now, by id.
    public var pausedJobs: [String: JobPause] {
        let now = clock.now()
        return pauses.all().filter { $0.value.holds(at: now) }
    }
}
