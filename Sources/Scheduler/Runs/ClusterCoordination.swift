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
    /// before the lock goes. A run taken from the shared queue names its `queueEntry`: it starts
    /// only while this node holds the entry, which goes in the same transaction, else
    /// ``QueuedRunLost`` is thrown.
    func admit(job: String, startsSince: Date?, marker: InFlightRun, queueEntry: Int64?,
               decide: @escaping @Sendable (_ inProgress: [InFlightRun], _ recentStarts: [Date]) -> Admission.Decision) async throws -> Admission.Decision

    /// The commit this node runs from now on (it loaded it). Its claims and starts are fenced by
    /// it: while it is not the cluster's applied commit, they throw ``CommitNotInForce``.
    func running(commit: String?)

    /// The commit in force in the cluster; nil before the first.
    func appliedCommit() async throws -> ClusterAppliedCommit?

    /// Moves the cluster's applied commit from `expected` (nil: none yet) to `commit`, by
    /// compare-and-swap. - Returns: false when it was no longer `expected` (nothing moved).
    func moveAppliedCommit(from expected: String?, to commit: String) async throws -> Bool

    /// The job of `run` and the node running it, while it is in progress on any node.
    func inProgress(run: String) async throws -> (job: String, node: String)?

    /// Asks the node holding `run` to cancel it (`by`: who asked, or `replace:` and the run that
    /// replaces it). - Returns: false when it is no longer in progress.
    func requestCancel(run: String, by: String) async throws -> Bool

    /// The cancellations asked of this node's runs in progress: run → who asked.
    func cancellationsRequested() async throws -> [String: String]

    /// The record of `run` (failed or timed out) is to queue the run's retry, in the same
    /// statement that writes it (``ClusterRetry``).
    func queueRetry(ofRun run: String)

    /// Takes up to `limit` due runs from the cluster's shared queue (`FOR UPDATE SKIP LOCKED`:
    /// nodes taking at once get different ones): retries once their entry is due, waiting runs
    /// once no run of their job is in progress. An entry is this node's for a while (a lease);
    /// one not started by then, or whose taker is gone, can be taken by any node again.
    func takeQueued(limit: Int) async throws -> [QueueEntry]

    /// Puts a run in the cluster's queue to wait for the job's run in progress (`concurrency:
    /// queue`), unless one waits already. - Returns: false when one waits already (the queue
    /// holds one per job).
    func enqueueWaiting(_ request: WaitingRun.Request) async throws -> Bool

    /// Gives a taken entry back to the queue, to be taken (by any node) from `notBefore`.
    func release(queueEntry: Int64, notBefore: Date) async throws

    /// Removes a taken entry that will not run.
    func drop(queueEntry: Int64) async throws

    /// The cluster as this node sees it, for `/healthz` and `/metrics`.
    func status() async throws -> ClusterStatus
}

/// A run waiting in the cluster's shared queue for its retry (``ClusterRetry``): the record
/// that ends a run failed or timed out queues it, and so does the reaping that interrupts a run,
/// in the same statement.
public struct QueuedRun: Sendable, Equatable {
    /// The queue's entry, which the retry's start removes.
    public var entry: Int64
    /// The run to retry, as its marker held it.
    public var run: InFlightRun
    /// How it ended: `failed`, `timed_out` or `interrupted`.
    public var cause: RunStatus
    /// When it was queued (the run ended, or was interrupted), by the database's clock.
    public var queuedAt: Date

    public init(entry: Int64, run: InFlightRun, cause: RunStatus, queuedAt: Date) {
        self.entry = entry
        self.run = run
        self.cause = cause
        self.queuedAt = queuedAt
    }
}

/// The commit in force in a cluster: every node runs it and no other.
public struct ClusterAppliedCommit: Sendable, Equatable {
    public var commit: String
    /// How many times it moved (1 for the first).
    public var version: Int64
    /// The node that moved it there, and when (the database's clock).
    public var node: String
    public var appliedAt: Date

    public init(commit: String, version: Int64, node: String, appliedAt: Date) {
        self.commit = commit
        self.version = version
        self.node = node
        self.appliedAt = appliedAt
    }
}

/// A claim or start refused because this node does not run the cluster's applied commit (it was
/// moved by another node, and this one has not loaded it yet).
public struct CommitNotInForce: Error, Sendable, CustomStringConvertible {
    public var running: String?
    public init(running: String?) { self.running = running }
    public var description: String {
        "this node runs commit \(running.map { String($0.prefix(12)) } ?? "none"), which is not the cluster's applied commit (another node applied one since): it claims and starts nothing until it runs that one"
    }
}

/// A run taken from the cluster's queue that this node no longer holds (its lease ran out and
/// another node took it, or this node was reaped): it must not start here, nor be recorded.
public struct QueuedRunLost: Error, Sendable, CustomStringConvertible {
    public var entry: Int64
    public init(entry: Int64) { self.entry = entry }
    public var description: String { "queue entry \(entry) is no longer held by this node (another node took it, or this node was reaped)" }
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
    /// Runs waiting in the shared queue (taken or not).
    public var queueDepth = 0
    /// The commit in force in the cluster (nil: none applied yet).
    public var appliedCommit: String?
    /// Records this node wrote for runs it no longer held (refused).
    public var refusedWrites = 0
    /// Seconds this node's clock is behind the database's (negative: ahead).
    public var clockOffset: Double = 0

    public init(node: String) {
        self.node = node
    }
}
