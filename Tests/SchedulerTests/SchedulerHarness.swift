import Definitions
import Execution
import Foundation
import History
import Scheduler
import TestSupport

/// A scheduler on a temporary root with real history files, real child processes and a manual clock.
final class SchedulerHarness: Sendable {
    let root: TemporaryRoot
    let clock: ManualClock
    let history: HistoryFolder
    let tracker: RunTracker
    let scheduler: Scheduler
    let loop: Task<Void, Never>

    init(jobs: [String: String], config: String? = nil, start: String, maxConcurrent: Int = 64, appliedAt: String? = nil, root existing: TemporaryRoot? = nil,
         secrets: SecretStore = SecretStore(environment: [:], file: nil), notifications: NotificationService.Options? = nil) async throws {
        root = try existing ?? TemporaryRoot()
        for (path, text) in jobs { try root.write(path, text) }
        if let config { try root.write("jobctl.yaml", config) }
        clock = ManualClock(Self.date(start))
        history = HistoryFolder(root: root.path)
        tracker = RunTracker(root: root.path, history: history, recorder: FileRunRecorder(folder: history, durability: .unsynced), clock: clock, node: "test")
        scheduler = Scheduler(root: root.path, clock: clock, tracker: tracker, performer: ExecutionPerformer(secrets: secrets),
                              options: Scheduler.Options(maxConcurrent: maxConcurrent, node: "test"),
                              notifications: notifications.map { [history, path = root.path] in NotificationService(history: history, secrets: secrets, root: path, options: $0) })
        let definitions = try RootFolder(path: root.path).load()
        precondition(definitions.isValid, definitions.diagnostics.map(\.description).joined(separator: "\n"))
        await scheduler.load(AppliedState(commit: "0123456789abcdef", definitions: definitions, appliedAt: Self.date(appliedAt ?? start)))
        let scheduler = self.scheduler
        loop = Task { await scheduler.run() }
    }

    static func date(_ text: String) -> Date {
        ISO8601DateFormatter().date(from: text)!
    }

    func advance(to text: String) {
        clock.advance(to: Self.date(text))
    }

    func advance(by seconds: TimeInterval) {
        clock.advance(by: seconds)
    }

    /// For checks that something did *not* happen: processes whatever is due now, in the
    /// scheduler's actor, and reports whether any run is in progress afterwards.
    func settle() async -> Bool {
        await scheduler.fireDue()
        return await scheduler.runningRuns.isEmpty
    }

    func records(_ job: String) -> [RunRecord] {
        var result: [RunRecord] = []
        _ = try? HistoryReader(folder: history).forEachRecord(job: job) { result.append($0) }
        return result
    }

    /// Waits until the job has `count` records (real processes take real time), then returns them.
    func waitForRecords(_ job: String, count: Int) async throws -> [RunRecord] {
        try await eventually("\(count) records of \(job)") { records(job).count >= count }
        return records(job)
    }

    func waitForRunning(_ count: Int) async throws -> [Scheduler.RunningRun] {
        try await eventually("\(count) runs in progress") { await scheduler.runningRuns.count >= count }
        return await scheduler.runningRuns
    }

    func stop() async {
        await scheduler.shutdown(grace: .zero)
        loop.cancel()
        await loop.value
    }
}
