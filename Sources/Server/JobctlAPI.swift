public import Foundation
public import Execution
public import History
public import Scheduler
import Definitions
public import Hummingbird

/// What the HTTP API serves from: the running scheduler, the history folder, the token file, the
/// secrets store (webhook secrets) and the run metrics. One value, built by `jobctl serve` and by
/// tests alike, and handed to ``buildApplication(api:configuration:)``.
public struct JobctlAPI: Sendable {
    public let scheduler: Scheduler
    public let history: HistoryFolder
    public let tokens: TokenAuthenticator
    public let secrets: SecretStore
    public let metrics: RunMetrics
    /// Each job's last record and last run, for job states.
    public let lastRuns: LastRuns
    /// Each job's recent runs (status strip, success rate, duration percentiles), for the dashboard.
    public let summaries: RunSummaries
    public let log: @Sendable (String) -> Void
    /// The remote a `serve --remote` daemon follows; nil otherwise.
    public let remote: RemoteWatcher?
    /// The secret that signs push webhooks (``PushWebhook``).
    public let pushSecretName: String
    /// Webhook deliveries seen, refused when replayed.
    let replays = WebhookReplayGuard()

    public init(scheduler: Scheduler, history: HistoryFolder, tokens: TokenAuthenticator, secrets: SecretStore, metrics: RunMetrics,
                lastRuns: LastRuns, summaries: RunSummaries = RunSummaries(), remote: RemoteWatcher? = nil, pushSecretName: String = PushWebhook.defaultSecretName,
                log: @escaping @Sendable (String) -> Void = { _ in }) {
        self.remote = remote
        self.pushSecretName = pushSecretName
        self.scheduler = scheduler
        self.history = history
        self.tokens = tokens
        self.secrets = secrets
        self.metrics = metrics
        self.lastRuns = lastRuns
        self.summaries = summaries
        self.log = log
    }

    /// ``authorize(_:_:job:)`` for routes outside this target (serve's `/mcp`): the error is the
    /// API's own 401 or 403, answered as JSON by the error middleware.
    public func authenticate(_ request: Request, _ scope: Scope) throws -> Token {
        try authorize(request, scope)
    }

    /// The caller's token when it allows `scope` (on `job`, when the request is about one job).
    /// - Throws: ``APIError`` 401 without a valid bearer token, 403 when its scope or job glob falls short.
    package func authorize(_ request: Request, _ scope: Scope, job: String? = nil) throws(APIError) -> Token {
        guard let token = tokens.token(forAuthorization: request.headers[.authorization]) else {
            throw APIError.unauthorized
        }
        guard token.scope >= scope else {
            throw APIError(.forbidden, code: "forbidden", "token '\(token.name)' has scope \(token.scope.rawValue); this request needs \(scope.rawValue)")
        }
        if let job, !token.covers(job: job) {
            throw APIError(.forbidden, code: "forbidden", "token '\(token.name)' is limited to jobs \(token.jobs ?? "*"); '\(job)' is not one of them")
        }
        return token
    }
}
