import Foundation
import Testing
import TestSupport

/// A step must not reach secrets its job does not name: not through the daemon's environment,
/// its memory or (with --step-user) the secrets file. CI runs as root, and root reads everything,
/// so the daemon runs here as an unprivileged user (setpriv) — or, for --step-user, as root with
/// its steps switched to `nobody`.
@Suite struct SecretReachTests {
    static let nobody = ["setpriv", "--reuid", "65534", "--regid", "65534", "--clear-groups", "--"]

    /// The step: what it can read of its parent (the daemon).
    static let probe = #"""
        for f in environ maps; do
          if cat /proc/$PPID/$f > /dev/null 2>&1; then echo "$f: readable"; tr '\0' '\n' < /proc/$PPID/$f | grep JOBCTL_SECRET; else echo "$f: denied"; fi
        done
        python3 -c 'import sys; open("/proc/%s/mem" % sys.argv[1], "rb"); print("mem: readable")' $PPID 2>/dev/null || echo "mem: denied"
        if cat "$XDG_CONFIG_HOME/jobctl/secrets.env" 2>/dev/null; then echo "file: readable"; else echo "file: denied"; fi
        echo "uid: $(id -u)"
        """#

    static func repo() throws -> TemporaryGitRepository {
        let job = "steps:\n  - run: |\n" + probe.split(separator: "\n").map { "      " + $0 }.joined(separator: "\n") + "\n"
        let uses = "steps:\n  - run: [sh, -c, 'test \"$TOKEN\" = env-s3cret-41 && echo uses-the-secret']\n    env: {TOKEN: \"${secrets.API}\"}\n"
        return try TemporaryGitRepository(files: [".gitignore": "/.jobctl/\n/history/\n", "jobs/probe.yaml": job, "jobs/uses.yaml": uses])
    }

    static func run(_ job: String, server: String, token: String, repo: TemporaryGitRepository) async throws -> String {
        let started = try await JobctlProcess.run(["run", job, "--server", server, "--wait"], environment: ["JOBCTL_TOKEN": token])
        #expect(started.status == 0, "\(started.stdout)\(started.stderr)")
        let text = (try? String(contentsOfFile: repo.path + "/history/\(job).jsonl", encoding: .utf8)) ?? ""
        let record = text.split(separator: "\n").last.flatMap { try? JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any] }
        return (try? String(contentsOfFile: repo.path + "/" + (record?["log"] as? String ?? ""), encoding: .utf8)) ?? ""
    }

    static func serve(_ repo: TemporaryGitRepository, arguments: [String] = [], environment: [String: String], launcher: [String]) async throws -> (DaemonProcess, String, String) {
        let created = try await JobctlProcess.run(["token", "create", "--root", repo.path, "--scope", "run", "--name", "probe"])
        let token = try #require(created.stdout.split(separator: "\n").last.map(String.init))
        if launcher == nobody { try chown(repo.container) }
        let daemon = try DaemonProcess(["serve", "--root", repo.path, "--listen", "127.0.0.1:0", "--grace", "1s"] + arguments, environment: environment, launcher: launcher)
        return (daemon, try await daemon.apiURL(), token)
    }

    /// Hands the repository to `nobody`, so that the daemon running as it can write there.
    static func chown(_ folder: String) throws {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/bin/chown")
        process.arguments = ["-R", "65534:65534", folder]
        try ChildSpawn.start(process)
        process.waitUntilExit()
    }

    @Test(.enabled(if: geteuid() == 0, "needs root to start the daemon as nobody"))
    func aStepOfAnUnprivilegedDaemonReadsNeitherItsEnvironmentNorItsMemory() async throws {
        let repo = try Self.repo()
        #expect(try await JobctlProcess.run(["apply", "--root", repo.path]).status == 0)
        // A service user's HOME: one it can read (libgit2 reads the global git config there).
        let (daemon, server, token) = try await Self.serve(repo, environment: ["JOBCTL_SECRET_API": "env-s3cret-41", "HOME": repo.container], launcher: Self.nobody)
        let log = try await Self.run("probe", server: server, token: token, repo: repo)
        #expect(log.contains("uid: 65534"), "\(log)\n\(daemon.output)")
        #expect(log.contains("environ: denied") && log.contains("maps: denied") && log.contains("mem: denied"), "\(log)")
        #expect(!log.contains("env-s3cret-41"), "\(log)")
        // The job that names the secret still gets it (held in memory after the scrub).
        let uses = try await Self.run("uses", server: server, token: token, repo: repo)
        #expect(uses.contains("uses-the-secret"), "\(uses)\n\(daemon.output)")
        daemon.signal(SIGTERM)
        #expect(try await daemon.waitForExit(within: 90) == 0)
    }

    @Test(.enabled(if: geteuid() == 0, "needs root to switch users"))
    func stepsRunAsTheStepUserCannotReadTheSecretsFile() async throws {
        let repo = try Self.repo()
        #expect(try await JobctlProcess.run(["apply", "--root", repo.path]).status == 0)
        let config = repo.container + "/config"
        try FileManager.default.createDirectory(atPath: config + "/jobctl", withIntermediateDirectories: true)
        FileManager.default.createFile(atPath: config + "/jobctl/secrets.env", contents: Data("API=file-s3cret-42\n".utf8), attributes: [.posixPermissions: 0o600])
        let (daemon, server, token) = try await Self.serve(repo, arguments: ["--step-user", "nobody"], environment: ["XDG_CONFIG_HOME": config], launcher: [])
        #expect(daemon.output.contains("steps run as nobody (uid 65534)"), "\(daemon.output)")
        let log = try await Self.run("probe", server: server, token: token, repo: repo)
        #expect(log.contains("uid: 65534"), "\(log)")
        #expect(log.contains("file: denied") && log.contains("environ: denied") && log.contains("mem: denied"), "\(log)")
        #expect(!log.contains("file-s3cret-42"), "\(log)")
        daemon.signal(SIGTERM)
        #expect(try await daemon.waitForExit(within: 90) == 0)
    }

    @Test func aStepUserNeedsADaemonThatCanSwitch() async throws {
        let repo = try Self.repo()
        let launcher = geteuid() == 0 ? Self.nobody : []
        if geteuid() == 0 { try Self.chown(repo.container) }
        let daemon = try DaemonProcess(["serve", "--root", repo.path, "--listen", "off", "--step-user", "root"], launcher: launcher)
        #expect(try await daemon.waitForExit(within: 90) == 1)
        #expect(daemon.output.contains("cannot start processes as another user"), "\(daemon.output)")
    }
}
