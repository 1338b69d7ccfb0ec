public import Definitions
public import Execution
import Expressions
public import Foundation
public import History
import Locks

/// Delivers notifications off the scheduler: a run's record is handed over when it is written
/// (``recordWritten(_:job:config:)`` returns at once), and each delivery runs in its own task —
/// a dead or slow endpoint never delays a fire or another run, only its own retries.
///
/// Webhooks go through ``WebhookSender``, mail through ``MailSender`` (a text and an HTML part,
/// the run's report inlined).
///
/// Each attempt is appended as one line to `history/<job>/<run>.notify.jsonl`; the run's record
/// is never rewritten:
///
/// ```json
/// {"at":"2026-11-22T08:15:13.020Z","target":"notify[0] (notifier team)","format":"slack","on":"failed","attempt":1,"status":200,"outcome":"delivered"}
/// ```
///
/// An attempt that got no answer, a 5xx, 408 or 429 (a 4xx SMTP reply for mail) is retried after each of
/// ``Options/retryDelays`` in turn (`outcome: "retrying"`, then `"delivered"` or `"gave_up"`);
/// another status, or a missing secret, gives up at once. Messages never carry the URL.
public final class NotificationService: Sendable {
    public struct Options: Sendable {
        /// Waits before the second, third … attempt (their count is the number of retries).
        public var retryDelays: [Duration]
        /// How long one webhook attempt may take.
        public var timeout: TimeInterval
        /// How long one mail conversation may take.
        public var mailTimeout: Duration

        public init(retryDelays: [Duration] = [.seconds(5), .seconds(30), .seconds(120)], timeout: TimeInterval = 10, mailTimeout: Duration = .seconds(30)) {
            self.retryDelays = retryDelays
            self.timeout = timeout
            self.mailTimeout = mailTimeout
        }
    }

    public let history: HistoryFolder
    let sender: WebhookSender
    let mailer: MailSender
    let options: Options
    /// Attempt lines and report reads, at the lowest CPU priority: a burst of deliveries must not
    /// take CPU from firing and spawning (each new `notify.jsonl` costs an inode allocation).
    private let io = IOQueue(label: "jobctl.notifications", lowPriority: true)
    private let state = Locked<(pending: Int, waiters: [CheckedContinuation<Void, Never>])>((0, []))

    let log: @Sendable (String) -> Void

    /// - Parameters:
    ///   - root: the jobs root, where a mail notifier's relative `caFile` is found.
    ///   - log: where the attempts of daemon notifications (which belong to no run) are told.
    public init(history: HistoryFolder, secrets: SecretStore, root: String, options: Options = Options(), log: @escaping @Sendable (String) -> Void = { _ in }) {
        self.history = history
        self.options = options
        self.log = log
        sender = WebhookSender(secrets: secrets, timeout: options.timeout)
        mailer = MailSender(secrets: secrets, root: root, timeout: options.mailTimeout)
    }

    /// Tells the notifiers whose `on` lists `event` (`apply_refused`, `history_write_failed`)
    /// about the daemon's trouble, in the background; each attempt is logged, never the URL.
    public func daemonEvent(_ event: String, message: String, node: String?, config: RepositoryConfig) {
        let targets = config.notifiers.values.filter { $0.on.contains(event) }.sorted { $0.name < $1.name }
        guard !targets.isEmpty else { return }
        inBackground { [self] in
            await withTaskGroup(of: Void.self) { group in
                for notifier in targets {
                    group.addTask {
                        var attempt = 1
                        while true {
                            let outcome: DeliveryAttempt
                            switch notifier.kind {
                            case .webhook(let url, let format):
                                let request = WebhookMessage.daemon(format, event: event, message: message, node: node)
                                outcome = await self.sender.send(url: url, method: request.method, body: request.body, contentType: request.contentType, roots: [:])
                            case .email(let settings):
                                outcome = await self.mailer.send(NotificationMail.daemon(settings, event: event, message: message, node: node), through: settings)
                            }
                            let retrying = !outcome.succeeded && outcome.retryable && attempt <= self.options.retryDelays.count
                            self.log("notifier \(notifier.name) on \(event): attempt \(attempt) " + (outcome.succeeded ? "delivered" : "\(outcome.error ?? "failed")\(retrying ? ", retrying" : ", gave up")"))
                            guard retrying else { return }
                            try? await Task.sleep(for: self.options.retryDelays[attempt - 1])
                            attempt += 1
                        }
                    }
                }
            }
        }
    }

    /// Sends the `per: fanout` messages of a fan-out whose last run ended: one message, judged by
    /// the run that decided its outcome (the first that did not complete, else the last), recorded
    /// in that run's `notify.jsonl`.
    public func fanOutEnded(runs: [String], job: JobDefinition, config: RepositoryConfig) {
        guard job.notifications.contains(where: \.perFanOut) else { return }
        inBackground { [self] in
            let reader = HistoryReader(folder: history)
            let wanted = Set(runs)
            let records: [RunRecord] = await io.run {
                var found: [RunRecord] = []
                _ = try? reader.lastRecord(job: job.id.rawValue) { record in
                    if wanted.contains(record.run) { found.append(record) }
                    return found.count == wanted.count
                }
                return found.sorted { ($0.fanout?.index ?? 0) < ($1.fanout?.index ?? 0) }
            }
            guard let deciding = records.first(where: { $0.status.ran && $0.status != .completed }) ?? records.last else { return }
            let outcome = deciding
            let all = records
            let deliveries = NotificationPlan.deliveries(for: outcome, job: job, config: config, previous: nil, fanOut: true)
            let roots = HistoryFacts.untilContext(job: job, record: outcome).values
            await withTaskGroup(of: Void.self) { group in
                for delivery in deliveries {
                    group.addTask { await self.send(delivery, record: outcome, job: job, roots: roots, fanOut: all) }
                }
            }
        }
    }

    /// Sends what the job's `notify:` asks for this record, in the background.
    public func recordWritten(_ record: RunRecord, job: JobDefinition, config: RepositoryConfig) {
        guard !job.notifications.isEmpty else { return }
        inBackground { [self] in await deliver(record, job: job, config: config) }
    }

    /// Runs `work` in a task of its own, counted until it ends (see ``waitUntilIdle()``).
    private func inBackground(_ work: @escaping @Sendable () async -> Void) {
        state.withLock { $0.pending += 1 }
        Task.detached { [self] in
            await work()
            let waiters = state.withLock { state -> [CheckedContinuation<Void, Never>] in
                state.pending -= 1
                guard state.pending == 0 else { return [] }
                defer { state.waiters = [] }
                return state.waiters
            }
            waiters.forEach { $0.resume() }
        }
    }

    /// Waits until every delivery handed over so far has ended (delivered or given up).
    public func waitUntilIdle() async {
        await withCheckedContinuation { continuation in
            let idle = state.withLock { state -> Bool in
                if state.pending == 0 { return true }
                state.waiters.append(continuation)
                return false
            }
            if idle { continuation.resume() }
        }
    }

    private func deliver(_ record: RunRecord, job: JobDefinition, config: RepositoryConfig) async {
        let reader = HistoryReader(folder: history)
        // The previous run of the same job and matrix cell, for `recovered` and `changed` (read
        // only when an entry asks for them: most notifications name statuses alone).
        let comparesRuns = job.notifications.contains { $0.on.contains("recovered") || $0.on.contains("changed") }
        let previous = !comparesRuns ? nil : await io.run {
            try? reader.lastRecord(job: record.job) { other in
                other.run != record.run && other.status.ran && other.fanout?.key == record.fanout?.key && other.finishedAt <= record.finishedAt
            }
        }
        // `changedOn: report`: the two reports' bytes (equal bytes, equal SHA-256).
        var reportChanged: Bool?
        if let previous, job.notifications.contains(where: \.changedOnReport) {
            let history = self.history
            reportChanged = await io.run {
                func report(_ r: RunRecord) -> Data? {
                    (try? history.artifact(.report, job: r.job, run: r.run)).flatMap { FileManager.default.contents(atPath: $0) }
                }
                return report(record) != report(previous)
            }
        }
        let deliveries = NotificationPlan.deliveries(for: record, job: job, config: config, previous: previous?.status, reportChanged: reportChanged)
        guard !deliveries.isEmpty else { return }
        let roots = HistoryFacts.untilContext(job: job, record: record).values
        await withTaskGroup(of: Void.self) { group in
            for delivery in deliveries {
                group.addTask { await self.send(delivery, record: record, job: job, roots: roots) }
            }
        }
    }

    private func send(_ delivery: NotificationPlan.Delivery, record: RunRecord, job: JobDefinition, roots: [String: Value], fanOut: [RunRecord]? = nil) async {
        // Mail carries the run's report, read once before the first attempt.
        var report: String?
        if case .email = delivery.channel, record.report != nil {
            let history = history
            report = await io.run {
                (try? history.artifact(.report, job: record.job, run: record.run)).flatMap { FileManager.default.contents(atPath: $0) }
                    .map { String(decoding: $0, as: UTF8.self) }
            }
        }
        var attempt = 1
        while true {
            let outcome: DeliveryAttempt
            switch delivery.channel {
            case .webhook(let url, let format):
                let message = WebhookMessage.make(format, record: record, job: job, event: delivery.event, fanOut: fanOut)
                outcome = await sender.send(url: url, method: message.method, body: message.body, contentType: message.contentType, roots: roots)
            case .email(let settings):
                let message = NotificationMail.make(settings, record: record, job: job, event: delivery.event, fanOut: fanOut, report: report)
                outcome = await mailer.send(message, through: settings)
            }
            let retrying = !outcome.succeeded && outcome.retryable && attempt <= options.retryDelays.count
            var line: [String: Value] = [
                "at": .string(RecordTime.string(Date())), "target": .string(delivery.target), "format": .string(delivery.format),
                "on": .string(delivery.event), "attempt": .number(Double(attempt)),
                "outcome": .string(outcome.succeeded ? "delivered" : retrying ? "retrying" : "gave_up"),
            ]
            if let status = outcome.status { line["status"] = .number(Double(status)) }
            if let error = outcome.error { line["error"] = .string(error) }
            let bytes = Array(Value.object(line).description.utf8)
            await io.run { [history] in try? history.appendLine(bytes, to: .notifications, job: record.job, run: record.run) }
            guard retrying else { return }
            try? await Task.sleep(for: options.retryDelays[attempt - 1])
            attempt += 1
        }
    }
}
