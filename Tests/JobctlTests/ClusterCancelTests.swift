import Foundation
import Testing
import TestSupport

/// Cancelling across a cluster: through one node's API, a run on another node; and
/// `concurrency: replace` replacing a run of another node (two real `serve --cluster` nodes).
@Suite("cluster cancel", .serialized)
struct ClusterCancelTests {
    /// A `run` token of each node's root (each node has its own token store).
    func tokens(_ cluster: Cluster) async throws -> [String] {
        var secrets: [String] = []
        for index in cluster.roots.indices {
            let token = try await JobctlProcess.run(["token", "create", "--root", cluster.roots[index], "--scope", "run", "--name", "ci\(index)"])
            secrets.append(token.stdout.split(separator: "\n").last.map(String.init) ?? "")
        }
        return secrets
    }

    /// Posts to node `index`'s API.
    func post(_ path: String, node index: Int, _ cluster: Cluster, _ tokens: [String]) async throws -> String {
        let url = try await cluster.nodes[index].apiURL()
        return try await JobctlProcess.run(program: "/usr/bin/curl", ["-s", "-X", "POST", "-H", "Authorization: Bearer \(tokens[index])", url + path]).stdout
    }

    func record(of run: String, _ cluster: Cluster) throws -> String {
        try cluster.server.psql("SELECT record FROM jobctl_runs WHERE run = '\(run)'")
    }

    func runID(in response: String) throws -> String {
        let object = try #require(try JSONSerialization.jsonObject(with: Data(response.utf8)) as? [String: Any], "\(response)")
        return try #require(object["run"] as? String, "\(response)")
    }

    @Test func aRunOnOneNodeIsCancelledThroughAnotherAndReplacedByAnother() async throws {
        let cluster = try await Cluster(clockOffsets: [0, 0], jobs: [
            "jobs/long.yaml": "concurrency: allow\nsteps:\n  - run: [sh, -c, 'sleep 60']\n",
            "jobs/latest.yaml": "concurrency: replace\nsteps:\n  - run: [sh, -c, 'sleep 60']\n",
        ], listening: [0, 1])
        try await cluster.startAll()
        let tokens = try await tokens(cluster)

        // A run on node 0, cancelled through node 1's API.
        let long = try runID(in: try await post("/api/jobs/long/runs", node: 0, cluster, tokens))
        try await eventually("the run is in progress on node 0") { try cluster.count("SELECT count(*) FROM jobctl_runs WHERE run = '\(long)' AND node = 'n0' AND state = 'running'") == 1 }
        let cancelling = try await post("/api/runs/\(long)/cancel", node: 1, cluster, tokens)
        #expect(cancelling.contains("\"status\":\"cancelling\"") && cancelling.contains("\"node\":\"n0\""), "\(cancelling)")
        try await eventually("node 0 cancels it") { try cluster.count("SELECT count(*) FROM jobctl_runs WHERE run = '\(long)' AND state = 'cancelled'") == 1 }
        #expect(try record(of: long, cluster).contains("cancelled by token ci1"))

        // A run on node 0 replaced by one started on node 1.
        let first = try runID(in: try await post("/api/jobs/latest/runs", node: 0, cluster, tokens))
        try await eventually("the first run is in progress") { try cluster.count("SELECT count(*) FROM jobctl_runs WHERE run = '\(first)' AND state = 'running'") == 1 }
        let second = try runID(in: try await post("/api/jobs/latest/runs", node: 1, cluster, tokens))
        try await eventually("node 0 cancels the replaced run") { try cluster.count("SELECT count(*) FROM jobctl_runs WHERE run = '\(first)' AND state = 'cancelled'") == 1 }
        #expect(try record(of: first, cluster).contains("cancelled: replaced by a newer api run (concurrency: replace)"))
        #expect(try cluster.count("SELECT count(*) FROM jobctl_runs WHERE run = '\(second)' AND node = 'n1' AND state = 'running'") == 1)
        try await cluster.stopAll()
    }
}
