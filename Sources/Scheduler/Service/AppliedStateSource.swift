public import Foundation
import Definitions
import Reconciler
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

    /// Told once per refused commit, with what to tell people (`apply_refused` notifications).
    let onRefused: @Sendable (String) -> Void

    /// What to say while nothing is applied yet (once).
    let emptyHint: String
    private let saidEmpty = Atomic<Bool>(false)

    /// - Parameter emptyHint: logged while nothing is applied yet (a remote-following daemon
    ///   waits for its first fetch instead of an apply).
    public init(root: String, autoApply: Bool, log: @escaping @Sendable (String) -> Void,
                emptyHint: String? = nil,
                onRefused: @escaping @Sendable (String) -> Void = { _ in }) {
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
        try opened.withLock { opened throws -> AppliedState? in
            if opened == nil {
                do throws(ReconcileError) {
                    opened = Reconciler(root: try JobsRoot.open(root))
                } catch {
                    throw Failure(description: "\(root): \(error.message)")
                }
            }
            return try refresh(with: opened!, known: known)
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

    private func applyHead(_ reconciler: Reconciler) {
        do {
            let head = try reconciler.resolve("HEAD")
            if try reconciler.appliedCommit() == head { return }
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
