import Foundation
import Testing
import TestSupport

/// A run interrupted with its node is retried by another node, by the job's retry policy,
/// through the cluster's shared queue: two real `serve --cluster` nodes, the one running the
/// run killed with SIGKILL.
@Suite("cluster retries", .serialized)
struct ClusterRetryTests {
    @Test func aRunInterruptedWithItsNodeIsRetriedOnceByAnotherNode() async throws {
        let scratch = try TemporaryRoot()
        // The first attempt leaves its pid and sleeps (until its node is killed); the retry finds
        // the pid file and succeeds.
        let step = "if [ -e \(scratch.path)/first ]; then echo retried; exit 0; fi; echo $$ > \(scratch.path)/first; exec sleep 300"
        let cluster = try await Cluster(clockOffsets: [0, 0], jobs: [
            "jobs/flaky.yaml": "retries: {max: 1, backoff: 1s}\nsteps:\n  - run: [sh, -c, '\(step)']\n",
        ])
        try await cluster.startAll()
        defer {
            if let pid = try? String(contentsOfFile: scratch.path + "/first", encoding: .utf8).trimmingCharacters(in: .whitespacesAndNewlines), let pid = Int32(pid) {
                kill(pid, SIGKILL)
            }
        }
        let url = try await cluster.nodes[0].apiURL()
        let token = try await JobctlProcess.run(["token", "create", "--root", cluster.roots[0], "--scope", "run"])
        let secret = token.stdout.split(separator: "\n").last.map(String.init) ?? ""
        let posted = try await JobctlProcess.run(program: "/usr/bin/curl", ["-s", "-X", "POST", "-H", "Authorization: Bearer \(secret)", url + "/api/jobs/flaky/runs"])
        #expect(posted.stdout.contains("\"run\""), "\(posted.stdout)\(posted.stderr)")
        try await eventually("the first attempt runs on node 0") { FileManager.default.fileExists(atPath: scratch.path + "/first") }

        cluster.nodes[0].signal(SIGKILL)
        _ = try await cluster.nodes[0].waitForExit(within: 600)
        try await eventually("node 1 retries the run") {
            try cluster.count("SELECT count(*) FROM jobctl_runs WHERE job = 'flaky' AND node = 'n1' AND state = 'completed'") == 1
        }
        #expect(cluster.nodes[1].output.contains("retrying run"), "\(cluster.nodes[1].output)")
        cluster.nodes[1].signal(SIGTERM)
        #expect(try await cluster.nodes[1].waitForExit(within: 600) == 0, "\(cluster.nodes[1].output)")

        // Two records: the interrupted attempt (node 0) and its one retry (node 1); nothing queued.
        #expect(try cluster.count("SELECT count(*) FROM jobctl_runs WHERE job = 'flaky'") == 2)
        #expect(try cluster.count("SELECT count(*) FROM jobctl_runs WHERE job = 'flaky' AND node = 'n0' AND state = 'interrupted'") == 1)
        #expect(try cluster.count("SELECT count(*) FROM jobctl_queue") == 0)
        // Node 1 led at the end and exported both to its history files.
        let history = try await JobctlProcess.run(["history", "flaky", "--root", cluster.roots[1], "--format", "jsonl"])
        let lines = history.stdout.split(separator: "\n").map(String.init)
        #expect(lines.count == 2, "\(history.stdout)\(history.stderr)")
        let interrupted = try #require(lines.first { $0.contains("\"status\":\"interrupted\"") })
        let retry = try #require(lines.first { $0.contains("\"status\":\"completed\"") })
        let firstRun = try #require(try JSONSerialization.jsonObject(with: Data(interrupted.utf8)) as? [String: Any])["run"] as? String
        #expect(retry.contains("\"trigger\":\"retry\"") && retry.contains("\"attempt\":2") && retry.contains("\"node\":\"n1\""), "\(retry)")
        #expect(retry.contains("retry of run \(firstRun ?? "?"), interrupted when node n0 went silent or restarted"), "\(retry)")
    }
}
