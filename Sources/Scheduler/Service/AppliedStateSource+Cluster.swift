import Foundation
import Reconciler

extension GitAppliedStateSource {
    /// Cluster mode: brings this node's applied ref and the cluster's applied commit together,
    /// before the ref is read. `running` is the commit the node runs now (nil: none yet).
    ///
    /// - The cluster has no applied commit yet: this node's becomes it (compare-and-swap).
    /// - This node's ref moved since it loaded the cluster's commit (`jobctl apply` on its root,
    ///   auto-apply, a followed remote): the new commit is proposed to the cluster, moving it
    ///   from the one the node runs. When another node moved it first, the proposal loses (said
    ///   in the log) and this node follows the winner.
    /// - Otherwise, when the cluster's commit differs (another node applied it): the node
    ///   applies it to its own ref, validated as any apply, and loads it. A commit its
    ///   repository does not have (yet) is said once; until it has it, the node's claims and
    ///   starts are refused by the cluster (``CommitNotInForce``).
    public func syncWithCluster(running: String?) async {
        guard let cluster else { return }
        do {
            let local = try localAppliedCommit()
            let inForce = try await cluster.appliedCommit()
            guard let inForce else {
                if let local, try await cluster.moveAppliedCommit(from: nil, to: local) {
                    log("cluster: this node's applied commit \(local.prefix(12)) is the cluster's first")
                }
                return
            }
            if inForce.commit == local {
                lastClusterProblem.withLock { $0 = nil }
                return
            }
            if let local, local != running, running == inForce.commit {
                if try await cluster.moveAppliedCommit(from: inForce.commit, to: local) {
                    log("cluster: applied \(local.prefix(12)) to the cluster (it was \(inForce.commit.prefix(12)))")
                    return
                }
                log("warning: cluster: \(local.prefix(12)), applied on this node, was not applied to the cluster: another node moved the cluster's commit first; this node follows it")
                guard let winner = try await cluster.appliedCommit() else { return }
                follow(winner)
                return
            }
            follow(inForce)
        } catch {
            say("error: cluster: cannot compare this node's applied commit with the cluster's: \(error)")
        }
    }

    /// Applies the cluster's commit to this node's ref (validated as any apply).
    private func follow(_ inForce: ClusterAppliedCommit) {
        let short = String(inForce.commit.prefix(12))
        do {
            switch try apply(clusterCommit: inForce.commit, describedAs: "\(short) (applied by node \(inForce.node))") {
            case .applied, .upToDate:
                lastClusterProblem.withLock { $0 = nil }
                log("cluster: following commit \(short), applied by node \(inForce.node)")
            case .refused(let plan):
                let errors = plan.diagnostics.filter { $0.severity == .error }.prefix(3).map(\.description).joined(separator: "; ")
                say("error: cluster: the cluster's commit \(short) (applied by node \(inForce.node)) is invalid here, so this node keeps its own and claims and starts nothing: \(errors)")
            case .dryRun:
                break
            }
        } catch {
            say("error: cluster: \(error)")
        }
    }

    /// Logs a problem once (until it changes or goes away).
    private func say(_ message: String) {
        let first = lastClusterProblem.withLock { last in
            defer { last = message }
            return last != message
        }
        if first { log(message) }
    }
}
