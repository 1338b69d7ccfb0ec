import Daemon
import Definitions
import Execution
import Foundation
import History
import Hummingbird
import HummingbirdTesting
import Scheduler
import Server
import TestSupport

/// The API over a real scheduler on a temporary root (real history files, real child processes),
/// driven in-process through Hummingbird's router test client.
final class APIHarness: Sendable {
    let root: TemporaryRoot
    let history: HistoryFolder
    let scheduler: Scheduler
    let metrics: RunMetrics
    let api: JobctlAPI
    let tokens: TokenStore
    let daemon: Daemon

    static let jobs: [String: String] = [
        "jobs/reports/daily.yaml": """
            name: Daily report
            description: Revenue per market
            params:
              market: {default: NL, allowed: [NL, BE, DE]}
              note: {type: string}
            steps:
              - run: [echo, "{{params.market}}", "{{params.note}}"]
            """,
        "jobs/slow.yaml": """
            steps:
              - run: [sleep, "300"]
            """,
        "jobs/limited.yaml": """
            rateLimit: {max: 1, per: 1h}
            steps:
              - run: ["true"]
            """,
        "jobs/orders/big.yaml": """
            on: {events: [order.created]}
            filter: event.amount > 1000
            steps:
              - run: ["true"]
            """,
        "jobs/nightly.yaml": """
            schedule: {cron: "30 2 * * *", timezone: Europe/Amsterdam}
            steps:
              - run: ["true"]
            """,
    ]

    /// A matrix job whose agent writes a report (for the report and re-run tests).
    static let reportJobs: [String: String] = [
        "jobs/reports/weekly.yaml": """
            params:
              market: {default: NL, allowed: [NL, BE]}
            matrix:
              market: [NL, BE]
            steps:
              - name: ask
                agent: writer
                prompt: "Report for {{params.market}}"
            """,
    ]

    /// An agent whose report carries what must not become markup on the report page.
    static let config = """
        agents:
          writer:
            run: [sh, -c, 'read prompt; printf "# %s\\n\\n<script>alert(1)</script>\\n\\n[bad](javascript:alert(1)) [good](https://example.com/x)\\n\\n![pixel](http://evil.example/p.png)\\n" "$prompt"']
        """

    /// The daemon as `jobctl serve` builds it (``buildDaemon(_:log:onListening:)``), without its
    /// listener; the definitions are loaded from the root's files instead of an applied commit.
    /// - Parameter extraJobs: jobs besides ``jobs`` (with ``reportJobs``, the agent config is written too).
    init(secrets: [String: String] = [:], extraJobs: [String: String] = [:]) async throws {
        root = try TemporaryRoot()
        for (path, text) in Self.jobs.merging(extraJobs, uniquingKeysWith: { $1 }) { try root.write(path, text + "\n") }
        if !extraJobs.isEmpty { try root.write("jobctl.yaml", Self.config + "\n") }
        var options = DaemonOptions(root: root.path)
        options.listen = nil
        options.node = "test"
        options.secrets = SecretStore(environment: secrets, file: nil)
        let daemon = try buildDaemon(options, log: { _ in })
        self.daemon = daemon
        history = daemon.history
        scheduler = daemon.scheduler
        api = daemon.api
        metrics = api.metrics
        let definitions = try RootFolder(path: root.path).load()
        precondition(definitions.isValid, definitions.diagnostics.map(\.description).joined(separator: "\n"))
        await scheduler.load(AppliedState(commit: "0123456789abcdef", definitions: definitions, appliedAt: Date()), catchingUp: false)
        tokens = TokenStore(root: root.path)
    }

    func token(_ scope: Scope, jobs: String? = nil) throws -> String {
        try tokens.create(scope: scope, jobs: jobs, name: nil).secret
    }

    var app: some ApplicationProtocol {
        buildApplication(api: api, configuration: .init())
    }

    func records(_ job: String) -> [RunRecord] {
        var result: [RunRecord] = []
        _ = try? HistoryReader(folder: history).forEachRecord(job: job) { result.append($0) }
        return result
    }

    func stop() async {
        await scheduler.shutdown(grace: .zero)
    }
}

extension TestResponse {
    var text: String { String(decoding: body.readableBytesView, as: UTF8.self) }

    var json: [String: Any] {
        (try? JSONSerialization.jsonObject(with: Data(text.utf8))) as? [String: Any] ?? [:]
    }

    var errorCode: String? { (json["error"] as? [String: Any])?["code"] as? String }
    var errorMessage: String? { (json["error"] as? [String: Any])?["message"] as? String }
}

func bearer(_ token: String) -> HTTPFields {
    [.authorization: "Bearer \(token)"]
}

func jsonHeaders(_ token: String) -> HTTPFields {
    [.authorization: "Bearer \(token)", .contentType: "application/json"]
}
