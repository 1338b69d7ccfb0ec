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

    public init() {}
}
