import ArgumentParser
import Cluster
import Daemon
import Execution
import Foundation
import History
import Reconciler
import Schedules
import Scheduler
import Server

struct ServeCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "serve",
        abstract: "Run the applied jobs: the scheduler daemon.",
        discussion: """
        Runs only applied definitions (never the working tree) and notices a new apply without a
        restart. With --auto-apply it applies each new commit of the checked-out branch itself;
        an invalid commit is reported and the last good state keeps running. With --remote it
        follows a branch of a remote repository instead (fetched into a bare mirror in
        <root>/.jobctl/remote.git every --poll, and at once on a signed POST /api/git/push);
        --root is then the daemon's own folder (state, mirror, history). One daemon per root.
        SIGTERM or SIGINT: stop firing, let runs finish for up to --grace, cancel the rest, exit 0.
        The HTTP API (jobs, runs, events, webhooks, metrics) listens on --listen,
        loopback by default; tokens come from `jobctl token create`.
        """
    )

    @OptionGroup var rootOptions: RootOptions

    @Flag(help: "Apply each new commit of the checked-out branch (reconcile on commit).")
    var autoApply = false

    @Option(help: ArgumentHelp("Follow this remote repository (file://, http://, https:// or a local path) instead of a working tree.", valueName: "URL"))
    var remote: String?

    @Option(help: "The remote branch to follow (with --remote).")
    var branch = "main"

    @Option(help: ArgumentHelp("The jobs root inside the remote repository (with --remote; default its top).", valueName: "SUBDIR"))
    var path = ""

    @Option(help: ArgumentHelp("How often to fetch the remote when no push webhook says so sooner (with --remote).", valueName: "DURATION"))
    var poll = "30s"

    @Flag(help: "Apply a remote head that does not descend from the applied commit (a force-push); refused by default.")
    var allowForcePush = false

    @Option(help: ArgumentHelp("The secret (in the secrets store) holding an HTTPS token for the remote.", valueName: "NAME"))
    var remoteTokenSecret: String?

    @Option(help: ArgumentHelp("The secret that signs push webhooks (POST /api/git/push).", valueName: "NAME"))
    var pushSecret = PushWebhook.defaultSecretName

    @Option(help: ArgumentHelp("Log lines on stderr: text (time and message), journal (syslog priority prefixes for journald), json (one object a line), or auto (journal under systemd, else text).", valueName: "FORMAT"))
    var logFormat = "auto"

    @Option(help: ArgumentHelp("History folder (default: jobctl.yaml's history.folder, else history).", valueName: "DIR"))
    var history: String?

    @Option(help: "At most this many runs at once, across all jobs.")
    var maxConcurrent = 64

    @Option(help: ArgumentHelp("How long runs may finish after SIGTERM before they are cancelled.", valueName: "DURATION"))
    var grace = "10s"

    @Option(help: "Node name written into every record (default: the host name).")
    var node: String?

    @Option(help: ArgumentHelp("Where the HTTP API listens (port 0: any free port; off: no HTTP API).", valueName: "HOST:PORT"))
    var listen = ListenAddress.default

    @Option(help: ArgumentHelp("Close an HTTP connection that has not sent a whole request (head) for this long.", valueName: "DURATION"))
    var idleTimeout = "30s"

    @Flag(help: "Let anyone who reaches the listener read the dashboard's pages without signing in (acting still needs a token).")
    var publicDashboard = false

    @Option(help: ArgumentHelp("End a dashboard session unused for this long.", valueName: "DURATION"))
    var dashboardIdle = "30m"

    @Option(help: ArgumentHelp("Run as a node of this cluster: postgres://USER@HOST[:PORT]/DATABASE (default: $JOBCTL_DATABASE_URL when it is set). Fires and runs are then claimed in PostgreSQL, shared by every node.", valueName: "URL"))
    var cluster: String?

    @Option(help: ArgumentHelp("The secret (in the secrets store) holding the cluster database's password, when the URL has none.", valueName: "NAME"))
    var clusterPasswordSecret: String?

    /// A wrong clock on purpose (seconds, may be negative): for fault tests of cluster mode.
    @Option(help: ArgumentHelp("Run with the clock this many seconds off (fault tests).", visibility: .hidden))
    var clockOffset: Double = 0

    @Option(help: ArgumentHelp("Run every step as this user (jobctl must run as root), so that steps cannot read the secrets file.", valueName: "USER"))
    var stepUser: String?

    /// The cluster to join: --cluster, else $JOBCTL_DATABASE_URL; nil: the embedded mode.
    var clusterURL: String? {
        cluster ?? ProcessInfo.processInfo.environment["JOBCTL_DATABASE_URL"].flatMap { $0.isEmpty ? nil : $0 }
    }

    func validate() throws {
        guard maxConcurrent >= 1 else { throw ValidationError("--max-concurrent must be at least 1") }
        guard (try? JobDuration(grace)) != nil else { throw ValidationError("--grace: '\(grace)' is not a duration (e.g. 10s, 1m)") }
        guard let idle = try? JobDuration(idleTimeout), idle.milliseconds > 0 else { throw ValidationError("--idle-timeout: '\(idleTimeout)' is not a duration (e.g. 30s)") }
        guard let sessionIdle = try? JobDuration(dashboardIdle), sessionIdle.milliseconds >= 1000 else { throw ValidationError("--dashboard-idle: '\(dashboardIdle)' is not a duration of at least 1s (e.g. 30m)") }
        if listen == "off" && publicDashboard { throw ValidationError("--public-dashboard needs the HTTP listener: drop --listen off") }
        guard ServeLogFormat.resolve(logFormat) != nil else { throw ValidationError("--log-format: '\(logFormat)' is not one of auto, text, journal, json") }
        if let remote {
            if autoApply { throw ValidationError("--auto-apply applies a working tree's commits; with --remote the remote branch is applied already: drop one") }
            if let problem = RemoteSource(url: remote, branch: branch, path: path).problem { throw ValidationError(problem) }
            guard let every = try? JobDuration(poll), every.milliseconds >= 1000 else { throw ValidationError("--poll: '\(poll)' is not a duration of at least 1s (e.g. 30s, 5m)") }
        } else if allowForcePush || remoteTokenSecret != nil || path != "" || branch != "main" || poll != "30s" {
            throw ValidationError("--branch, --path, --poll, --allow-force-push and --remote-token-secret go with --remote URL")
        }
        if let clusterURL {
            do { _ = try DatabaseURL(clusterURL) } catch { throw ValidationError("\(cluster == nil ? "JOBCTL_DATABASE_URL" : "--cluster"): \(error)") }
        } else if clusterPasswordSecret != nil {
            throw ValidationError("--cluster-password-secret goes with --cluster URL")
        }
        if listen != "off" {
            do { _ = try ListenAddress(listen) } catch { throw ValidationError("--listen: \(error)") }
        }
    }

    func run() async throws {
        var options = DaemonOptions(root: rootOptions.root)
        options.autoApply = autoApply
        options.historyFolder = history.map { URL(fileURLWithPath: $0).standardizedFileURL.path }
        options.maxConcurrent = maxConcurrent
        options.grace = .milliseconds(try JobDuration(grace).milliseconds)
        options.node = node ?? ProcessInfo.processInfo.hostName
        options.version = JobctlVersion.current
        options.listen = listen == "off" ? nil : try ListenAddress(listen)
        options.idleTimeout = .milliseconds(try JobDuration(idleTimeout).milliseconds)
        if clockOffset != 0 { options.clock = OffsetClock(offset: clockOffset) }
        if let remote {
            options.remote = RemoteSource(url: remote, branch: branch, path: path, allowForcePush: allowForcePush)
            options.remotePoll = .milliseconds(try JobDuration(poll).milliseconds)
            options.remoteTokenSecret = remoteTokenSecret
            try FileManager.default.createDirectory(atPath: options.root, withIntermediateDirectories: true)
        }
        options.pushSecretName = pushSecret
        options.publicDashboard = publicDashboard
        options.dashboardIdleTimeout = Double(try JobDuration(dashboardIdle).milliseconds) / 1000
        let format = ServeLogFormat.resolve(logFormat) ?? .text
        let log: @Sendable (String) -> Void = { line in Console.error(format.line(line, at: Date())) }
        do {
            if let stepUser {
                let user = try StepUser.resolve(stepUser)
                try user.checkCanSwitch()
                options.stepUser = user
                log("steps run as \(user.name) (uid \(user.uid))")
            }
            // Secrets stay in memory only: out of /proc/PID/environ, and this process's memory
            // out of reach of steps running as the same user.
            options.secrets = SecretStore()
            let scrub = SecretScrub.apply()
            if !scrub.scrubbed.isEmpty || !scrub.notDumpable {
                log("secrets: \(scrub.scrubbed.count) from the environment, held in memory only\(scrub.notDumpable ? "" : "; warning: could not mark the process not dumpable, steps of the same user can read its memory")")
            }
            if let clusterURL {
                options.cluster = ClusterOptions(url: try DatabaseURL(clusterURL), password: try clusterPasswordSecret.map { try options.secrets.value(named: $0) })
            }
            try await buildDaemon(options, log: log).run()
        } catch {
            log("error: \(error)")
            throw ExitCode(1)
        }
    }
}
