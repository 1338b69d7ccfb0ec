import Foundation
import Testing
import TestSupport

/// The commit in force in a cluster: applied on one node, it moves in the database by
/// compare-and-swap, and every node runs it and no other (two real `serve --cluster` nodes, each
/// with its own clone).
@Suite("cluster apply", .serialized)
struct ClusterApplyTests {
    static let tick = "schedule:\n  cron: \"* * * * * *\"\n  catchup: none\nsteps:\n  - run: [\"true\"]\n"

    func git(_ root: String, _ arguments: [String]) async throws -> String {
        let result = try await JobctlProcess.run(program: "/usr/bin/git", ["-C", root] + arguments)
        #expect(result.status == 0, "git \(arguments): \(result.stderr)")
        return result.stdout.trimmingCharacters(in: .whitespacesAndNewlines)
    }

    @Test func aCommitAppliedOnOneNodeIsRunByEveryNodeAndNoOther() async throws {
        let cluster = try await Cluster(clockOffsets: [0, 0], jobs: ["jobs/tick.yaml": Self.tick])
        try await cluster.startAll()
        let first = try await git(cluster.roots[0], ["rev-parse", "HEAD"])
        try await eventually("the first node's commit is the cluster's") { try cluster.server.psql("SELECT commit FROM jobctl_applied").contains(first) }

        // A new job, committed and applied on node 0 only.
        try "schedule:\n  cron: \"* * * * * *\"\n  catchup: none\nsteps:\n  - run: [\"true\"]\n"
            .write(toFile: cluster.roots[0] + "/jobs/fresh.yaml", atomically: true, encoding: .utf8)
        _ = try await git(cluster.roots[0], ["add", "jobs/fresh.yaml"])
        _ = try await git(cluster.roots[0], ["-c", "user.name=t", "-c", "user.email=t@example.com", "commit", "-q", "-m", "fresh"])
        let second = try await git(cluster.roots[0], ["rev-parse", "HEAD"])
        let apply = try await JobctlProcess.run(["apply", "--root", cluster.roots[0]])
        #expect(apply.status == 0, "\(apply.stdout)\(apply.stderr)")
        try await eventually("node 0 applies it to the cluster") { try cluster.server.psql("SELECT commit FROM jobctl_applied").contains(second) }
        try await eventually("node 0 runs the new job") {
            try cluster.count("SELECT count(*) FROM jobctl_runs WHERE job = 'fresh' AND node = 'n0' AND state = 'completed'") >= 1
        }
        // Node 1 does not have the commit: it says so and, meanwhile, starts nothing (checked at
        // the end, over the whole time).
        try await eventually("node 1 says it lacks the commit") { cluster.nodes[1].output.contains("which this node's repository does not have") }

        // Node 1 fetches it: it follows, mirrors it to its applied ref, and runs the new job.
        _ = try await git(cluster.roots[1], ["fetch", "-q", cluster.roots[0], "main"])
        try await eventually("node 1 runs the new job") {
            try cluster.count("SELECT count(*) FROM jobctl_runs WHERE job = 'fresh' AND node = 'n1' AND state = 'completed'") >= 1
        }
        #expect(cluster.nodes[1].output.contains("cluster: following commit \(second.prefix(12)), applied by node n0"), "\(cluster.nodes[1].output)")
        #expect(try await git(cluster.roots[1], ["rev-parse", "refs/jobctl/applied"]) == second)
        try await cluster.stopAll()
        // No run of the first commit started after the second was in force.
        #expect(try cluster.count("""
            SELECT count(*) FROM jobctl_runs WHERE marker IS NOT NULL AND marker::json->>'commit' = '\(first)'
            AND started_at > (SELECT applied_at FROM jobctl_applied) + interval '1 second'
            """) == 0)
        #expect(try cluster.count("SELECT version FROM jobctl_applied") == 2)
    }
}
