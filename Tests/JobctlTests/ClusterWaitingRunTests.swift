import Foundation
import Testing
import TestSupport

/// `concurrency: queue` across a cluster: a run that waits behind the job's run in progress waits
/// in the database, and any node starts it once that run ends, even when the node that received
/// it died.
@Suite("cluster queue", .serialized)
struct ClusterWaitingRunTests {
    @Test func aRunWaitingBehindAnotherIsStartedByAnotherNodeWhenItsNodeDies() async throws {
        let cluster = try await Cluster(clockOffsets: [0, 0], jobs: [
            "jobs/serial.yaml": "concurrency: queue\nsteps:\n  - run: [sh, -c, 'sleep 30']\n",
        ])
        try await cluster.startAll()
        let url = try await cluster.nodes[0].apiURL()
        let token = try await JobctlProcess.run(["token", "create", "--root", cluster.roots[0], "--scope", "run"])
        let secret = token.stdout.split(separator: "\n").last.map(String.init) ?? ""
        func post() async throws -> String {
            try await JobctlProcess.run(program: "/usr/bin/curl", ["-s", "-X", "POST", "-H", "Authorization: Bearer \(secret)", url + "/api/jobs/serial/runs"]).stdout
        }
        #expect(try await post().contains("\"queued\":false"))
        try await eventually("the first run is in progress") { try cluster.count("SELECT count(*) FROM jobctl_runs WHERE job = 'serial' AND state = 'running'") == 1 }
        // The second waits in the cluster's queue; a third finds the queue full.
        let second = try await post()
        #expect(second.contains("\"queued\":true"), "\(second)")
        #expect(try cluster.count("SELECT count(*) FROM jobctl_queue WHERE kind = 'waiting'") == 1)
        let third = try await post()
        #expect(third.contains("already waits in the cluster's queue"), "\(third)")

        // Node 0 dies with the first run: once it is reaped, node 1 starts the waiting run.
        cluster.nodes[0].signal(SIGKILL)
        _ = try await cluster.nodes[0].waitForExit(within: 600)
        try await eventually("node 1 starts the waiting run") {
            try cluster.count("SELECT count(*) FROM jobctl_runs WHERE job = 'serial' AND node = 'n1' AND state = 'running'") == 1
        }
        #expect(try cluster.count("SELECT count(*) FROM jobctl_runs WHERE job = 'serial' AND state = 'interrupted'") == 1)
        #expect(try cluster.count("SELECT count(*) FROM jobctl_queue") == 0)
        #expect(try cluster.count("SELECT count(*) FROM jobctl_runs WHERE job = 'serial' AND marker::json->>'trigger' = 'api' AND node = 'n1'") == 1)
        cluster.nodes[1].signal(SIGTERM)
        #expect(try await cluster.nodes[1].waitForExit(within: 600) == 0, "\(cluster.nodes[1].output)")
    }
}
