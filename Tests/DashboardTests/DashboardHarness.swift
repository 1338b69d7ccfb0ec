import Daemon
import Dashboard
import Definitions
import Foundation
import History
import Hummingbird
import HummingbirdTesting
import Reconciler
import Scheduler
import Server
import TestSupport

/// The dashboard over a real daemon (``buildDaemon(_:log:onListening:)``, no listener) on a git
/// repository whose commit is applied for real, driven in-process through Hummingbird's router
/// test client. Sessions are cookies the tests carry by hand.
final class DashboardHarness: Sendable {
    let repo: TemporaryGitRepository
    let daemon: Daemon
    let dashboard: Dashboard
    let tokens: TokenStore

    static let jobs: [String: String] = [
        ".gitignore": "/.jobctl/\n/history/\n",
        "jobs/reports/daily.yaml": """
            name: Daily report
            description: Revenue per market
            schedule: {cron: "30 7 * * *", timezone: Europe/Amsterdam}
            params:
              market: {default: NL, allowed: [NL, BE, DE]}
              note: {type: string}
            steps:
              - run: [echo, "{{params.market}}", "{{params.note}}"]
            """,
        "jobs/slow.yaml": """
            name: <b>Slow</b> & steady
            steps:
              - run: [sleep, "300"]
            """,
        "jobs/minutely.yaml": """
            schedule: "* * * * *"
            steps:
              - run: ["true"]
            """,
        "jobs/dst.yaml": """
            schedule: {cron: "30 2 * * *", timezone: Europe/Amsterdam}
            steps:
              - run: ["true"]
            """,
    ]

    /// A job whose agent writes a report (with what must not become markup), and its agent.
    static let reportJob: [String: String] = [
        "jobs/weekly.yaml": "steps:\n  - agent: writer\n    prompt: Weekly report",
        "jobctl.yaml": "agents:\n  writer:\n    run: [sh, -c, 'read prompt; printf \"# %s\\n\\n<script>alert(1)</script>\\n\" \"$prompt\"']",
    ]

    init(publicRead: Bool = false, idleTimeout: TimeInterval = 1800, extraJobs: [String: String] = [:], chromium: String? = nil,
         now: @escaping @Sendable () -> Date = { Date() }) async throws {
        repo = try TemporaryGitRepository(files: Self.jobs.merging(extraJobs, uniquingKeysWith: { $1 }).mapValues { $0 + "\n" })
        let root = try JobsRoot.open(repo.path)
        _ = try Reconciler(root: root).apply()
        var options = DaemonOptions(root: repo.path)
        options.listen = nil
        options.node = "test"
        daemon = try buildDaemon(options, log: { _ in })
        guard let applied = try Reconciler(root: root).appliedDefinitions() else { throw Unapplied() }
        await daemon.scheduler.load(AppliedState(commit: applied.commit.hex, definitions: applied.definitions, appliedAt: Date()), catchingUp: false)
        var pages = Dashboard.Options(jobsRoot: repo.path)
        pages.publicRead = publicRead
        pages.idleTimeout = idleTimeout
        pages.now = now
        pages.chromium = chromium
        dashboard = Dashboard(api: daemon.api, options: pages)
        tokens = TokenStore(root: repo.path)
    }

    struct Unapplied: Error {}

    func token(_ scope: Scope, jobs: String? = nil, name: String? = nil) throws -> String {
        try tokens.create(scope: scope, jobs: jobs, name: name).secret
    }

    var app: some ApplicationProtocol {
        buildApplication(api: daemon.api, configuration: .init(), moreRoutes: dashboard.add)
    }

    func records(_ job: String) -> [RunRecord] {
        var result: [RunRecord] = []
        _ = try? HistoryReader(folder: daemon.history).forEachRecord(job: job) { result.append($0) }
        return result
    }

    func stop() async {
        await daemon.scheduler.shutdown(grace: .zero)
    }
}

/// A browser's side of a session: the cookie it was given, and the CSRF token of its last page.
struct Browser {
    var cookie: String?
    var csrf: String?

    var headers: HTTPFields {
        var fields: HTTPFields = [:]
        if let cookie { fields[.cookie] = cookie }
        return fields
    }

    /// A browser signed in with `token`.
    static func signedIn(_ client: some TestClientProtocol, token: String) async throws -> Browser {
        var browser = Browser()
        _ = try await browser.signIn(client, token: token)
        return browser
    }

    /// Signs in through the form; returns the response (303 with a cookie when it worked).
    mutating func signIn(_ client: some TestClientProtocol, token: String, next: String = "/") async throws -> TestResponse {
        let response = try await client.execute(uri: "/signin", method: .post, headers: [.contentType: "application/x-www-form-urlencoded"],
                                                body: ByteBuffer(string: "token=\(token)&next=\(next)"))
        if let header = response.headers[.setCookie], let pair = header.split(separator: ";").first { cookie = String(pair) }
        return response
    }

    /// GETs a page and keeps its CSRF token.
    mutating func get(_ client: some TestClientProtocol, _ uri: String) async throws -> TestResponse {
        let response = try await client.execute(uri: uri, method: .get, headers: headers)
        if let range = response.text.range(of: #"name="_csrf" value=""#) {
            csrf = String(response.text[range.upperBound...].prefix { $0 != "\"" })
        }
        return response
    }

    /// Posts a form, with the page's CSRF token unless `csrf` is false.
    func post(_ client: some TestClientProtocol, _ uri: String, _ fields: [String: String] = [:], csrf withToken: Bool = true) async throws -> TestResponse {
        var form = fields
        if withToken, let csrf { form["_csrf"] = csrf }
        var headers = self.headers
        headers[.contentType] = "application/x-www-form-urlencoded"
        let body = form.map { "\($0.key.addingPercentEncoding(withAllowedCharacters: .alphanumerics) ?? "")=\($0.value.addingPercentEncoding(withAllowedCharacters: .alphanumerics) ?? "")" }.joined(separator: "&")
        return try await client.execute(uri: uri, method: .post, headers: headers, body: ByteBuffer(string: body))
    }
}

extension TestResponse {
    var text: String { String(decoding: body.readableBytesView, as: UTF8.self) }
}
