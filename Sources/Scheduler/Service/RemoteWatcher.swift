public import Foundation
public import GitStore
public import Reconciler
public import ServiceLifecycle
import Definitions
import History
import Schedules
import Locks

/// What the daemon knows about the remote it follows: `GET /api/remote`, `status --server`
/// and the `jobctl_remote_*` metrics read this.
public struct RemoteStatus: Sendable, Codable, Equatable {
    /// The URL with any password or token in it replaced by `***`.
    public var url: String
    public var branch: String
    /// The jobs root inside the remote repository (`.` for its top).
    public var path: String
    public var pollSeconds: Double
    /// The branch's head at the last successful fetch.
    public var remoteHead: String?
    /// The commit in force.
    public var appliedCommit: String?
    public var lastFetchAt: Date?
    public var lastSuccessAt: Date?
    /// The last fetch's error, nil when it succeeded.
    public var lastError: String?
    public var consecutiveFailures: Int
    public var fetches: Int
    public var fetchFailures: Int
    public var nextFetchAt: Date?
    /// The last head that was not applied, and why; cleared when a head is applied.
    public var lastRefusal: Refusal?

    public struct Refusal: Sendable, Codable, Equatable {
        public var commit: String
        /// `invalid` (the head has errors) or `force-push` (it does not descend from the applied commit).
        public var reason: String
        public var message: String
        /// `path:line:column: error: message` of each error (invalid heads).
        public var diagnostics: [String]
    }

    /// The remote head is not the commit in force (a refused head, or one not applied yet).
    public var isBehind: Bool { remoteHead != nil && remoteHead != appliedCommit }
}

/// Follows a remote branch (`serve --remote`): fetches every `interval` — and at once when
/// ``fetchSoon()`` is called (the push webhook) — applies a new valid fast-forward head, and
/// reports what it refused, once per head. Failed fetches back off (doubling, up to 10 minutes)
/// and are reported; the last good state keeps running throughout.
///
/// Fetches and applies run one at a time on a queue of their own (network I/O never holds the
/// cooperative pool). Pushes that arrive while a fetch runs coalesce into one more fetch.
public final class RemoteWatcher: Service, Sendable {
    public let source: RemoteSource
    public let interval: Duration
    let clock: any SchedulerClock
    let log: @Sendable (String) -> Void
    let credentials: @Sendable () throws -> RemoteCredentials?
    let onRefused: @Sendable (String) -> Void
    let onApplied: @Sendable () async -> Void
    private let follower: Locked<FollowerBox?>
    private let mirrorPath: String
    private let io = IOQueue(label: "jobctl.remote")
    private let state: Locked<RemoteStatus>
    private let wakeup = Wakeup()
    /// The longest wait between failed fetches.
    static let maximumBackoff: TimeInterval = 600

    /// - Parameters:
    ///   - credentials: read before each fetch (a token from the secrets store), nil for none.
    ///   - onRefused: told once per refused head, with what to tell people (`apply_refused`).
    ///   - onApplied: called after a head was applied, so the scheduler loads it at once.
    public init(source: RemoteSource, mirrorPath: String, interval: Duration, clock: any SchedulerClock,
                credentials: @escaping @Sendable () throws -> RemoteCredentials? = { nil },
                log: @escaping @Sendable (String) -> Void,
                onRefused: @escaping @Sendable (String) -> Void = { _ in },
                onApplied: @escaping @Sendable () async -> Void = {}) {
        self.source = source
        self.mirrorPath = mirrorPath
        self.interval = interval
        self.clock = clock
        self.credentials = credentials
        self.log = log
        self.onRefused = onRefused
        self.onApplied = onApplied
        follower = Locked(nil)
        state = Locked(RemoteStatus(url: GitRepository.redacted(source.url), branch: source.branch, path: source.path.isEmpty ? "." : source.path,
                                   pollSeconds: interval.seconds, consecutiveFailures: 0, fetches: 0, fetchFailures: 0))
    }

    public var status: RemoteStatus { state.withLock { $0 } }

    /// Fetch as soon as possible (a push webhook): coalesces with a fetch already waiting.
    public func fetchSoon() { wakeup.signal() }

    public func run() async throws {
        try await cancelWhenGracefulShutdown { await self.follow() }
    }

    private func follow() async {
        while !Task.isCancelled {
            let delay = await syncOnce()
            let deadline = clock.now().addingTimeInterval(delay)
            state.withLock { $0.nextFetchAt = deadline }
            await wakeup.wait(until: deadline, clock: clock)
        }
    }

    /// One fetch and apply; returns how long to wait before the next.
    @discardableResult
    public func syncOnce() async -> TimeInterval {
        let started = clock.now()
        let result: Result<Synced, ReconcileError>
        do {
            let credentials = try self.credentials()
            result = await io.run { () -> Result<Synced, ReconcileError> in
                self.syncOnQueue(credentials: credentials)
            }
        } catch {
            result = .failure(ReconcileError(.remote, "cannot read the remote's token: \(error)"))
        }
        switch result {
        case .success(let synced):
            let outcome = synced.outcome
            record(synced, at: started)
            if case .applied = outcome { await onApplied() }
            return interval.seconds
        case .failure(let error):
            let failures = state.withLock { state -> Int in
                state.lastFetchAt = started
                state.lastError = error.message
                state.consecutiveFailures += 1
                state.fetches += 1
                state.fetchFailures += 1
                return state.consecutiveFailures
            }
            let delay = Self.backoff(interval: interval.seconds, failures: failures)
            log("error: remote: \(error.message) (failure \(failures) in a row; next try in \(JobDuration(milliseconds: Int64(delay * 1000))))")
            return delay
        }
    }

    static func milliseconds(_ duration: Duration) -> String {
        String(format: "%.1f", Double(duration.components.seconds) * 1000 + Double(duration.components.attoseconds) / 1e15)
    }

    /// `interval`, doubled for each failure after the first, at most 10 minutes (or `interval`
    /// when that is longer).
    static func backoff(interval: TimeInterval, failures: Int) -> TimeInterval {
        let doubled = interval * pow(2, Double(min(max(failures - 1, 0), 20)))
        return min(doubled, max(interval, maximumBackoff))
    }

    /// What one fetch and apply did, and how long each took.
    struct Synced: Sendable {
        var outcome: RemoteSyncOutcome
        var applied: String?
        var fetchTime: Duration
        var applyTime: Duration
    }

    private func syncOnQueue(credentials: RemoteCredentials?) -> Result<Synced, ReconcileError> {
        do throws(ReconcileError) {
            let follower = try self.follower.withLock { (box: inout FollowerBox?) throws(ReconcileError) -> RemoteFollower in
                if let box { return box.follower }
                let made = try RemoteFollower(source: source, mirrorPath: mirrorPath)
                box = FollowerBox(follower: made)
                return made
            }
            let clock = ContinuousClock()
            let start = clock.now
            try follower.fetch(credentials: credentials)
            let fetched = clock.now
            let outcome = try follower.applyFetchedHead()
            return .success(Synced(outcome: outcome, applied: try follower.reconciler.appliedCommit()?.hex,
                                   fetchTime: fetched - start, applyTime: clock.now - fetched))
        } catch {
            return .failure(error)
        }
    }

    private func record(_ synced: Synced, at time: Date) {
        let outcome = synced.outcome
        let applied = synced.applied
        let refusal: RemoteStatus.Refusal?
        switch outcome {
        case .upToDate, .applied: refusal = nil
        case .refusedInvalid(let head, let plan):
            let errors = plan.diagnostics.filter { $0.severity == .error }.map(\.description)
            refusal = .init(commit: head.hex, reason: "invalid",
                            message: "commit \(head.short) of \(source.branch) has \(errors.count) error\(errors.count == 1 ? "" : "s"); the last good state stays in force",
                            diagnostics: errors)
        case .refusedForcePush(let head, let appliedID):
            refusal = .init(commit: head.hex, reason: "force-push",
                            message: "commit \(head.short) of \(source.branch) does not descend from the applied commit \(appliedID.short) (a force-push or a rewritten history); the last good state stays in force (serve --allow-force-push applies it)",
                            diagnostics: [])
        }
        let head: ObjectID = switch outcome {
        case .upToDate(let head), .applied(let head, _), .refusedInvalid(let head, _), .refusedForcePush(let head, _): head
        }
        let (firstRefusal, recovered) = state.withLock { state -> (Bool, Bool) in
            let recovered = state.consecutiveFailures > 0
            let first = refusal != nil && state.lastRefusal?.commit != refusal?.commit
            state.lastFetchAt = time
            state.lastSuccessAt = time
            state.lastError = nil
            state.consecutiveFailures = 0
            state.fetches += 1
            state.remoteHead = head.hex
            state.appliedCommit = applied
            // A refusal stands until the remote head is in force again (applied, or back at it).
            state.lastRefusal = refusal
            return (first, recovered)
        }
        if recovered { log("remote: fetching from \(GitRepository.redacted(source.url)) works again") }
        if case .applied(let head, let plan) = outcome {
            log("remote: applied \(head.short) of \(source.branch) (\(plan.changes.count) job change\(plan.changes.count == 1 ? "" : "s"); fetch \(Self.milliseconds(synced.fetchTime)) ms, validate and apply \(Self.milliseconds(synced.applyTime)) ms)")
        }
        if let refusal, firstRefusal {
            log("warning: remote: refused \(String(refusal.commit.prefix(7))): \(refusal.message)")
            for line in refusal.diagnostics { log("  \(line)") }
            onRefused(refusal.message + (refusal.diagnostics.isEmpty ? "" : ": " + refusal.diagnostics.prefix(5).joined(separator: "; ")))
        }
    }
}

/// Carries the non-Sendable follower inside the watcher's mutex; only the watcher's serial
/// queue touches it.
private struct FollowerBox: @unchecked Sendable {
    let follower: RemoteFollower
}

/// A one-slot doorbell: ``signal()`` wakes the waiter, or the next ``wait(until:clock:)`` when
/// nobody waits; signals before a wake coalesce into one.
final class Wakeup: Sendable {
    private let slot = Locked<(pending: Bool, waiter: CheckedContinuation<Void, Never>?)>((false, nil))

    /// A signal waits for the next ``wait(until:clock:)``.
    var isPending: Bool { slot.withLock { $0.pending } }

    func signal() {
        let waiter = slot.withLock { slot -> CheckedContinuation<Void, Never>? in
            if let waiter = slot.waiter { slot.waiter = nil; return waiter }
            slot.pending = true
            return nil
        }
        waiter?.resume()
    }

    /// Returns at `deadline`, at a signal, or when the task is cancelled.
    func wait(until deadline: Date, clock: any SchedulerClock) async {
        let timer = Task {
            try? await clock.sleep(until: deadline)
            if !Task.isCancelled { self.signal() }
        }
        await withTaskCancellationHandler {
            await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
                let resumeNow = slot.withLock { slot -> Bool in
                    if slot.pending { slot.pending = false; return true }
                    slot.waiter = continuation
                    return false
                }
                if resumeNow { continuation.resume() }
            }
        } onCancel: {
            self.signal()
        }
        timer.cancel()
        // A timer that fired after a push woke us leaves a stale signal: at most one extra fetch.
    }
}
