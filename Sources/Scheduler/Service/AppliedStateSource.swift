public import Foundation
import Definitions
import Reconciler
import GitStore
import Synchronization
import Locks

/// Where the daemon reads the applied state from: the root's applied ref in git. With
/// `autoApply`, each new commit of the checked-out branch is validated and applied first
/// (reconcile on commit); an invalid commit is reported and the last good state keeps running.
///
/// The repository is opened once and kept: the daemon polls the ref every couple of seconds, and
/// opening a repository each time (libgit2 reads its configuration and sets up its caches anew)
/// made the daemon's memory grow by megabytes a second.
public final class GitAppliedStateSource: Sendable {
    public let root: String
    public let autoApply: Bool
    public let log: @Sendable (String) -> Void
    private let opened = Locked<Reconciler?>(nil)
    /// The last commit auto-apply refused: reported once, not at every poll.
    private let lastRefused = Locked<String?>(nil)
    /// Cluster mode (`serve --cluster`): the cluster whose applied commit this node runs and
    /// mirrors to its ref (``syncWithCluster(running:)``); auto-apply then applies each new
    /// commit of the branch once, so that a commit another node applied since is not undone.
    public let cluster: (any ClusterCoordination)?
    /// Cluster mode: the last head auto-apply applied.
    private let lastAutoApplied = Locked<String?>(nil)
    /// Cluster mode: the last problem following the cluster's commit (said once).
    let lastClusterProblem = Locked<String?>(nil)

    /// Told once per refused commit, with what to tell people (`apply_refused` notifications).
    let onRefused: @Sendable (String) -> Void

    /// What to say while nothing is applied yet (once).
    let emptyHint: String
    private let saidEmpty = Atomic<Bool>(false)

    /// - Parameter emptyHint: logged while nothing is applied yet (a remote-following daemon
    ///   waits for its first fetch instead of an apply).
    public init(root: String, autoApply: Bool, log: @escaping @Sendable (String) -> Void,
                emptyHint: String? = nil, cluster: (any ClusterCoordination)? = nil,
                onRefused: @escaping @Sendable (String) -> Void = { _ in }) {
        self.cluster = cluster
        self.emptyHint = emptyHint ?? "no applied state yet: run `jobctl apply` (or serve --auto-apply); nothing is scheduled"
        self.root = root
        self.autoApply = autoApply
        self.log = log
        self.onRefused = onRefused
    }

    public struct Failure: Error, CustomStringConvertible {
        public var description: String
    }

    /// The applied state when it differs from `known` (by commit id), else nil.
    /// - Throws: `Failure` when the root is not in a git repository.
    public func refresh(known: String?) throws -> AppliedState? {
        try opened.withLock { opened throws -> AppliedState? in try refresh(with: try open(&opened), known: known) }
    }

    /// Cluster mode: this node's applied commit, after auto-apply (when on) applied the head.
    func localAppliedCommit() throws -> String? {
        try opened.withLock { opened throws -> String? in
            let reconciler = try open(&opened)
            if autoApply { applyHead(reconciler) }
            do throws(ReconcileError) { return try reconciler.appliedCommit()?.hex } catch { throw Failure(description: error.message) }
        }
    }

    /// Cluster mode: applies `commit` (the cluster's) to this node's ref, validated as any apply.
    /// - Throws: `Failure` when the repository does not have the commit.
    func apply(clusterCommit commit: String, describedAs description: String) throws -> ApplyOutcome {
        try opened.withLock { opened throws -> ApplyOutcome in
            let reconciler = try open(&opened)
            guard let id = ObjectID(hex: commit), (try? reconciler.root.repository.commitInfo(id)) != nil else {
                throw Failure(description: "the cluster runs commit \(description), which this node's repository does not have: fetch it (git fetch, or serve --remote); meanwhile this node claims and starts nothing")
            }
            do throws(ReconcileError) { return try reconciler.apply(revision: commit) } catch { throw Failure(description: error.message) }
        }
    }

    /// The root's reconciler, opened once.
    private func open(_ opened: inout Reconciler?) throws -> Reconciler {
        if let opened { return opened }
        do throws(ReconcileError) {
            let reconciler = Reconciler(root: try JobsRoot.open(root))
            opened = reconciler
            return reconciler
        } catch {
            throw Failure(description: "\(root): \(error.message)")
        }
    }

    private func refresh(with reconciler: Reconciler, known: String?) throws -> AppliedState? {
        if autoApply {
            applyHead(reconciler)
        }
        do {
            // Cheap check first: reading the ref is one file read; loading definitions parses every job.
            let current = try reconciler.appliedCommit()
            if let current, current.hex == known { return nil }
            guard let applied = try reconciler.appliedDefinitions() else {
                if known == nil, !saidEmpty.exchange(true, ordering: .relaxed) { log(emptyHint) }
                return nil
            }
            guard applied.commit.hex != known else { return nil }
            for diagnostic in applied.definitions.diagnostics where diagnostic.severity == .error {
                log("applied state has an invalid file: \(diagnostic)")
            }
            return AppliedState(commit: applied.commit.hex, definitions: applied.definitions, appliedAt: applied.appliedAt ?? Date())
        } catch {
            throw Failure(description: error.message)
        }
    }

    func applyHead(_ reconciler: Reconciler) {
        do {
            let head = try reconciler.resolve("HEAD")
            if try reconciler.appliedCommit() == head { return }
            if cluster != nil {
                guard lastAutoApplied.withLock({ $0 }) != head.hex else { return }
                lastAutoApplied.withLock { $0 = head.hex }
            }
            switch try reconciler.apply(revision: "HEAD") {
            case .applied(let plan):
                log("auto-apply: applied \(head.short) (\(plan.changes.count) job change\(plan.changes.count == 1 ? "" : "s"))")
            case .refused(let plan):
                let first = lastRefused.withLock { last in
                    defer { last = head.hex }
                    return last != head.hex
                }
                guard first else { return }
                log("auto-apply: refused \(head.short); the last good state stays in force:")
                let errors = plan.diagnostics.filter { $0.severity == .error }
                for diagnostic in errors { log("  \(diagnostic)") }
                onRefused("commit \(head.short) was refused; the last good state stays in force. "
                          + errors.prefix(5).map(\.description).joined(separator: "; ") + (errors.count > 5 ? "; and \(errors.count - 5) more" : ""))
            case .upToDate, .dryRun:
                break
            }
        } catch {
            log("auto-apply: \(error.message)")
        }
    }
}
