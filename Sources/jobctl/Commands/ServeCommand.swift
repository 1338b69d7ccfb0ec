import ArgumentParser
import Definitions
import Foundation
import History
import Logging
import Scheduler
import Schedules
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

    func validate() throws {
        guard maxConcurrent >= 1 else { throw ValidationError("--max-concurrent must be at least 1") }
        guard (try? JobDuration(grace)) != nil else { throw ValidationError("--grace: '\(grace)' is not a duration (e.g. 10s, 1m)") }
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
        let stores = Scheduler.Stores.files(root: root, history: historyFolder)
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
        let group = ServiceGroup(configuration: .init(
            services: [.init(service: service)],
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

