import Foundation
import History
public import ServiceLifecycle

/// One node's long-lived cluster work: it heartbeats (every `heartbeat`), exports the cluster's
/// finished runs to its own history files (``HistoryExporter``), takes or renews the leader's
/// lease, and, while it leads, reaps the nodes silent for `deadTime` (their runs become
/// `interrupted`).
///
/// Correctness never depends on the leader: fires are claimed and runs fenced in the database
/// whoever leads; a leader only saves the others the reaping.
public struct ClusterService: Service {
    public struct Timing: Sendable {
        public var heartbeat: Duration = .seconds(2)
        public var deadTime: Duration = .seconds(10)
        public init(heartbeat: Duration = .seconds(2), deadTime: Duration = .seconds(10)) {
            self.heartbeat = heartbeat
            self.deadTime = deadTime
        }
    }

    public let ledger: ClusterLedger
    public let clock: ClusterClock
    public let exporter: HistoryExporter
    public let timing: Timing
    let log: @Sendable (String) -> Void

    public init(ledger: ClusterLedger, clock: ClusterClock, exporter: HistoryExporter, timing: Timing = Timing(),
                log: @escaping @Sendable (String) -> Void) {
        self.ledger = ledger
        self.clock = clock
        self.exporter = exporter
        self.timing = timing
        self.log = log
    }

    var database: ClusterDatabase { ledger.database }

    /// A node that does not lead exports at every this many heartbeats (10 s by default).
    static let exportEvery = 5

    /// Before anything else of the node runs: the schema is brought up to date and the node
    /// registered, with a first reading of the database's clock.
    public func prepare() async throws {
        try await database.checkConnection()
        let applied = try await database.migrate()
        if !applied.isEmpty { log("cluster: migrated the database's schema to version \(applied.max()!)") }
        try await database.register(node: ledger.node, incarnation: ledger.incarnation)
        try await beat()
    }

    public func run() async throws {
        await withGracefulShutdownHandler {
            var leading: Int64?
            var beats = 0
            while !Task.isCancelled && !Task.isShuttingDownGracefully {
                do {
                    try await beat()
                    let term = try await database.lead(node: ledger.node, incarnation: ledger.incarnation, seconds: timing.deadTime.seconds)
                    if term != leading {
                        if let term { log("cluster: this node leads (term \(term))") } else if leading != nil { log("cluster: this node no longer leads") }
                        leading = term
                    }
                    if let term {
                        let reaped = try await database.reap(deadSeconds: timing.deadTime.seconds, by: ledger.node)
                        if !reaped.interrupted.isEmpty {
                            log("cluster: \(reaped.interrupted.count) run\(reaped.interrupted.count == 1 ? "" : "s") of silent nodes marked interrupted: \(reaped.interrupted.joined(separator: ", "))")
                        }
                        if !reaped.missed.isEmpty { log("cluster: \(reaped.missed.count) fire(s) claimed by silent nodes and never started recorded missed") }
                    }
                    // The leader exports at every heartbeat, the others at every fifth: each
                    // export syncs every job file it appends to, and syncs are what a node's
                    // export costs (`Benchmarks.md`, cluster mode).
                    if term != nil || beats % Self.exportEvery == 0 { try await exporter.export() }
                    beats += 1
                } catch is CancellationError {
                    break
                } catch {
                    log("warning: cluster: \(error)")
                }
                try? await Task.sleep(for: timing.heartbeat)
            }
        } onGracefulShutdown: {}
        // Runs ended before this service stops (it is the last to stop): the node leaves at once
        // (another node leads without waiting for the lease to run out), then exports the last
        // records, its own included.
        try? await database.leave(node: ledger.node, incarnation: ledger.incarnation)
        do { try await exporter.export() } catch { log("warning: cluster: the last export failed: \(error)") }
    }

    /// A heartbeat, with a reading of the database's clock; a node that was reaped registers
    /// again as a new incarnation (the runs it held were interrupted, and their records from
    /// this node are refused).
    private func beat() async throws {
        let sent = clock.base.now()
        if let now = try await database.heartbeat(node: ledger.node, incarnation: ledger.incarnation) {
            clock.observe(databaseNow: now, sent: sent, received: clock.base.now())
            return
        }
        let incarnation = ledger.renewIncarnation()
        log("warning: cluster: this node was silent for longer than \(timing.deadTime) and was reaped; the runs it held were interrupted. It joins again as a new incarnation")
        try await database.register(node: ledger.node, incarnation: incarnation)
    }
}

