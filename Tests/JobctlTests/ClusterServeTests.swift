import Foundation
import Testing
import TestSupport

/// Three `jobctl serve --cluster` nodes on one real PostgreSQL server and per-second jobs, through
/// faults: every fire runs once (whichever node claims it), runs of dead or paused nodes are
/// reaped `interrupted`, no run of a `skip` job overlaps another, and the history files of the
/// nodes together hold every run exactly once.
@Suite("cluster serve", .serialized)
struct ClusterServeTests {
    static let jobs = [
        "jobs/tick.yaml": "schedule:\n  cron: \"* * * * * *\"\n  catchup: none\nsteps:\n  - run: [\"true\"]\n",
        // Longer than a second, concurrency skip: at most one run at once across the cluster.
        "jobs/slow.yaml": "schedule:\n  cron: \"* * * * * *\"\n  catchup: none\nconcurrency: skip\nsteps:\n  - run: [sh, -c, 'sleep 1.5']\n",
    ]

    @Test func threeNodesAccountForEveryFireOnceThroughAKilledLeader() async throws {
        let cluster = try await Cluster()
        try await cluster.startAll()
        try await cluster.waitForCompletedTicks(5)
        // /healthz shows the cluster as node 0 sees it: three live nodes and a leader.
        let url = try await cluster.nodes[0].apiURL()
        try await eventually("node 0's /healthz shows the cluster") {
            let health = try await JobctlProcess.run(program: "/usr/bin/curl", ["-s", url + "/healthz"]).stdout
            return health.contains("\"node\":\"n0\"") && health.contains("\"leader\":\"n") && ["n0", "n1", "n2"].allSatisfy { health.contains("{\"heartbeatAgeSeconds\":") && health.contains("\"node\":\"\($0)\"") }
        }
        // /metrics and `jobctl status --server` with a read token.
        let token = try await JobctlProcess.run(["token", "create", "--root", cluster.roots[0], "--scope", "read"])
        let secret = token.stdout.split(separator: "\n").last.map(String.init) ?? ""
        let metrics = try await JobctlProcess.run(program: "/usr/bin/curl", ["-s", "-H", "Authorization: Bearer \(secret)", url + "/metrics"]).stdout
        #expect(metrics.contains("jobctl_cluster_up 1") && metrics.contains("jobctl_cluster_nodes 3") && metrics.contains("jobctl_cluster_heartbeat_age_seconds{node=\"n2\"}"), "\(metrics)")
        let status = try await JobctlProcess.run(["status", "--server", url], environment: ["JOBCTL_TOKEN": secret])
        #expect(status.stdout.contains("Cluster: node n0 of 3 live nodes, leader n"), "\(status.stdout)\(status.stderr)")
        let applied = try await JobctlProcess.run(program: "/usr/bin/git", ["-C", cluster.roots[0], "rev-parse", "--short=7", "refs/jobctl/applied"]).stdout
        #expect(status.stdout.contains("0 queued, commit \(applied.trimmingCharacters(in: .whitespacesAndNewlines)) in force"), "\(status.stdout)")

        let leader = try await cluster.leader()
        cluster.nodes[leader].signal(SIGKILL)
        _ = try await cluster.nodes[leader].waitForExit(within: 600)
        try await eventually("another node leads") { try await cluster.leader(orNil: true).map { $0 != leader } ?? false }
        try await eventually("the dead node's runs are reaped") {
            try cluster.count("SELECT count(*) FROM jobctl_runs WHERE state = 'running' AND node = 'n\(leader)'") == 0
        }
        // The killed node comes back (a new incarnation) and fires again.
        try await cluster.restart(leader)
        try await cluster.stopAll()
        try cluster.checkEveryFireOnce()
    }

    /// The faults of issue 16 in turn: one node runs 30 s ahead and another 30 s behind; a node
    /// is stopped (SIGSTOP) until the cluster reaps it, then resumed; the leader is killed;
    /// PostgreSQL restarts; every backend is terminated. Prints the failover time.
    @Test func faultsLeaveEveryFireAccountedForOnce() async throws {
        let cluster = try await Cluster(clockOffsets: [0, -30, 30])
        try await cluster.startAll()
        try await cluster.waitForCompletedTicks(5)

        // A paused node: reaped while stopped, then a zombie whose writes are refused; it rejoins.
        let paused = 1
        cluster.nodes[paused].signal(SIGSTOP)
        try await eventually("the stopped node is reaped") { try cluster.count("SELECT count(*) FROM jobctl_nodes WHERE node = 'n\(paused)'") == 0 }
        cluster.nodes[paused].signal(SIGCONT)
        try await eventually("the resumed node rejoins") { cluster.nodes[paused].output.contains("joins again as a new incarnation") }

        // The leader dies.
        let leader = try await cluster.leader()
        let killed = Date()
        cluster.nodes[leader].signal(SIGKILL)
        _ = try await cluster.nodes[leader].waitForExit(within: 600)
        try await eventually("another node leads") { try await cluster.leader(orNil: true).map { $0 != leader } ?? false }
        print("cluster failover: a new leader \(String(format: "%.1f", Date().timeIntervalSince(killed))) s after the leader was killed")

        // PostgreSQL restarts; then every backend is terminated.
        let before = try cluster.count("SELECT count(*) FROM jobctl_runs")
        try cluster.server.stop()
        try cluster.server.start()
        try await eventually("fires run again after PostgreSQL restarted") { try cluster.count("SELECT count(*) FROM jobctl_runs") > before + 3 }
        let beforeTermination = try cluster.count("SELECT count(*) FROM jobctl_runs")
        try cluster.server.psql("SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity WHERE backend_type = 'client backend' AND pid <> pg_backend_pid()")
        try await eventually("fires run again after the backends were terminated") { try cluster.count("SELECT count(*) FROM jobctl_runs") > beforeTermination + 3 }

        try await cluster.restart(leader)
        try await cluster.stopAll()
        try cluster.checkEveryFireOnce()
        // Nothing of a skewed node fired early by the database's clock.
        #expect(try cluster.count("SELECT count(*) FROM jobctl_fires WHERE claimed_at < scheduled_for") == 0)
    }
}

/// Three nodes, each with its own clone of one jobs repository (applied), on one PostgreSQL.
final class Cluster: @unchecked Sendable {
    let server: PostgresServer
    let repo: TemporaryGitRepository
    let container: TemporaryRoot
    let offsets: [Double]
    var roots: [String] = []
    var nodes: [DaemonProcess] = []

    /// "running 2 applied jobs": what a node logs once it loaded them.
    let loaded: String

    /// The nodes that serve the HTTP API (node 0 by default).
    let listening: Set<Int>

    init(clockOffsets: [Double] = [0, 0, 0], jobs: [String: String] = ClusterServeTests.jobs, listening: Set<Int> = [0]) async throws {
        self.listening = listening
        server = try PostgresServer()
        repo = try TemporaryGitRepository(files: jobs)
        loaded = "running \(jobs.count) applied job\(jobs.count == 1 ? "" : "s")"
        container = try TemporaryRoot()
        offsets = clockOffsets
        for index in offsets.indices {
            let root = container.path + "/node\(index)"
            let clone = try await JobctlProcess.run(program: "/usr/bin/git", ["clone", "-q", repo.path, root])
            #expect(clone.status == 0, "\(clone.stderr)")
            let apply = try await JobctlProcess.run(["apply", "--root", root])
            #expect(apply.status == 0, "\(apply.stdout)\(apply.stderr)")
            roots.append(root)
        }
    }

    func start(_ index: Int) throws -> DaemonProcess {
        // Node 0 serves the HTTP API (its /healthz and /metrics show the cluster).
        try DaemonProcess(["serve", "--root", roots[index], "--cluster", server.url, "--node", "n\(index)", "--listen", listening.contains(index) ? "127.0.0.1:0" : "off", "--grace", "5s",
                           "--clock-offset=\(offsets[index])"])
    }

    func startAll() async throws {
        nodes = try offsets.indices.map(start)
        for (index, node) in nodes.enumerated() {
            try await eventually("node \(index) joins and loads the jobs") { try Cluster.running(node, index).output.contains(loaded) }
        }
    }

    /// Starts a node again and waits until it has run a fire.
    func restart(_ index: Int) async throws {
        nodes[index] = try start(index)
        try await eventually("node \(index) rejoins") { try Cluster.running(nodes[index], index).output.contains(loaded) }
        let rejoined = Date()
        try await eventually("node \(index) runs fires again") {
            try count("SELECT count(*) FROM jobctl_runs WHERE node = 'n\(index)' AND started_at > to_timestamp(\(rejoined.timeIntervalSince1970)) AND state = 'completed'") >= 1
        }
    }

    /// The node, or an error with its output if it exited.
    static func running(_ node: DaemonProcess, _ index: Int) throws -> DaemonProcess {
        guard node.process.isRunning else { throw PostgresServer.Failure(description: "node \(index) exited: \(node.output)") }
        return node
    }

    func stopAll() async throws {
        for node in nodes { node.signal(SIGTERM) }
        for (index, node) in nodes.enumerated() {
            #expect(try await node.waitForExit(within: 600) == 0, "node \(index): \(node.output)")
        }
    }

    func waitForCompletedTicks(_ count: Int) async throws {
        try await eventually("fires run on the cluster") { try self.count("SELECT count(*) FROM jobctl_runs WHERE job = 'tick' AND state = 'completed'") >= count }
    }

    /// The index of the node holding the leader's lease.
    func leader(orNil: Bool = false) async throws -> Int? {
        var leader: Int?
        try await eventually("a node leads") {
            leader = Int(try server.psql("SELECT node FROM jobctl_leader WHERE expires_at > now()").trimmingCharacters(in: .whitespacesAndNewlines).dropFirst())
            return leader != nil || orNil
        }
        return leader
    }

    func leader() async throws -> Int {
        try #require(try await leader(orNil: false))
    }

    func count(_ sql: String) throws -> Int {
        Int(try server.psql(sql).trimmingCharacters(in: .whitespacesAndNewlines)) ?? -1
    }

    /// After every node stopped: the database and the nodes' history files together account for
    /// every scheduled second once.
    func checkEveryFireOnce() throws {
        #expect(try count("SELECT count(*) FROM jobctl_runs WHERE state = 'running'") == 0)
        // One run or decision per fire.
        #expect(try count("SELECT count(*) FROM (SELECT job, scheduled_for FROM jobctl_runs WHERE scheduled_for IS NOT NULL AND first_scheduled_for IS NOT DISTINCT FROM scheduled_for GROUP BY 1, 2 HAVING count(*) > 1) d") == 0)
        // A skip job never overlaps itself, whichever nodes ran it.
        #expect(try count("""
            SELECT count(*) FROM jobctl_runs a JOIN jobctl_runs b ON a.job = b.job AND a.run < b.run
            WHERE a.job = 'slow' AND a.marker IS NOT NULL AND b.marker IS NOT NULL
            AND a.started_at < b.finished_at AND b.started_at < a.finished_at
            """) == 0)
        let audit = HistoryAudit(roots: roots, everySecond: ["tick", "slow"])
        #expect(audit.problems.isEmpty, "\(audit.problems.joined(separator: "\n"))")
        #expect(audit.records.count == (try count("SELECT count(*) FROM jobctl_runs")))
        // The runs reaped from dead or paused nodes are in the history, interrupted.
        let reaped = try count("SELECT count(*) FROM jobctl_runs WHERE state = 'interrupted'")
        #expect(audit.records.filter { $0.status == "interrupted" }.count == reaped)
        #expect(Set(audit.records.compactMap { $0.job == "tick" && $0.status == "completed" ? $0.run : nil }).count >= 5)
    }
}
