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

    /// Claims several fires at once (one round trip): whether this node owns each, in order.
    func claim(_ fires: [(job: String, scheduledFor: Date)]) async throws -> [Bool]

    /// Under the cluster's lock on `job`: reads the job's runs in progress on every node and its
    /// starts since `startsSince` (nil: not needed), lets `decide` rule with them, and when it
    /// rules a start, registers `marker` as running on this node (with a fresh lease token)
    /// before the lock goes.
    func admit(job: String, startsSince: Date?, marker: InFlightRun,
               decide: @escaping @Sendable (_ inProgress: [InFlightRun], _ recentStarts: [Date]) -> Admission.Decision) async throws -> Admission.Decision

    /// The cluster as this node sees it, for `/healthz` and `/metrics`.
    func status() async throws -> ClusterStatus
}

/// The cluster's state: its live nodes, its leader, its runs in progress.
public struct ClusterStatus: Sendable, Equatable {
    public struct Node: Sendable, Equatable {
        public var node: String
        /// Seconds since its last heartbeat, by the database's clock.
        public var heartbeatAge: Double
        public init(node: String, heartbeatAge: Double) {
            self.node = node
            self.heartbeatAge = heartbeatAge
        }
    }
    /// This node's name.
    public var node: String
    public var nodes: [Node] = []
    /// The node holding the leader's lease, and the lease's term.
    public var leader: String?
    public var term: Int64?
    /// Runs in progress on every node.
    public var runsInProgress = 0
    /// Records this node wrote for runs it no longer held (refused).
    public var refusedWrites = 0
    /// Seconds this node's clock is behind the database's (negative: ahead).
    public var clockOffset: Double = 0

    public init(node: String) {
        self.node = node
    }
}
