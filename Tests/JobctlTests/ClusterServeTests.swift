import Foundation
import Testing
import TestSupport

/// Three `jobctl serve --cluster` nodes on one real PostgreSQL server and per-second jobs: the
/// leader is killed with SIGKILL and comes back later. Every fire runs once (whichever node
/// claims it), the killed node's run in flight is reaped `interrupted`, no run of a `skip` job
/// overlaps another, and the history files of the nodes together hold every run exactly once.
@Suite("cluster serve", .serialized)
struct ClusterServeTests {
    @Test func threeNodesAccountForEveryFireOnceThroughAKilledLeader() async throws {
        let server = try PostgresServer()
        let repo = try TemporaryGitRepository(files: [
            "jobs/tick.yaml": "schedule:\n  cron: \"* * * * * *\"\n  catchup: none\nsteps:\n  - run: [\"true\"]\n",
            // Longer than a second, concurrency skip: at most one run at once across the cluster.
            "jobs/slow.yaml": "schedule:\n  cron: \"* * * * * *\"\n  catchup: none\nconcurrency: skip\nsteps:\n  - run: [sh, -c, 'sleep 1.5']\n",
        ])
        let container = try TemporaryRoot()
        var roots: [String] = []
        for index in 0..<3 {
            let root = container.path + "/node\(index)"
            let clone = try await JobctlProcess.run(program: "/usr/bin/git", ["clone", "-q", repo.path, root])
            #expect(clone.status == 0, "\(clone.stderr)")
            let apply = try await JobctlProcess.run(["apply", "--root", root])
            #expect(apply.status == 0, "\(apply.stdout)\(apply.stderr)")
            roots.append(root)
        }
        func start(_ index: Int) throws -> DaemonProcess {
            try DaemonProcess(["serve", "--root", roots[index], "--cluster", server.url, "--node", "n\(index)", "--listen", "off", "--grace", "5s"])
        }
        var nodes = try (0..<3).map(start)
        for (index, node) in nodes.enumerated() {
            try await eventually("node \(index) joins and loads the jobs") { node.output.contains("running 2 applied jobs") }
        }
        var leader = -1
        try await eventually("a node leads") {
            leader = Int(try server.psql("SELECT node FROM jobctl_leader").trimmingCharacters(in: .whitespacesAndNewlines).dropFirst()) ?? -1
            return leader >= 0
        }
        // Fires run for a while, then the leader dies with a run of the slow job likely in flight.
        try await eventually("fires run on the cluster") { try count(server, "SELECT count(*) FROM jobctl_runs WHERE job = 'tick' AND state = 'completed'") >= 5 }
        nodes[leader].signal(SIGKILL)
        _ = try await nodes[leader].waitForExit(within: 600)
        // Another node takes the lease, reaps the silent node's runs, and exports.
        try await eventually("another node leads") {
            let node = try server.psql("SELECT node FROM jobctl_leader").trimmingCharacters(in: .whitespacesAndNewlines)
            return !node.isEmpty && node != "n\(leader)"
        }
        try await eventually("the dead node's runs are reaped") { try count(server, "SELECT count(*) FROM jobctl_runs WHERE state = 'running' AND node = 'n\(leader)'") == 0 }
        // The killed node comes back (a new incarnation) and fires again.
        nodes[leader] = try start(leader)
        try await eventually("the killed node rejoins") { nodes[leader].output.contains("running 2 applied jobs") }
        let rejoined = Date()
        try await eventually("the rejoined node runs fires") {
            try count(server, "SELECT count(*) FROM jobctl_runs WHERE node = 'n\(leader)' AND started_at > to_timestamp(\(rejoined.timeIntervalSince1970)) AND state = 'completed'") >= 1
        }
        for node in nodes { node.signal(SIGTERM) }
        for (index, node) in nodes.enumerated() {
            #expect(try await node.waitForExit(within: 600) == 0, "node \(index): \(node.output)")
        }

        #expect(try count(server, "SELECT count(*) FROM jobctl_runs WHERE state = 'running'") == 0)
        #expect(try count(server, "SELECT count(*) FROM jobctl_runs WHERE NOT exported") == 0, "every run exported")
        // Fires: one row per (job, second) by the key; one run or decision per fire.
        #expect(try count(server, "SELECT count(*) FROM (SELECT marker::json->>'scheduledFor' AS s, job FROM jobctl_runs WHERE marker IS NOT NULL GROUP BY 1, 2 HAVING count(*) > 1) d") == 0)
        // A skip job never overlaps itself, whichever nodes ran it.
        #expect(try count(server, """
            SELECT count(*) FROM jobctl_runs a JOIN jobctl_runs b ON a.job = b.job AND a.run < b.run
            WHERE a.job = 'slow' AND a.marker IS NOT NULL AND b.marker IS NOT NULL
            AND a.started_at < b.finished_at AND b.started_at < a.finished_at
            """) == 0)
        let audit = HistoryAudit(roots: roots, everySecond: ["tick", "slow"])
        #expect(audit.problems.isEmpty, "\(audit.problems.joined(separator: "\n"))")
        let rows = try count(server, "SELECT count(*) FROM jobctl_runs")
        #expect(audit.records.count == rows)
        // The runs reaped from the killed node are in the history, interrupted.
        let reaped = try count(server, "SELECT count(*) FROM jobctl_runs WHERE state = 'interrupted'")
        #expect(audit.records.filter { $0.status == "interrupted" }.count == reaped)
        #expect(Set(audit.records.compactMap { $0.job == "tick" && $0.status == "completed" ? $0.run : nil }).count >= 5)
    }

    private func count(_ server: PostgresServer, _ sql: String) throws -> Int {
        Int(try server.psql(sql).trimmingCharacters(in: .whitespacesAndNewlines)) ?? -1
    }
}
