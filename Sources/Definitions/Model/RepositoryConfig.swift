public import Foundation
public import Schedules

/// `jobctl.yaml`: settings for a jobs root. Every field is optional.
public struct RepositoryConfig: Sendable {
    public var timeZone: TimeZone
    public var timeZoneWasSet: Bool
    public var defaults: JobDefaults
    public var agents: [String: Agent]
    public var notifiers: [String: Notifier]
    public var history: HistorySettings
    /// `search.embeddings`: the endpoint `job_search_semantic` embeds jobs with; nil: none.
    public var embeddings: EmbeddingsEndpoint?

    public init() {
        timeZone = TimeZone(identifier: "UTC")!
        timeZoneWasSet = false
        defaults = JobDefaults()
        agents = [:]
        notifiers = [:]
        history = HistorySettings()
    }
}

public struct JobDefaults: Sendable {
    public var concurrency: ConcurrencyPolicy = .skip
    public var timeout: JobDuration?
    public var retries: RetryPolicy = .none
    public var catchup: CatchupPolicy = .latest
    public var catchupWindow = JobDuration(milliseconds: 24 * 3_600_000)

    public init() {}
}

public struct Agent: Sendable {
    public enum Kind: Sendable {
        case command([Template])
        case http(HTTPRequest)
    }

    public var name: String
    public var kind: Kind
    public var timeout: JobDuration?
}

public struct Notifier: Sendable {
    public enum Kind: Sendable {
        case webhook(Template, WebhookFormat)
        case email(MailSettings)
    }

    public var name: String
    public var kind: Kind
    /// The daemon's own troubles sent here (`apply_refused`, `history_write_failed`); jobs'
    /// `notify:` entries that name the notifier have their own `on`.
    public var on: [String] = []
}

public struct HistorySettings: Sendable, Hashable {
    public var folder: String = "history"
    public var keepRuns: Int?
    public var keepDays: Int?
    /// `history.publish`: nil when history is not published.
    public var publish: HistoryPublishing?

    public init() {}
}

/// `search.embeddings`: an OpenAI-compatible embeddings endpoint (`POST {model, input}` →
/// `{data: [{embedding, index}]}`).
public struct EmbeddingsEndpoint: Sendable {
    /// The endpoint itself (`http://127.0.0.1:8089/v1/embeddings`).
    public var url: String
    public var model: String
    /// `Authorization: Bearer` value; a secret reference when set.
    public var token: Template?
}

/// `history.publish`: the branch the history is published to, and how often.
public struct HistoryPublishing: Sendable, Hashable {
    public var branch = "jobctl/history"
    public var every = JobDuration(milliseconds: 300_000)

    public init() {}
}

/// A notifier's `smtp:`: the server mail goes through, and who it goes from and to.
public struct MailSettings: Sendable, Hashable {
    public var host: String
    /// nil: the port that goes with ``security`` (25, 587 or 465).
    public var port: Int?
    public var security: MailSecurity
    /// PEM file of the certificate authorities to trust instead of the system's (relative to the root, or absolute).
    public var caFile: String?
    public var from: MailAddress
    public var to: [MailAddress]
    /// The AUTH user name (may hold `${secrets.NAME}`), nil: no AUTH.
    public var username: Template?
    /// The AUTH password: always a `${secrets.NAME}`.
    public var password: Template?

    public init(host: String, port: Int? = nil, security: MailSecurity = .startTLS, caFile: String? = nil, from: MailAddress, to: [MailAddress],
                username: Template? = nil, password: Template? = nil) {
        self.host = host
        self.port = port
        self.security = security
        self.caFile = caFile
        self.from = from
        self.to = to
        self.username = username
        self.password = password
    }
}

/// How a mail connection is protected.
public enum MailSecurity: String, Sendable, Hashable, CaseIterable {
    /// Plain text; for a relay on loopback (a password is never sent over it to another host).
    case none
    /// Plain connect, then `STARTTLS` before anything else (port 587, the default).
    case startTLS = "starttls"
    /// TLS from the first byte (port 465).
    case implicitTLS = "tls"

    /// The port that goes with it when none is set.
    public var defaultPort: Int {
        switch self {
        case .none: 25
        case .startTLS: 587
        case .implicitTLS: 465
        }
    }
}
