import Crypto
import Foundation
import Outbound
import Testing
import TestSupport

/// `jobctl serve --remote`: a daemon that follows a branch of a real remote (a bare repository
/// over file://, and git's smart HTTP on loopback), as a new user sets it up from the docs.
@Suite("serve --remote end to end", .serialized)
struct RemoteServeTests {
    /// A forge (bare repository), a clone that pushes to it, and the daemon's own folder.
    struct Forge {
        let forge: TemporaryGitRepository
        let work: TemporaryGitRepository
        let state: TemporaryGitRepository

        init() throws {
            work = try TemporaryGitRepository(files: ["jobs/tick.yaml": "schedule: \"@every 1s\"\nsteps:\n  - run: echo tick\n"])
            forge = try TemporaryGitRepository(bare: true)
            state = try TemporaryGitRepository(bare: true)
            try work.git("push", "--quiet", forge.path, "main")
        }

        var daemonRoot: String { state.container + "/daemon" }

        @discardableResult
        func push(_ file: String, _ text: String, force: Bool = false) throws -> String {
            try work.write(file, text)
            let sha = try work.commit("change \(file)")
            try work.git(["push", "--quiet"] + (force ? ["--force"] : []) + [forge.path, "main"])
            return sha
        }

        func records(_ job: String) -> [String] {
            let text = (try? String(contentsOfFile: daemonRoot + "/history/\(job).jsonl", encoding: .utf8)) ?? ""
            return text.split(separator: "\n").map(String.init)
        }
    }

    func apiURL(_ daemon: DaemonProcess) async throws -> String {
        var port: Int?
        try await eventually("the API listens") {
            guard let range = daemon.output.range(of: "listening on http://127.0.0.1:") else { return false }
            port = Int(daemon.output[range.upperBound...].prefix { $0.isNumber })
            return port != nil
        }
        return "http://127.0.0.1:\(port ?? 0)"
    }

    func get(_ url: String, token: String) async -> String {
        let request = OutboundRequest(method: "GET", url: url, headers: [("Authorization", "Bearer \(token)")], timeout: .seconds(30))
        return (try? await request.perform(responseCap: 1 << 20)).map { String(decoding: $0.body, as: UTF8.self) } ?? ""
    }

    func post(_ url: String, body: String, headers: [(String, String)]) async throws -> (status: Int, body: String) {
        let request = OutboundRequest(method: "POST", url: url, headers: headers + [("Content-Type", "application/json")], body: Array(body.utf8), timeout: .seconds(30))
        let response = try await request.perform(responseCap: 1 << 20)
        return (response.status, String(decoding: response.body, as: UTF8.self))
    }

    func readToken(_ root: String) async throws -> String {
        let made = try await JobctlProcess.run(["token", "create", "--root", root, "--name", "reader", "--scope", "read"])
        #expect(made.status == 0, "\(made.stderr)")
        return String(made.stdout.split(separator: "\n").last ?? "")
    }

    @Test func followsPushesRefusesBrokenAndForcePushedHeadsAndKeepsTheLastGoodStateRunning() async throws {
        let setup = try Forge()
        let daemon = try DaemonProcess(["serve", "--root", setup.daemonRoot, "--remote", "file://" + setup.forge.path,
                                        "--poll", "1s", "--listen", "127.0.0.1:0"])
        let api = try await apiURL(daemon)
        let token = try await readToken(setup.daemonRoot)
        #expect(try await eventually("the first head runs") { !setup.records("tick").isEmpty }, "\(daemon.output)")

        // A new job pushed is applied by polling.
        let added = try setup.push("jobs/tock.yaml", "schedule: \"@every 1s\"\nsteps:\n  - run: echo tock\n")
        #expect(try await eventually("the pushed job runs") { !setup.records("tock").isEmpty }, "\(daemon.output)")
        #expect(await get(api + "/api/remote", token: token).contains("\"appliedCommit\":\"\(added)\""))

        // A broken commit is refused once, with its located error, and the last good state runs on.
        let broken = try setup.push("jobs/bad.yaml", "schedule: \"@every 1s\nsteps: [\n")
        #expect(try await eventually("the broken head is refused") { daemon.output.contains("remote: refused \(broken.prefix(7))") })
        #expect(daemon.output.contains("jobs/bad.yaml:3:1: error:"), "\(daemon.output)")
        let remote = await get(api + "/api/remote", token: token)
        #expect(remote.contains("\"remoteHead\":\"\(broken)\""))
        #expect(remote.contains("\"appliedCommit\":\"\(added)\""))
        #expect(remote.contains("\"reason\":\"invalid\""))
        #expect(await get(api + "/metrics", token: token).contains("jobctl_remote_behind 1"))
        let status = try await JobctlProcess.run(["status", "--server", api], environment: ["JOBCTL_TOKEN": token])
        #expect(status.status == 0, "\(status.stderr)")
        #expect(status.stdout.contains("Remote file://\(setup.forge.path) main (jobs root .): head \(broken.prefix(7)), applied \(added.prefix(7)), behind"), "\(status.stdout)")
        #expect(status.stdout.contains("  refused: commit \(broken.prefix(7)) of main has 1 error"))
        #expect(status.stdout.contains("    jobs/bad.yaml:3:1: error:"))

        // CI without a clone: history and check through the API, with a read token.
        let read = try await JobctlProcess.run(["history", "tick", "--server", api, "--last", "2", "--format", "jsonl"], environment: ["JOBCTL_TOKEN": token])
        #expect(read.status == 0, "\(read.stderr)")
        let served = read.stdout.split(separator: "\n").map(String.init)
        #expect(served.count == 2)
        let runs = served.compactMap { (try? JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any])?["run"] as? String }
        #expect(runs.count == 2 && setup.records("tick").contains { $0.contains(runs[1]) })
        let gate = try await JobctlProcess.run(["check", "tick", "--server", api, "--succeeded-within", "1h"], environment: ["JOBCTL_TOKEN": token])
        #expect(gate.status == 0 && gate.stdout.hasPrefix("pass: tick succeeded"), "\(gate.stdout)\(gate.stderr)")
        let anonymous = try await JobctlProcess.run(["check", "tick", "--server", api, "--succeeded-within", "1h"], environment: ["JOBCTL_TOKEN": ""])
        #expect(anonymous.status == 1 && anonymous.stderr.contains("401"), "\(anonymous.stderr)")
        let ticks = setup.records("tick").count
        #expect(try await eventually("the last good state keeps running") { setup.records("tick").count >= ticks + 2 })

        // A force-push that drops the applied commit is refused too.
        try setup.work.git("reset", "--quiet", "--hard", "HEAD~2")
        let rewritten = try setup.push("jobs/other.yaml", "schedule: \"@every 1s\"\nsteps:\n  - run: echo other\n", force: true)
        #expect(try await eventually("the force-push is refused") { daemon.output.contains("remote: refused \(rewritten.prefix(7))") })
        #expect(await get(api + "/api/remote", token: token).contains("\"reason\":\"force-push\""))
        #expect(setup.records("other").isEmpty)
        #expect(daemon.output.components(separatedBy: "remote: refused \(broken.prefix(7))").count == 2, "a refusal reported more than once")

        daemon.signal(SIGTERM)
        #expect(try await daemon.waitForExit(within: 90) == 0, "\(daemon.output)")
    }

    @Test func aSignedPushWebhookFetchesAtOnceAndOtherRequestsAreRefused() async throws {
        let setup = try Forge()
        // Polling once an hour: only the webhook can explain a prompt apply.
        let daemon = try DaemonProcess(["serve", "--root", setup.daemonRoot, "--remote", setup.forge.path, "--poll", "1h",
                                        "--listen", "127.0.0.1:0"],
                                       environment: ["JOBCTL_SECRET_GIT_PUSH_WEBHOOK": "hook-s3cret"])
        let api = try await apiURL(daemon)
        #expect(try await eventually("the first head runs") { !setup.records("tick").isEmpty }, "\(daemon.output)")
        try setup.push("jobs/tock.yaml", "schedule: \"@every 1s\"\nsteps:\n  - run: echo tock\n")

        let body = #"{"ref":"refs/heads/main","after":"0000"}"#
        let unsigned = try await post(api + "/api/git/push", body: body, headers: [])
        #expect(unsigned.status == 401)
        let forged = try await post(api + "/api/git/push", body: body, headers: [("X-Hub-Signature-256", Self.signature(body, "wrong"))])
        #expect(forged.status == 401)
        let otherBranch = #"{"ref":"refs/heads/feature"}"#
        let ignored = try await post(api + "/api/git/push", body: otherBranch, headers: [("X-Hub-Signature-256", Self.signature(otherBranch, "hook-s3cret"))])
        #expect(ignored.status == 202)
        #expect(ignored.body.contains("\"accepted\":false"))
        #expect(setup.records("tock").isEmpty)

        let accepted = try await post(api + "/api/git/push", body: body, headers: [("X-Hub-Signature-256", Self.signature(body, "hook-s3cret"))])
        #expect(accepted.status == 202)
        #expect(accepted.body.contains("\"accepted\":true"))
        #expect(try await eventually("the pushed job runs after the webhook") { !setup.records("tock").isEmpty }, "\(daemon.output)")
        daemon.signal(SIGTERM)
        #expect(try await daemon.waitForExit(within: 90) == 0)
    }

    @Test func followsASmartHTTPRemoteWithATokenFromTheSecretsStore() async throws {
        let setup = try Forge()
        let server = try await GitHTTPServer(folder: setup.forge.container, login: ("ci", "t0ken"))
        let url = "http://ci@127.0.0.1:\(server.port)/repo.git"
        let daemon = try DaemonProcess(["serve", "--root", setup.daemonRoot, "--remote", url, "--poll", "1s",
                                        "--remote-token-secret", "FORGE_TOKEN", "--listen", "off"],
                                       environment: ["JOBCTL_SECRET_FORGE_TOKEN": "t0ken"])
        #expect(try await eventually("the head fetched over HTTP runs") { !setup.records("tick").isEmpty }, "\(daemon.output)")
        #expect(!daemon.output.contains("t0ken"))
        daemon.signal(SIGTERM)
        #expect(try await daemon.waitForExit(within: 90) == 0)

        // A wrong token: the fetch fails, is reported and backs off; nothing is applied.
        let wrong = try Forge()
        let refused = try DaemonProcess(["serve", "--root", wrong.daemonRoot, "--remote", url, "--poll", "1s",
                                         "--remote-token-secret", "FORGE_TOKEN", "--listen", "off"],
                                        environment: ["JOBCTL_SECRET_FORGE_TOKEN": "wrong"])
        #expect(try await eventually("the failed fetch is reported") { refused.output.contains("failure 2 in a row") }, "\(refused.output)")
        #expect(refused.output.contains("remote: cannot fetch from '\(url)': the remote refused the token (user 'ci')"))
        #expect(!refused.output.contains("wrong"))
        #expect(wrong.records("tick").isEmpty)
        refused.signal(SIGTERM)
        #expect(try await refused.waitForExit(within: 90) == 0)
    }

    @Test func publishesHistoryToABranchThatACIClonesReadsWithNothingLostOrDoubledAcrossAKill() async throws {
        let setup = try Forge()
        try setup.push("jobctl.yaml", "history:\n  publish: {every: 1s}\n")
        let arguments = ["serve", "--root", setup.daemonRoot, "--remote", "file://" + setup.forge.path, "--poll", "1s", "--listen", "off"]
        let first = try DaemonProcess(arguments)
        #expect(try await eventually("a publish") { first.output.contains("history published to jobctl/history") }, "\(first.output)")
        first.signal(SIGKILL)
        #expect(try await first.waitForExit(within: 90) != nil)
        // Records written after the last publish wait in the local files; the next daemon publishes them once.
        let second = try DaemonProcess(arguments)
        #expect(try await eventually("runs after the restart") { second.output.contains("history published to jobctl/history") }, "\(second.output)")
        second.signal(SIGTERM)
        #expect(try await second.waitForExit(within: 90) == 0, "\(second.output)")
        let local = setup.records("tick")
        let third = try DaemonProcess(arguments)
        #expect(try await eventually("the third daemon runs") { third.output.contains("running 1 applied job") }, "\(third.output)")
        #expect(try await eventually("the last records are published") {
            (try? setup.forge.git("show", "jobctl/history:tick/000001.jsonl").split(separator: "\n").count) ?? 0 >= local.count
        }, "\(third.output)")
        third.signal(SIGTERM)
        #expect(try await third.waitForExit(within: 90) == 0)

        // A CI clone reads the branch without a checkout: the same records as the daemon's file.
        let ci = try TemporaryGitRepository(bare: true)
        try ci.git("fetch", "--quiet", setup.forge.path, "jobctl/history:refs/remotes/origin/jobctl/history")
        let read = try await JobctlProcess.run(["history", "tick", "--rev", "origin/jobctl/history", "--format", "jsonl", "--root", ci.path])
        #expect(read.status == 0, "\(read.stderr)")
        let published = read.stdout.split(separator: "\n").map(String.init)
        let runs = published.compactMap { line in (try? JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any])?["run"] as? String }
        let localRuns = setup.records("tick").compactMap { line in (try? JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any])?["run"] as? String }
        #expect(Set(runs).count == runs.count, "a record published twice")
        #expect(Array(localRuns.prefix(runs.count)) == runs, "the branch holds the daemon's records in order")
        #expect(runs.count >= local.count)
        let check = try await JobctlProcess.run(["check", "tick", "--rev", "origin/jobctl/history", "--succeeded-within", "1h", "--root", ci.path])
        #expect(check.status == 0, "\(check.stdout)\(check.stderr)")
        #expect(check.stderr.contains("note: read the history published to origin/jobctl/history"))
    }

    static func signature(_ body: String, _ secret: String) -> String {
        let code = HMAC<SHA256>.authenticationCode(for: Array(body.utf8), using: SymmetricKey(data: Array(secret.utf8)))
        return "sha256=" + code.map { String(format: "%02x", $0) }.joined()
    }
}
