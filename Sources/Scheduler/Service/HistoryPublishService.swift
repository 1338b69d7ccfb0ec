public import Foundation
public import GitStore
public import History
public import ServiceLifecycle
import Definitions
import Locks

/// Publishes the history to a git branch every `history.publish.every` of the applied
/// `jobctl.yaml` (``HistoryPublisher``): pushed to the followed remote with `serve --remote`,
/// else kept as a branch of the root's own repository. Idle while `history.publish` is not set.
/// A failed publish is logged and retried at the next interval; nothing recorded locally is lost
/// meanwhile (the history files stay the source).
public final class HistoryPublishService: Service, Sendable {
    public enum Target: Sendable {
        /// The bare mirror of `serve --remote`, pushed to the remote.
        case remote(mirror: String, url: String, credentials: @Sendable () throws -> RemoteCredentials?)
        /// The repository that holds the root.
        case local(root: String)
    }

    let scheduler: Scheduler
    let history: HistoryFolder
    let target: Target
    let log: @Sendable (String) -> Void
    private let io = IOQueue(label: "jobctl.publish")
    private let publisher = Locked<PublisherBox?>(nil)
    /// How often an unset `history.publish` is looked at again.
    static let idleInterval: TimeInterval = 2

    public init(scheduler: Scheduler, history: HistoryFolder, target: Target, log: @escaping @Sendable (String) -> Void) {
        self.scheduler = scheduler
        self.history = history
        self.target = target
        self.log = log
    }

    public func run() async throws {
        try await cancelWhenGracefulShutdown { [self] in
            let clock = scheduler.clock
            var lastError: String?
            while !Task.isCancelled {
                guard let history = await scheduler.historySettings, let settings = history.publish else {
                    try? await clock.sleep(until: clock.now().addingTimeInterval(Self.idleInterval))
                    continue
                }
                switch await publishOnce(branch: settings.branch, retention: RetentionPolicy(keepRuns: history.keepRuns, keepDays: history.keepDays)) {
                case .success(let outcome):
                    if let commit = outcome.commit {
                        log("history published to \(settings.branch): \(outcome.records) record\(outcome.records == 1 ? "" : "s") of \(outcome.jobs) job\(outcome.jobs == 1 ? "" : "s") in \(outcome.segments) segment\(outcome.segments == 1 ? "" : "s") (\(commit.short))")
                    }
                    if lastError != nil { log("history publishing works again") }
                    lastError = nil
                case .failure(let failure):
                    if failure.message != lastError { log("error: history publish to \(settings.branch): \(failure.message)") }
                    lastError = failure.message
                }
                try? await clock.sleep(until: clock.now().addingTimeInterval(settings.every.seconds))
            }
            // Stopping: publish once more what is recorded by now (runs that finish during the
            // grace period are published by the next start).
            if let history = await scheduler.historySettings, let settings = history.publish,
               case .success(let outcome) = await publishOnce(branch: settings.branch, retention: RetentionPolicy(keepRuns: history.keepRuns, keepDays: history.keepDays)),
               outcome.commit != nil {
                log("history published to \(settings.branch) before stopping: \(outcome.records) record\(outcome.records == 1 ? "" : "s")")
            }
        }
    }

    /// One publish of everything new, on the service's own queue.
    public func publishOnce(branch: String, retention: RetentionPolicy = RetentionPolicy()) async -> Result<HistoryPublisher.Outcome, HistoryPublisher.Failure> {
        let credentials: RemoteCredentials?
        do {
            if case .remote(_, _, let read) = target { credentials = try read() } else { credentials = nil }
        } catch {
            return .failure(.init(message: "cannot read the remote's token: \(error)"))
        }
        return await io.run { () -> Result<HistoryPublisher.Outcome, HistoryPublisher.Failure> in
            do throws(HistoryPublisher.Failure) {
                let publisher = try self.publisher(branch: branch, credentials: credentials)
                return .success(try publisher.publish(retention: retention, now: self.scheduler.clock.now()))
            } catch {
                return .failure(error)
            }
        }
    }

    private func publisher(branch: String, credentials: RemoteCredentials?) throws(HistoryPublisher.Failure) -> HistoryPublisher {
        try publisher.withLock { (box: inout PublisherBox?) throws(HistoryPublisher.Failure) -> HistoryPublisher in
            // A new token is used as soon as it is read; a new branch starts a new publisher.
            if let box, box.publisher.branch == branch, box.credentialsToken == credentials?.token { return box.publisher }
            do {
                let made: HistoryPublisher
                switch target {
                case .remote(let mirror, let url, _):
                    made = HistoryPublisher(repository: try GitRepository(path: mirror), history: history, branch: branch,
                                            destination: .remote(url: url, credentials: credentials))
                case .local(let root):
                    made = HistoryPublisher(repository: try GitRepository.discover(from: root), history: history, branch: branch, destination: .local)
                }
                box = PublisherBox(publisher: made, credentialsToken: credentials?.token)
                return made
            } catch {
                throw HistoryPublisher.Failure(message: "\(error)")
            }
        }
    }
}

/// Carries the non-Sendable publisher inside the service's mutex; only its serial queue uses it.
private struct PublisherBox: @unchecked Sendable {
    let publisher: HistoryPublisher
    let credentialsToken: String?
}
