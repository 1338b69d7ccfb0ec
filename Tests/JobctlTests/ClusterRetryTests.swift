import Foundation
import Testing
import TestSupport

/// Retries through the cluster's shared queue, with two real `serve --cluster` nodes: a run
/// interrupted with its node, and a failed run whose node dies during the backoff, are retried
/// once by the other node, by the job's retry policy.
@Suite("cluster retries", .serialized)
struct ClusterRetryTests {
    /// Starts a run of `job` through node 0's API.
    func trigger(_ job: String, on cluster: Cluster) async throws {
        let url = try await cluster.nodes[0].apiURL()
        let token = try await JobctlProcess.run(["token", "create", "--root", cluster.roots[0], "--scope", "run"])
        let secret = token.stdout.split(separator: "\n").last.map(String.init) ?? ""
        let posted = try await JobctlProcess.run(program: "/usr/bin/curl", ["-s", "-X", "POST", "-H", "Authorization: Bearer \(secret)", url + "/api/jobs/\(job)/runs"])
        #expect(posted.stdout.contains("\"run\""), "\(posted.stdout)\(posted.stderr)")
    }

    /// Kills node 0, waits until node 1 completed a run of `job`, stops node 1, and returns the
    /// job's records in node 1's history files (every node exports every run).
    func killNode0AndReadNode1sHistory(_ job: String, _ cluster: Cluster) async throws -> [String] {
        cluster.nodes[0].signal(SIGKILL)
        _ = try await cluster.nodes[0].waitForExit(within: 600)
        do {
            try await eventually("node 1 retries the run") {
                try cluster.count("SELECT count(*) FROM jobctl_runs WHERE job = '\(job)' AND node = 'n1' AND state = 'completed'") == 1
            }
        } catch {
            Issue.record("node 1: \(cluster.nodes[1].output)\nqueue: \((try? cluster.server.psql("SELECT * FROM jobctl_queue")) ?? "?")\nruns: \((try? cluster.server.psql("SELECT run, node, state FROM jobctl_runs")) ?? "?")")
            throw error
        }
        #expect(cluster.nodes[1].output.contains("retrying run"), "\(cluster.nodes[1].output)")
        cluster.nodes[1].signal(SIGTERM)
        #expect(try await cluster.nodes[1].waitForExit(within: 600) == 0, "\(cluster.nodes[1].output)")
        #expect(try cluster.count("SELECT count(*) FROM jobctl_runs WHERE job = '\(job)'") == 2)
        #expect(try cluster.count("SELECT count(*) FROM jobctl_queue") == 0)
        let history = try await JobctlProcess.run(["history", job, "--root", cluster.roots[1], "--format", "jsonl"])
        return history.stdout.split(separator: "\n").map(String.init)
    }

    func runID(of line: String) throws -> String? {
        try #require(try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any])["run"] as? String
    }

    @Test func aRunInterruptedWithItsNodeIsRetriedOnceByAnotherNode() async throws {
        let scratch = try TemporaryRoot()
        // The first attempt leaves its pid and sleeps (until its node is killed); the retry finds
        // the pid file and succeeds.
        let step = "if [ -e \(scratch.path)/first ]; then exit 0; fi; echo $$ > \(scratch.path)/first; exec sleep 300"
        let cluster = try await Cluster(clockOffsets: [0, 0], jobs: [
            "jobs/stuck.yaml": "retries: {max: 1, backoff: 1s}\nsteps:\n  - run: [sh, -c, '\(step)']\n",
        ])
        try await cluster.startAll()
        defer {
            if let pid = try? String(contentsOfFile: scratch.path + "/first", encoding: .utf8).trimmingCharacters(in: .whitespacesAndNewlines), let pid = Int32(pid) {
                kill(pid, SIGKILL)
            }
        }
        try await trigger("stuck", on: cluster)
        try await eventually("the first attempt runs on node 0") { FileManager.default.fileExists(atPath: scratch.path + "/first") }

        let lines = try await killNode0AndReadNode1sHistory("stuck", cluster)
        #expect(lines.count == 2, "\(lines)")
        #expect(try cluster.count("SELECT count(*) FROM jobctl_runs WHERE job = 'stuck' AND node = 'n0' AND state = 'interrupted'") == 1)
        let interrupted = try #require(lines.first { $0.contains("\"status\":\"interrupted\"") })
        let retry = try #require(lines.first { $0.contains("\"status\":\"completed\"") })
        #expect(retry.contains("\"trigger\":\"retry\"") && retry.contains("\"attempt\":2") && retry.contains("\"node\":\"n1\""), "\(retry)")
        #expect(retry.contains("retry of run \(try runID(of: interrupted) ?? "?"), interrupted when node n0 went silent or restarted"), "\(retry)")
    }

    @Test func aFailedRunsRetryOutlivesItsNode() async throws {
        let scratch = try TemporaryRoot()
        // The first attempt fails; the retry, 20 s later, succeeds. Node 0 dies in between.
        let step = "if [ -e \(scratch.path)/first ]; then exit 0; fi; touch \(scratch.path)/first; exit 3"
        let cluster = try await Cluster(clockOffsets: [0, 0], jobs: [
            "jobs/flaky.yaml": "retries: {max: 1, backoff: 20s}\nsteps:\n  - run: [sh, -c, '\(step)']\n",
        ])
        try await cluster.startAll()
        try await trigger("flaky", on: cluster)
        try await eventually("the first attempt fails on node 0") {
            try cluster.count("SELECT count(*) FROM jobctl_runs WHERE job = 'flaky' AND node = 'n0' AND state = 'failed'") == 1
        }
        let lines = try await killNode0AndReadNode1sHistory("flaky", cluster)
        #expect(lines.count == 2, "\(lines)")
        let failed = try #require(lines.first { $0.contains("\"status\":\"failed\"") })
        let retry = try #require(lines.first { $0.contains("\"status\":\"completed\"") })
        #expect(retry.contains("\"trigger\":\"retry\"") && retry.contains("\"attempt\":2") && retry.contains("\"node\":\"n1\""), "\(retry)")
        #expect(retry.contains("retry of run \(try runID(of: failed) ?? "?"), which failed on node n0"), "\(retry)")
    }
}
