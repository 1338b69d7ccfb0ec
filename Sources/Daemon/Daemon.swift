public import Foundation
public import Execution
public import History
public import Scheduler
public import Server
import Definitions
import GitStore
import Hummingbird
public import Reconciler
import Logging
import ServiceLifecycle
import Locks
import AgentTools
import MCPEndpoint
import Dashboard
public import Cluster

/// What `jobctl serve` runs, as values: one place that wires the stores, the tracker, the
/// scheduler, the HTTP API and the services, for `serve` and for the tests alike (Hummingbird's
/// `buildApplication` pattern).
public struct DaemonOptions: Sendable {
    public var root: String
    /// Apply each new commit of the checked-out branch (reconcile on commit).
    public var autoApply = false
    /// The history folder (absolute); nil: ``HistoryLocation``'s rule.
    public var historyFolder: String?
    public var maxConcurrent = 64
    /// How long runs may finish after SIGTERM before they are cancelled.
    public var grace: Duration = .seconds(10)
    /// Written into every record; the host name by default.
    public var node: String? = ProcessInfo.processInfo.hostName
    /// Where the HTTP API listens; nil: no HTTP API.
    public var listen: ListenAddress? = try? ListenAddress(ListenAddress.default)
    /// How often the applied ref is read for a new apply.
    public var pollInterval: Duration = .seconds(2)
    public var clock: any SchedulerClock = SystemClock()
    public var secrets = SecretStore()
    /// How long an HTTP connection may stay without a whole request head (`--idle-timeout`).
    public var idleTimeout: Duration = .seconds(30)
    /// The user steps run as (`--step-user`); nil: the daemon's own.
    public var stepUser: StepUser?
    /// Follow this remote branch (`--remote`): `root` is then the daemon's local folder (state,
    /// the mirror, history), and the jobs come from the mirror, never from a working tree.
    public var remote: RemoteSource?
    /// How often the remote is fetched when no push webhook says so sooner (`--poll`).
    public var remotePoll: Duration = .seconds(30)
    /// The secret holding the HTTPS token for the remote (`--remote-token-secret`); nil: none.
    public var remoteTokenSecret: String?
    /// The secret that signs push webhooks (`--push-secret`).
    public var pushSecretName = PushWebhook.defaultSecretName
    /// Dashboard pages readable without signing in (`--public-dashboard`); acting still needs a token.
    public var publicDashboard = false
    /// How long a dashboard session may stay unused before it ends.
    public var dashboardIdleTimeout: TimeInterval = 30 * 60
    /// jobctl's version, as the MCP endpoint names itself.
    public var version = "dev"
    /// Run as a node of this cluster (`--cluster`); nil: the embedded mode (one process, files).
    public var cluster: ClusterOptions?

    /// The bare mirror of the followed remote: `<root>/.jobctl/remote.git`.
    public var mirrorPath: String { root + "/.jobctl/remote.git" }

    /// Where the applied state is read from: the mirror's jobs root when following a remote,
    /// else `root`.
    public var jobsRoot: String {
        remote.map { RemoteFollower.rootPath(mirror: mirrorPath, source: $0) } ?? root
    }

    public init(root: String) {
        self.root = URL(fileURLWithPath: root).standardizedFileURL.path
    }
}

/// Cluster mode: where the database is, and the timing of heartbeats and failover.
public struct ClusterOptions: Sendable {
    public var url: DatabaseURL
    /// The password when the URL has none (from the secrets store).
    public var password: String?
    public var timing = ClusterService.Timing()

    public init(url: DatabaseURL, password: String? = nil) {
        self.url = url
        self.password = password
    }
}

/// A built daemon: its parts, and ``run()`` to serve until SIGTERM or SIGINT.
public struct Daemon: Sendable {
    public let options: DaemonOptions
    public let scheduler: Scheduler
    public let api: JobctlAPI
    public let history: HistoryFolder
    /// The followed remote (`--remote`); nil otherwise.
    public let remote: RemoteWatcher?
    let source: GitAppliedStateSource
    let watcher: AppliedStateWatcher
    let publisher: HistoryPublishService
    let lock: RootLock
    /// The node's cluster work (`--cluster`); nil in the embedded mode.
    let cluster: ClusterService?
    let log: @Sendable (String) -> Void
    let onListening: @Sendable (Int) -> Void

    /// Runs the services (scheduling, applied-state watching, retention, the HTTP API) until a
    /// graceful shutdown; returns when runs have finished or were cancelled after the grace.
    public func run() async throws {
        var logger = Logger(label: "jobctl")
        logger.logLevel = .warning
        var services: [ServiceGroupConfiguration.ServiceConfiguration] = []
        // The cluster's connection pool runs for the daemon's whole life; the node is registered
        // (and the schema migrated) before anything runs, and its service stops last.
        let pool = cluster.map { cluster in Task { await cluster.ledger.database.run() } }
        defer { pool?.cancel() }
        if let cluster {
            try await cluster.prepare()
            log("cluster: node \(cluster.ledger.node) joined \(cluster.ledger.database.url)")
            services.append(.init(service: cluster))
        }
        services += [
            .init(service: SchedulerService(scheduler: scheduler, source: source, grace: options.grace, log: log)),
            .init(service: watcher),
            .init(service: RetentionService(scheduler: scheduler, log: log)),
        ]
        if let remote { services.append(.init(service: remote)) }
        services.append(.init(service: publisher))
        if let address = options.listen {
            let onListening = self.onListening
            let log = self.log
            // serve's own API, for the MCP endpoint's daemon actions (with the caller's token).
            let selfURL = Locked<String?>(nil)
            let toolbox: @Sendable (String) -> AgentToolbox = { [options, history] bearer in
                var settings = AgentToolbox.Settings(root: options.jobsRoot, stateRoot: options.root, history: history,
                                                     daemon: selfURL.withLock { $0 }.flatMap { try? APIClient(server: $0, token: bearer) }, secrets: options.secrets)
                if let remote = options.remote {
                    settings.draftsRefused = "this daemon follows \(GitRepository.redacted(remote.url)) \(remote.branch): a draft belongs in a clone of it (jobctl mcp --root CLONE, with branch) and reaches it through a pull request"
                }
                return AgentToolbox(settings)
            }
            let mcp = MCPRoutes(api: api, version: options.version, toolbox: toolbox)
            var pages = Dashboard.Options(jobsRoot: options.jobsRoot)
            pages.publicRead = options.publicDashboard
            pages.idleTimeout = options.dashboardIdleTimeout
            let dashboard = Dashboard(api: api, options: pages)
            let app = buildApplication(api: api, configuration: .init(address: .hostname(address.host, port: address.port), serverName: "jobctl"),
                                       idleTimeout: options.idleTimeout, moreRoutes: { router in
                                           mcp.add(to: router)
                                           dashboard.add(to: router)
                                       }) { port in
                selfURL.withLock { $0 = "http://" + ListenAddress.display(host: ListenAddress.loopback(for: address.host), port: port) }
                log("HTTP API listening on http://\(ListenAddress.display(host: address.host, port: port))")
                onListening(port)
            }
            services.append(.init(service: app))
        }
        let group = ServiceGroup(configuration: .init(services: services, gracefulShutdownSignals: [.sigterm, .sigint], logger: logger))
        let following = options.remote.map { ", following \(GitRepository.redacted($0.url)) \($0.branch)\($0.path.isEmpty ? "" : " (jobs root \($0.path))")" } ?? ""
        log("jobctl serve: root \(options.root), history \(history.path)\(options.autoApply ? ", auto-apply" : "")\(following)")
        if let note = StepCgroup.slowMigrationNote { log(note) }
        defer { withExtendedLifetime(lock) {} }
        try await group.run()
        log("stopped")
    }
}

/// Builds the daemon of `options.root`: takes the root's lock (one daemon per root), announces its
/// history folder, and wires the tracker (group-committed, synced appends observed by the metrics
/// and the last-runs index), the scheduler and the API.
/// - Throws: ``RootLock/Held`` when another daemon runs on the root; an error when the history
///   folder cannot be created.
public func buildDaemon(_ options: DaemonOptions, log: @escaping @Sendable (String) -> Void,
                        onListening: @escaping @Sendable (Int) -> Void = { _ in }) throws -> Daemon {
    let lock = try RootLock(root: options.root)
    if options.remote != nil {
        // The mirror exists before anything reads the applied state from it.
        _ = try GitRepository.openOrCreateBare(at: options.mirrorPath)
    }
    let history = options.historyFolder.map { HistoryFolder(path: $0) } ?? HistoryLocation.resolve(root: options.root, problems: log)
    try HistoryLocation.announce(history, root: options.root)
    let metrics = RunMetrics()
    metrics.seed(from: history)
    let lastRuns = LastRuns()
    lastRuns.seed(from: history)
    let summaries = RunSummaries()
    summaries.seed(from: history)
    // Records are synced to disk before an append returns; appends during a sync share the next one.
    let local = ObservedRecorder(GroupCommitRecorder(folder: history), observers: [metrics.observe, lastRuns.observe, summaries.observe])
    // In cluster mode the database is the source of truth: records go there (fenced by the
    // run's lease token), and the leader exports them to its history files.
    let cluster = options.cluster.map { cluster in
        let clock = ClusterClock(base: options.clock)
        let database = ClusterDatabase(url: cluster.url, password: cluster.password, abandonedTransaction: cluster.timing.deadTime)
        let ledger = ClusterLedger(database: database, node: options.node ?? ProcessInfo.processInfo.hostName,
                                   clockOffset: { clock.databaseOffset }, log: log)
        return ClusterService(ledger: ledger, clock: clock, exporter: HistoryExporter(database: database, recorder: local, history: history, deadTime: cluster.timing.deadTime),
                              timing: cluster.timing, log: log)
    }
    let clock: any SchedulerClock = cluster?.clock ?? options.clock
    let recorder: any RunRecorder = cluster?.ledger ?? local
    let notifications = NotificationService(history: history, secrets: options.secrets, root: options.root, log: log)
    // The scheduler's applied notifiers hear of a history fault once per outage.
    let troubles = Locked<(scheduler: Scheduler?, reported: Bool)>((nil, false))
    let tracker = RunTracker(root: options.root, history: history, recorder: recorder, clock: clock, node: options.node, cluster: cluster?.ledger) { fault in
        if let fault {
            log("error: history cannot be written (\(fault.pending) record\(fault.pending == 1 ? "" : "s") kept, retrying): \(fault.message)")
            let scheduler = troubles.withLock { state -> Scheduler? in
                defer { state.reported = true }
                return state.reported ? nil : state.scheduler
            }
            if let scheduler {
                Task { await scheduler.daemonTrouble("history_write_failed", message: "history cannot be written (\(fault.pending) record(s) kept in memory and in their markers, retrying): \(fault.message)") }
            }
        } else {
            troubles.withLock { $0.reported = false }
            log("history is written again; every kept record was appended")
        }
    }
    let scheduler = Scheduler(root: options.root, clock: clock, tracker: tracker,
                              performer: ExecutionPerformer(executor: RunExecutor(stepUser: options.stepUser), secrets: options.secrets),
                              options: Scheduler.Options(maxConcurrent: options.maxConcurrent, node: options.node),
                              notifications: notifications, log: log)
    troubles.withLock { $0.scheduler = scheduler }
    let hint = options.remote.map { "no applied state yet: waiting for the first fetch of \(GitRepository.redacted($0.url)) \($0.branch); nothing is scheduled" }
    let source = GitAppliedStateSource(root: options.jobsRoot, autoApply: options.autoApply, log: log,
                                       emptyHint: hint, cluster: cluster?.ledger) { message in
        Task { await scheduler.daemonTrouble("apply_refused", message: message) }
    }
    let watcher = AppliedStateWatcher(scheduler: scheduler, source: source, interval: options.pollInterval, log: log)
    let credentials: @Sendable () throws -> RemoteCredentials? = { [secrets = options.secrets, name = options.remoteTokenSecret] in
        try name.map { RemoteCredentials(token: try secrets.value(named: $0)) }
    }
    let remote = options.remote.map { remote in
        RemoteWatcher(source: remote, mirrorPath: options.mirrorPath, interval: options.remotePoll, clock: options.clock,
                      credentials: credentials,
                      log: log,
                      onRefused: { message in Task { await scheduler.daemonTrouble("apply_refused", message: message) } },
                      onApplied: { watcher.refreshSoon() })
    }
    let api = JobctlAPI(scheduler: scheduler, history: history, tokens: TokenAuthenticator(store: TokenStore(root: options.root), log: log),
                        secrets: options.secrets, metrics: metrics, lastRuns: lastRuns, summaries: summaries, remote: remote, pushSecretName: options.pushSecretName, log: log)
    let publishTarget: HistoryPublishService.Target = options.remote.map { .remote(mirror: options.mirrorPath, url: $0.url, credentials: credentials) }
        ?? .local(root: options.root)
    let publisher = HistoryPublishService(scheduler: scheduler, history: history, target: publishTarget, log: log)
    return Daemon(options: options, scheduler: scheduler, api: api, history: history, remote: remote, source: source, watcher: watcher,
                  publisher: publisher, lock: lock, cluster: cluster, log: log, onListening: onListening)
}
