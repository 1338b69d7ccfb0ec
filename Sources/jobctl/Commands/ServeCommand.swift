import ArgumentParser
import Definitions
import Foundation
import History
import Logging
import Scheduler
import Schedules
import Server
import ServiceLifecycle

struct ServeCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "serve",
        abstract: "Run the applied jobs: the scheduler daemon.",
        discussion: """
        Runs only applied definitions (never the working tree) and notices a new apply without a
        restart. With --auto-apply it applies each new commit of the checked-out branch itself;
        an invalid commit is reported and the last good state keeps running. One daemon per root.
        SIGTERM or SIGINT: stop firing, let runs finish for up to --grace, cancel the rest, exit 0.
        The HTTP API (jobs, runs, events, webhooks, metrics) listens on --listen,
        loopback by default; tokens come from `jobctl token create`.
        """
    )

    @OptionGroup var rootOptions: RootOptions

    @Flag(help: "Apply each new commit of the checked-out branch (reconcile on commit).")
    var autoApply = false

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

    func validate() throws {
        guard maxConcurrent >= 1 else { throw ValidationError("--max-concurrent must be at least 1") }
        guard (try? JobDuration(grace)) != nil else { throw ValidationError("--grace: '\(grace)' is not a duration (e.g. 10s, 1m)") }
        if listen != "off" {
            do { _ = try ListenAddress(listen) } catch { throw ValidationError("--listen: \(error)") }
        }
    }

    func run() async throws {
        let root = rootOptions.folder.path
        let lock: RootLock
        do {
            lock = try RootLock(root: root)
        } catch {
            Console.error("error: \(error)")
            throw ExitCode(1)
        }
        let log: @Sendable (String) -> Void = { line in
            Console.error("\(RecordTime.string(Date())) \(line)")
        }
        let historyFolder = try history.map { HistoryFolder(path: URL(fileURLWithPath: $0).standardizedFileURL.path) } ?? rootOptions.historyFolder()
        var stores = Scheduler.Stores.files(root: root, history: historyFolder)
        // Metrics count every record appended from here on, after the records already in history.
        let metrics = RunMetrics()
        metrics.seed(from: historyFolder)
        // Records stay synced to disk before an append returns; appends during a sync share the next one.
        stores.recorder = MetricsRecorder(wrapping: GroupCommitRecorder(folder: historyFolder), metrics: metrics)
        let graceDuration = try JobDuration(grace)
        let scheduler = Scheduler(
            root: root, clock: SystemClock(), stores: stores, performer: ExecutionPerformer(),
            options: Scheduler.Options(maxConcurrent: maxConcurrent, node: node ?? ProcessInfo.processInfo.hostName),
            log: log)
        let source = GitAppliedStateSource(root: root, autoApply: autoApply, log: log)
        let service = SchedulerService(scheduler: scheduler, source: source, stores: stores,
                                       grace: .milliseconds(graceDuration.milliseconds), log: log)
        var logger = Logger(label: "jobctl")
        logger.logLevel = .warning
        var services: [ServiceGroupConfiguration.ServiceConfiguration] = [.init(service: service)]
        if listen != "off" {
            let address = try ListenAddress(listen)
            let api = JobctlAPI.daemon(root: root, scheduler: scheduler, history: historyFolder, metrics: metrics, log: log)
            let app = buildApplication(api: api, configuration: .init(address: .hostname(address.host, port: address.port), serverName: "jobctl")) { port in
                log("HTTP API listening on http://\(ListenAddress.display(host: address.host, port: port))")
            }
            services.append(.init(service: app))
        }
        let group = ServiceGroup(configuration: .init(
            services: services,
            gracefulShutdownSignals: [.sigterm, .sigint],
            logger: logger))
        log("jobctl serve: root \(root), history \(historyFolder.path)\(autoApply ? ", auto-apply" : "")")
        do {
            try await group.run()
        } catch {
            log("error: \(error)")
            withExtendedLifetime(lock) {}
            throw ExitCode(1)
        }
        log("stopped")
        withExtendedLifetime(lock) {}
    }
}

