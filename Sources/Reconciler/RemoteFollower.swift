public import Foundation
public import GitStore

/// Where a daemon follows its jobs from: a branch of a remote repository, and the jobs root's
/// folder inside it.
public struct RemoteSource: Sendable, Equatable {
    /// `file://…`, a local path, `http://…` or `https://…`.
    public var url: String
    public var branch: String
    /// The jobs root inside the remote repository, `""` for its top.
    public var path: String
    /// Apply a head that does not descend from the applied commit (a force-push).
    public var allowForcePush: Bool

    public init(url: String, branch: String = "main", path: String = "", allowForcePush: Bool = false) {
        self.url = url
        self.branch = branch
        self.path = path.split(separator: "/").filter { $0 != "." }.joined(separator: "/")
        self.allowForcePush = allowForcePush
    }

    /// The remote-tracking ref the mirror keeps the branch's head in.
    public var trackingReference: String { "refs/remotes/origin/" + branch }

    /// The only refspec ever fetched: the one branch, forced so that a force-push is seen (and
    /// then refused by ``RemoteFollower``), never a mirror refspec that could prune `refs/jobctl/*`.
    public var refspec: String { "+refs/heads/\(branch):\(trackingReference)" }

    /// Checks the branch name and URL scheme; nil when they are usable.
    public var problem: String? {
        if !GitRepository.supportsURL(url) {
            return "--remote '\(GitRepository.redacted(url))': only file://, http:// and https:// URLs (or a local path) are supported; ssh is not (yet)"
        }
        if branch.isEmpty || branch.hasPrefix("-") || branch.contains("..") || branch.contains(" ") || branch.hasSuffix("/") || branch.hasSuffix(".lock") {
            return "--branch '\(branch)' is not a valid branch name"
        }
        return nil
    }
}

/// What one ``RemoteFollower/sync(credentials:)`` found and did.
public enum RemoteSyncOutcome: Sendable {
    /// The fetched head is the applied commit.
    case upToDate(head: ObjectID)
    /// The head was validated and the applied ref moved to it.
    case applied(head: ObjectID, plan: Plan)
    /// The head has errors: the last good state stays in force.
    case refusedInvalid(head: ObjectID, plan: Plan)
    /// The head does not descend from the applied commit, and force-pushes are not allowed.
    case refusedForcePush(head: ObjectID, applied: ObjectID)
}

/// Follows a remote branch into a bare mirror and applies its head through the same validation
/// and compare-and-swap as `jobctl apply` (one rule: ``Reconciler/apply(revision:dryRun:)``).
///
/// The mirror is a bare repository of the daemon's own (`<root>/.jobctl/remote.git`); the applied
/// ref lives in it. Only `refs/heads/<branch>` is fetched, into `refs/remotes/origin/<branch>`.
///
/// Not `Sendable`: it owns libgit2 handles; use it from one serial queue.
public final class RemoteFollower {
    public let source: RemoteSource
    public let reconciler: Reconciler

    /// Opens (or creates) the mirror at `mirrorPath`.
    public init(source: RemoteSource, mirrorPath: String, now: @escaping @Sendable () -> Date = { Date() }) throws(ReconcileError) {
        self.source = source
        do { _ = try GitRepository.openOrCreateBare(at: mirrorPath) } catch { throw .git(error) }
        let rootPath = source.path.isEmpty ? mirrorPath : mirrorPath + "/" + source.path
        reconciler = Reconciler(root: try JobsRoot.open(rootPath), now: now)
    }

    /// The jobs root inside the mirror, the path `GitAppliedStateSource` and `status` open.
    public static func rootPath(mirror: String, source: RemoteSource) -> String {
        source.path.isEmpty ? mirror : mirror + "/" + source.path
    }

    /// Fetches the branch, then applies its head when it is new, valid and a fast-forward of the
    /// applied commit (or when force-pushes are allowed).
    ///
    /// Blocking (network and disk): call it from a dedicated thread or serial queue.
    /// - Throws: ``ReconcileError`` when the fetch fails, the branch does not exist on the
    ///   remote, or the applied ref moved under the apply (another writer).
    public func sync(credentials: RemoteCredentials? = nil) throws(ReconcileError) -> RemoteSyncOutcome {
        try fetch(credentials: credentials)
        return try applyFetchedHead()
    }

    /// Fetches the branch into the tracking ref; applies nothing.
    public func fetch(credentials: RemoteCredentials? = nil) throws(ReconcileError) {
        do {
            try reconciler.root.repository.fetch(from: source.url, refspecs: [source.refspec], credentials: credentials)
        } catch {
            throw ReconcileError(.remote, error.message)
        }
    }

    /// The head last fetched; nil before the first successful fetch.
    public func fetchedHead() throws(ReconcileError) -> ObjectID? {
        do { return try reconciler.root.repository.referenceTarget(source.trackingReference) } catch { throw .git(error) }
    }

    /// Applies the head the last fetch left in the tracking ref (see ``sync(credentials:)``).
    public func applyFetchedHead() throws(ReconcileError) -> RemoteSyncOutcome {
        guard let head = try fetchedHead() else {
            throw ReconcileError(.remote, "branch '\(source.branch)' not found on \(GitRepository.redacted(source.url))")
        }
        let applied = try reconciler.appliedCommit()
        if applied == head { return .upToDate(head: head) }
        if let applied, !source.allowForcePush {
            let fastForward: Bool
            do { fastForward = try reconciler.root.repository.isFastForward(from: applied, to: head) } catch { throw .git(error) }
            if !fastForward { return .refusedForcePush(head: head, applied: applied) }
        }
        switch try reconciler.apply(revision: head.hex) {
        case .applied(let plan): return .applied(head: head, plan: plan)
        case .refused(let plan): return .refusedInvalid(head: head, plan: plan)
        case .upToDate, .dryRun: return .upToDate(head: head)
        }
    }
}
