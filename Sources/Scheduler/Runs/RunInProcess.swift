public import Foundation
public import Definitions
public import Expressions
public import History
import Locks

/// `jobctl run JOB`: one run (or fan-out) of a job in this process, recorded like any other and
/// admitted by the same rules as the daemon's — it sees the daemon's runs in flight and the
/// daemon sees it (``RunTracker``), the rate limit counts it.
public enum RunInProcess {
    public struct Failure: Error, Sendable, CustomStringConvertible {
        public var message: String
        /// The run was refused by the job's concurrency policy or rate limit (and recorded so).
        public var refused: Bool
        public var description: String { message }
    }

    /// Runs `job` of `root` now (trigger `manual`) and waits for it.
    /// - Parameters:
    ///   - draft: run the working-tree definition instead of the applied one.
    ///   - force: start even when the rate limit is reached (recorded as a warning).
    /// - Returns: the final records of the runs it started, in order.
    /// - Throws: ``Failure`` for an unknown or invalid job, no applied state, invalid parameters,
    ///   or a refusal.
    ///   - atCommit: run this definition, read from this commit (`rerun --at-commit`), instead of the applied one.
    public static func run(root: String, job id: JobID, parameters: [String: ParameterInput], draft: Bool, atCommit: (job: JobDefinition, commit: String)? = nil, force: Bool = false,
                           trigger: Trigger = .manual, event: Value = .null, rerunOf: String? = nil,
                           node: String? = ProcessInfo.processInfo.hostName, clock: any SchedulerClock = SystemClock(),
                           performer: any RunPerformer = ExecutionPerformer(),
                           started: @Sendable ([String]) -> Void = { _ in }) async throws(Failure) -> [RunRecord] {
        let state = try load(root: root, job: id, draft: draft)
        guard let definition = atCommit?.job ?? state.definitions.jobs[id] else {
            throw Failure(message: "no \(draft ? "valid job" : "applied job") '\(id)' in \(root)\(draft ? "" : " (try --draft for the working tree)")", refused: false)
        }
        let history = HistoryLocation.resolve(root: root)
        let written = Locked<[RunRecord]>([])
        let recorder = ObservedRecorder(FileRunRecorder(folder: history), observers: [{ record in written.withLock { $0.append(record) } }])
        let tracker = RunTracker(root: root, history: history, recorder: recorder, clock: clock, node: node)
        // Notifications of a run started here are sent before the command returns: one attempt
        // each (no retries to wait out in a terminal).
        let notifications = NotificationService(history: history, secrets: performer.secrets, root: root, options: .init(retryDelays: []))
        let scheduler = Scheduler(root: root, clock: clock, tracker: tracker, performer: performer, options: Scheduler.Options(node: node),
                                  notifications: notifications)
        await scheduler.load(state, catchingUp: false)
        let runs: [String]
        do {
            runs = try await scheduler.trigger(id, trigger: trigger, parameters: parameters, event: event,
                                               definitionOverride: draft || atCommit != nil ? definition : nil, overrideCommit: atCommit?.commit,
                                               force: force, rerunOf: rerunOf,
                                               requestedBy: "user " + (ProcessInfo.processInfo.environment["USER"] ?? NSUserName()))
        } catch {
            throw Failure(message: error.message, refused: error.reason == .concurrency || error.reason == .rateLimited)
        }
        started(runs)
        await scheduler.waitUntilIdle()
        await notifications.waitUntilIdle()
        // Every record this process wrote for the request: its runs, their retries, and the
        // runs of its fan-out that waited for maxParallel.
        return written.withLock { $0 }.filter { $0.job == id.rawValue }
    }

    private static func load(root: String, job id: JobID, draft: Bool) throws(Failure) -> AppliedState {
        if draft {
            guard let set = RootFolder(path: root).draft(id) else {
                throw Failure(message: "no job '\(id)' in \(root)/jobs (looked for jobs/\(id).yaml and jobs/\(id).yml)", refused: false)
            }
            let problems = set.diagnostics.filter { $0.severity == .error }
            if !problems.isEmpty {
                throw Failure(message: "the working-tree definition is invalid:\n" + problems.map(\.description).joined(separator: "\n"), refused: false)
            }
            return AppliedState(commit: nil, definitions: set, appliedAt: Date())
        }
        let source = GitAppliedStateSource(root: root, autoApply: false) { _ in }
        let loaded: AppliedState?
        do { loaded = try source.refresh(known: nil) } catch { throw Failure(message: "\(error)", refused: false) }
        guard let loaded else {
            throw Failure(message: "\(root) has no applied state yet; run `jobctl apply` first, or `jobctl run --draft \(id)` to try the working tree", refused: false)
        }
        return loaded
    }
}
