public import Foundation
public import History

/// What the tracker asks of a cluster (`serve --cluster`) instead of the root's files: fires are
/// claimed, and runs admitted, in a database shared by every node. The Cluster target
/// implements it on PostgreSQL; without one, the tracker uses the root's files.
public protocol ClusterCoordination: Sendable {
    /// Claims the fire of `job` at `scheduledFor` under the cluster's unique key, by the
    /// database's clock. - Returns: true when this node owns the fire; false when any node
    /// claimed it before.
    func claim(job: String, scheduledFor: Date) async throws -> Bool

    /// Under the cluster's lock on `job`: reads the job's runs in progress on every node and its
    /// starts since `startsSince` (nil: not needed), lets `decide` rule with them, and when it
    /// rules a start, registers `marker` as running on this node (with a fresh lease token)
    /// before the lock goes.
    func admit(job: String, startsSince: Date?, marker: InFlightRun,
               decide: @escaping @Sendable (_ inProgress: [InFlightRun], _ recentStarts: [Date]) -> Admission.Decision) async throws -> Admission.Decision
}
