import Foundation
import Testing
import TestSupport

/// `serve --cluster URL --cluster-password-secret NAME`: the password comes from the secrets store,
/// against a real PostgreSQL server that requires it (scram-sha-256 for the role), and is never
/// printed.
@Suite("cluster password from the secrets store", .serialized)
struct ClusterPasswordTests {
    static let password = "pg-Pa55-7d1e"

    /// A server where role `node` must authenticate with ``password`` (the test's own superuser
    /// `jobctl` stays trusted), owning database `nodes`; the URL names no password.
    func serverRequiringAPassword() throws -> (PostgresServer, String) {
        let server = try PostgresServer()
        try server.psql("CREATE ROLE node LOGIN PASSWORD '\(Self.password)'")
        try server.psql("CREATE DATABASE nodes OWNER node")
        let hba = server.folder + "/data/pg_hba.conf"
        let rules = try String(contentsOfFile: hba, encoding: .utf8)
        try ("local all node scram-sha-256\n" + rules).write(toFile: hba, atomically: false, encoding: .utf8)
        try server.psql("SELECT pg_reload_conf()")
        return (server, "postgres://node@localhost/nodes?host=\(server.folder)&sslmode=disable")
    }

    @Test func theNodeJoinsWithTheSecretAndIsRefusedWithAWrongOne() async throws {
        let (server, url) = try serverRequiringAPassword()
        let repo = try TemporaryGitRepository(files: ["jobs/tick.yaml": "schedule:\n  cron: \"* * * * * *\"\n  catchup: none\nsteps:\n  - run: [\"true\"]\n"])
        let apply = try await JobctlProcess.run(["apply", "--root", repo.path])
        #expect(apply.status == 0, "\(apply.stdout)\(apply.stderr)")
        let arguments = ["serve", "--root", repo.path, "--cluster", url, "--cluster-password-secret", "DB_PASSWORD", "--node", "n0", "--listen", "off", "--grace", "5s"]

        // A wrong password: the node does not start, says why, and prints no password.
        let wrong = try DaemonProcess(arguments, environment: ["JOBCTL_SECRET_DB_PASSWORD": "not-" + Self.password])
        let status = try await wrong.waitForExit(within: 120)
        #expect(status != nil && status != 0, "\(wrong.output)")
        #expect(wrong.output.contains("refused the connection: password authentication failed for user \"node\""), "\(wrong.output)")
        #expect(!wrong.output.contains(Self.password), "\(wrong.output)")

        // The secret's password: the node joins and runs fires, recorded in the database.
        let node = try DaemonProcess(arguments, environment: ["JOBCTL_SECRET_DB_PASSWORD": Self.password])
        try await eventually("the node joins the cluster") {
            guard node.process.isRunning else { throw PostgresServer.Failure(description: "serve exited: \(node.output)") }
            return node.output.contains("cluster: node n0 joined")
        }
        try await eventually("a fire runs through the database") {
            let count = try server.psql("SELECT count(*) FROM jobctl_runs WHERE state = 'completed'", database: "nodes")
            return (Int(count.trimmingCharacters(in: .whitespacesAndNewlines)) ?? 0) >= 1
        }
        #expect(!node.output.contains(Self.password), "\(node.output)")
        node.signal(SIGTERM)
        #expect(try await node.waitForExit(within: 90) == 0, "\(node.output)")
    }
}
