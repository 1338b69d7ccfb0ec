import Definitions
public import Foundation
public import GitStore

/// Desired state versus applied state for one jobs root (DESIGN.md §4): plans, apply, status.
///
/// The applied state is the commit the root's ref (``JobsRoot/appliedReference``) points at.
/// The desired state is a commit (`plan`, `apply`) or the working tree (`diff`, `status`).
/// Only files that differ from the applied commit are parsed; the rest of the tree is known
/// from a cached ``TreeSummary`` of the applied tree, so `needs` and cycles are still checked
/// over the whole target.
///
/// ```swift
/// let reconciler = Reconciler(root: try JobsRoot.open("."))
/// let plan = try reconciler.plan(revision: "HEAD")
/// if plan.isValid, plan.hasChanges { _ = try reconciler.apply(revision: "HEAD") }
/// ```
///
/// Not `Sendable`: it owns a libgit2 handle. Use one per thread.
public final class Reconciler {
    public let root: JobsRoot
    /// The instant fire-time previews start from.
    public let now: @Sendable () -> Date
    let cache: SummaryCache

    /// Files under `jobs/` larger than this are errors, as for `validate`.
    static let maximumFileBytes = 1 << 20

    public init(root: JobsRoot, now: @escaping @Sendable () -> Date = { Date() }) {
        self.root = root
        self.now = now
        cache = SummaryCache(folder: root.repository.commonDirectory + "/jobctl/cache/trees")
    }

    var repository: GitRepository { root.repository }

    // MARK: - Commits

    /// The applied commit; `nil` before the first apply.
    public func appliedCommit() throws(ReconcileError) -> ObjectID? {
        do { return try repository.referenceTarget(root.appliedReference) } catch { throw .git(error) }
    }

    /// The commit `revision` names.
    ///
    /// - Throws: ``ReconcileError/Kind/unknownRevision``, also for `HEAD` in a repository with
    ///   no commits yet.
    public func resolve(_ revision: String) throws(ReconcileError) -> ObjectID {
        if revision == "HEAD", repository.isHeadUnborn {
            throw ReconcileError(.unknownRevision, "HEAD has no commits yet: nothing to plan; commit the jobs first (or pass --rev)")
        }
        do { return try repository.resolveCommit(revision) } catch {
            throw ReconcileError(.unknownRevision, error.message)
        }
    }

    struct CommitState {
        var info: CommitInfo
        var jobsTree: ObjectID?
        var config: TreeEntry?

        var id: ObjectID { info.id }
        var summary: CommitSummary { CommitSummary(id: info.id, summary: info.summary) }
    }

    func state(of commit: ObjectID) throws(ReconcileError) -> CommitState {
        do {
            return CommitState(info: try repository.commitInfo(commit),
                               jobsTree: try repository.treeID(commit: commit, path: root.jobsPath),
                               config: try repository.entry(commit: commit, path: root.configPath))
        } catch { throw .git(error) }
    }

    // MARK: - Plans

    /// The plan from the applied state to `revision` (default `HEAD`).
    public func plan(revision: String = "HEAD") throws(ReconcileError) -> Plan {
        let target = try state(of: try resolve(revision))
        let base = try appliedCommit().map { (id) throws(ReconcileError) in try state(of: id) }
        return try compare(base: base, target: .commit(target)).plan
    }

    /// The plan from the applied state to the working tree (staged and unstaged changes, and
    /// untracked files; ignored files are not part of a draft): what `jobctl diff` shows.
    ///
    /// - Throws: ``ReconcileError/Kind/bareRepository`` in a bare repository.
    ///
    /// - Parameter overlay: drafts (`jobs/...` → file bytes) planned as if they were on disk,
    ///   without writing them: what a draft would change, before it is written.
    public func planWorkingTree(overlay: [String: [UInt8]] = [:]) throws(ReconcileError) -> Plan {
        try workingTreeComparison(overlay: overlay).comparison.plan
    }

    func workingTreeComparison(overlay: [String: [UInt8]] = [:]) throws(ReconcileError) -> (comparison: Comparison, base: CommitState?, head: CommitState?) {
        guard root.folder != nil else {
            throw ReconcileError(.bareRepository, "the repository is bare: it has no working tree; use plan --rev")
        }
        let base = try appliedCommit().map { (id) throws(ReconcileError) in try state(of: id) }
        let headID: ObjectID?
        do { headID = try repository.headCommit() } catch { throw .git(error) }
        let head = try headID.map { (id) throws(ReconcileError) in try state(of: id) }
        return (try compare(base: base, target: .workingTree(head: head, overlay: overlay)), base, head)
    }

    // MARK: - Apply

    /// Validates `revision` as a whole and, if it is valid, moves the applied ref to it with a
    /// compare-and-swap and the reflog message `jobctl apply: <short sha> <summary>`.
    ///
    /// The returned plan names every changed job; outside a dry run it skips what only a
    /// reader needs (every field of a created job, fire times of created and deleted jobs).
    ///
    /// Any commit may be applied, including an older one (a rollback). Moving the ref to a
    /// commit that changes no job is allowed too, so the ref follows the branch.
    ///
    /// - Returns: ``ApplyOutcome/refused(_:)`` when the target has errors (the ref does not
    ///   move), ``ApplyOutcome/upToDate(_:)`` when it is already applied,
    ///   ``ApplyOutcome/dryRun(_:)`` with `dryRun`, else ``ApplyOutcome/applied(_:)``.
    /// - Throws: ``ReconcileError/Kind/appliedStateMoved`` when another apply moved the ref
    ///   after this one read it: nothing changed; plan again.
    public func apply(revision: String = "HEAD", dryRun: Bool = false) throws(ReconcileError) -> ApplyOutcome {
        let targetID = try resolve(revision)
        return try apply(target: targetID, expecting: try appliedCommit(), dryRun: dryRun)
    }

    /// Applies exactly what `plan` shows: its target commit, and only while the applied ref
    /// still points where the plan started (`terraform apply PLANFILE`). The target is
    /// validated again.
    ///
    /// - Throws: ``ReconcileError/Kind/appliedStateMoved`` when the ref moved since the plan.
    public func apply(_ plan: Plan) throws(ReconcileError) -> ApplyOutcome {
        guard let target = plan.target else {
            throw ReconcileError(.unknownRevision, "a plan of the working tree cannot be applied; commit it first")
        }
        return try apply(target: target.id, expecting: plan.applied?.id, dryRun: false)
    }

    private func apply(target targetID: ObjectID, expecting appliedID: ObjectID?, dryRun: Bool) throws(ReconcileError) -> ApplyOutcome {
        let target = try state(of: targetID)
        let base = try appliedID.map { (id) throws(ReconcileError) in try state(of: id) }
        let comparison = try compare(base: base, target: .commit(target), detailed: dryRun)
        let plan = comparison.plan
        guard plan.isValid else { return .refused(plan) }
        if appliedID == targetID, try appliedCommit() == appliedID { return .upToDate(plan) }
        if dryRun { return .dryRun(plan) }

        let summary = plan.hasChanges
            ? "\(plan.created.count) created, \(plan.updated.count) updated, \(plan.deleted.count) deleted"
            : "no job changes"
        let message = "jobctl apply: \(targetID.short) \(summary)"
        do {
            try repository.updateReference(root.appliedReference, to: targetID, expecting: appliedID, message: message)
        } catch {
            if error.isConcurrentUpdate {
                throw ReconcileError(.appliedStateMoved, "applied state moved; plan again (\(root.appliedReference) is no longer at \(appliedID?.short ?? "nothing"): another apply moved it first)")
            }
            throw .git(error)
        }
        cache.write(comparison.targetSummary, jobsTree: target.jobsTree?.hex, config: target.config?.id.hex)
        return .applied(plan)
    }
}

/// What `apply` did.
public enum ApplyOutcome: Sendable {
    /// The ref moved to the target.
    case applied(Plan)
    /// The target is the applied commit already; nothing moved.
    case upToDate(Plan)
    /// The target has errors; the ref did not move and the last good state stays in force.
    case refused(Plan)
    /// `--dry-run`: the target is valid and would be applied.
    case dryRun(Plan)

    public var plan: Plan {
        switch self {
        case .applied(let plan), .upToDate(let plan), .refused(let plan), .dryRun(let plan): plan
        }
    }
}
