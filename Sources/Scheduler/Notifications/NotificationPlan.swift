public import Definitions
public import History

/// Which notifications a record sends: the job's `notify:` entries (a `notifier` resolved through
/// `jobctl.yaml`) whose `on` lists the record's status, `recovered` or `changed`. Pure.
public enum NotificationPlan {
    /// One message to send.
    public struct Delivery: Sendable, Hashable {
        /// `notify[0]`, or `notify[1] (notifier team)`: what the attempt lines name (never the URL).
        public var target: String
        public var channel: Channel
        /// What it is sent on: the status, `recovered` or `changed`.
        public var event: String

        /// What the attempt lines call it: the webhook's format, or `email`.
        public var format: String {
            switch channel {
            case .webhook(_, let format): format.rawValue
            case .email: "email"
            }
        }
    }

    /// Where a message goes.
    public enum Channel: Sendable, Hashable {
        case webhook(Template, WebhookFormat)
        case email(MailSettings)

        init(_ kind: Notifier.Kind) {
            switch kind {
            case .webhook(let url, let format): self = .webhook(url, format)
            case .email(let settings): self = .email(settings)
            }
        }
    }

    /// - Parameter previous: the status of the previous run of the same job and matrix cell
    ///   (nil: none), which `recovered` and `changed` compare with.
    /// - Parameter fanOut: true for the one message of a whole fan-out (`record` is its deciding
    ///   run): only `per: fanout` entries; false for one run, whose `per: fanout` entries wait
    ///   for its fan-out to end (a run outside any fan-out counts as one).
    ///   - reportChanged: whether the run's report differs from the previous run's (for
    ///     `changedOn: report`; nil when there is no previous run).
    public static func deliveries(for record: RunRecord, job: JobDefinition, config: RepositoryConfig, previous: RunStatus?,
                                  reportChanged: Bool? = nil, fanOut: Bool = false) -> [Delivery] {
        var result: [Delivery] = []
        for (index, notification) in job.notifications.enumerated() {
            let waitsForFanOut = notification.perFanOut && record.fanout != nil
            guard waitsForFanOut == fanOut else { continue }
            guard let event = event(of: notification, record: record, previous: previous, reportChanged: reportChanged) else { continue }
            switch notification.target {
            case .webhook(let url, let format):
                result.append(Delivery(target: "notify[\(index)]", channel: .webhook(url, format), event: event))
            case .notifier(let name):
                guard let notifier = config.notifiers[name] else { continue }
                result.append(Delivery(target: "notify[\(index)] (notifier \(name))", channel: Channel(notifier.kind), event: event))
            }
        }
        return result
    }

    /// The first of the entry's `on` that the record meets: its own status, then `recovered` (a
    /// completed run after one that failed, timed out or was interrupted), then `changed`.
    /// With `changedOn: report`, `changed` means the report differs from the previous run's.
    static func event(of notification: Notification, record: RunRecord, previous: RunStatus?, reportChanged: Bool? = nil) -> String? {
        if notification.on.contains(record.status.rawValue) { return record.status.rawValue }
        guard record.status.ran, let previous else { return nil }
        if notification.on.contains("recovered"), record.status == .completed, previous.isFailure { return "recovered" }
        if notification.on.contains("changed") {
            if notification.changedOnReport ? reportChanged == true : record.status != previous { return "changed" }
        }
        return nil
    }
}
