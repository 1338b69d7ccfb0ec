public import Definitions
public import Expressions
public import History

/// The request a webhook notification makes, in each ``WebhookFormat``. Pure: built from the
/// record, the job and what the message is sent on.
public struct WebhookMessage: Sendable, Hashable {
    public var method: String
    public var body: String?
    public var contentType: String?

    /// - Parameter fanOut: for a `per: fanout` message, every run of the fan-out (`record` is
    ///   the one that decided its outcome).
    public static func make(_ format: WebhookFormat, record: RunRecord, job: JobDefinition, event: String, fanOut: [RunRecord]? = nil) -> WebhookMessage {
        let tally = fanOut.map(tally)
        switch format {
        case .ping:
            return WebhookMessage(method: "GET", body: nil, contentType: nil)
        case .json:
            var body = "{\"event\":" + quoted(event) + ",\"job\":" + quoted(job.id.rawValue) + ",\"name\":" + quoted(job.name)
                + ",\"summary\":" + quoted(summary(record, job: job, tally: tally)) + ",\"record\":" + record.jsonLine
            if let fanOut { body += ",\"fanout\":[" + fanOut.map(\.jsonLine).joined(separator: ",") + "]" }
            body += "}"
            return WebhookMessage(method: "POST", body: body, contentType: "application/json")
        case .slack:
            // A `text` fallback (notifications, screen readers) and Block Kit blocks.
            let facts = details(record).map { "*\($0.0):* \(slackEscaped($0.1))" }.joined(separator: "\n")
            let message: Value = [
                "text": .string(summary(record, job: job, tally: tally)),
                "blocks": [
                    ["type": "section", "text": ["type": "mrkdwn", "text": .string("\(icon(record.status)) *\(slackEscaped(job.name))* \(slackEscaped(headline(record, tally: tally)))")]],
                    ["type": "section", "text": ["type": "mrkdwn", "text": .string(facts)]],
                    ["type": "context", "elements": [["type": "mrkdwn", "text": .string("jobctl · \(slackEscaped(job.id.rawValue)) · on \(event)")]]],
                ],
            ]
            return WebhookMessage(method: "POST", body: message.description, contentType: "application/json")
        case .teams:
            // A message with one Adaptive Card attachment, as Teams' incoming webhooks and
            // workflows take it.
            let facts: [Value] = details(record).map { ["title": .string($0.0), "value": .string($0.1)] }
            let card: Value = [
                "$schema": "http://adaptivecards.io/schemas/adaptive-card.json",
                "type": "AdaptiveCard",
                "version": "1.4",
                "body": [
                    ["type": "TextBlock", "size": "Medium", "weight": "Bolder", "wrap": true, "text": .string("\(job.name) \(headline(record, tally: tally))")],
                    ["type": "FactSet", "facts": .array(facts)],
                    ["type": "TextBlock", "isSubtle": true, "wrap": true, "text": .string("jobctl · \(job.id.rawValue) · on \(event)")],
                ],
            ]
            let message: Value = ["type": "message", "attachments": [["contentType": "application/vnd.microsoft.card.adaptive", "contentUrl": .null, "content": card]]]
            return WebhookMessage(method: "POST", body: message.description, contentType: "application/json")
        }
    }

    /// A message about the daemon itself (`apply_refused`, `history_write_failed`), in `format`.
    public static func daemon(_ format: WebhookFormat, event: String, message: String, node: String?) -> WebhookMessage {
        let title = "jobctl\(node.map { " on \($0)" } ?? ""): \(event.replacingOccurrences(of: "_", with: " "))"
        switch format {
        case .ping:
            return WebhookMessage(method: "GET", body: nil, contentType: nil)
        case .json:
            let body: Value = ["event": .string(event), "message": .string(message), "node": node.map(Value.string) ?? .null]
            return WebhookMessage(method: "POST", body: body.description, contentType: "application/json")
        case .slack:
            let body: Value = [
                "text": .string("\(title): \(message)"),
                "blocks": [["type": "section", "text": ["type": "mrkdwn", "text": .string(":warning: *\(slackEscaped(title))*\n\(slackEscaped(message))")]]],
            ]
            return WebhookMessage(method: "POST", body: body.description, contentType: "application/json")
        case .teams:
            let card: Value = [
                "$schema": "http://adaptivecards.io/schemas/adaptive-card.json", "type": "AdaptiveCard", "version": "1.4",
                "body": [
                    ["type": "TextBlock", "size": "Medium", "weight": "Bolder", "wrap": true, "text": .string(title)],
                    ["type": "TextBlock", "wrap": true, "text": .string(message)],
                ],
            ]
            let body: Value = ["type": "message", "attachments": [["contentType": "application/vnd.microsoft.card.adaptive", "contentUrl": .null, "content": card]]]
            return WebhookMessage(method: "POST", body: body.description, contentType: "application/json")
        }
    }

    /// `Weekly report (reports/weekly) failed: step 'ask' exited 2 — run 2026…`
    static func summary(_ record: RunRecord, job: JobDefinition, tally: String? = nil) -> String {
        "\(job.name) (\(job.id)) \(headline(record, tally: tally)) — run \(record.run)"
    }

    /// `failed [market=BE]: step 'ask' exited 2`, or for a fan-out `failed (fan-out of 3: 2 completed, 1 failed) [market=BE]: …`.
    static func headline(_ record: RunRecord, tally: String? = nil) -> String {
        let cell = record.fanout?.key.map { " [\($0)]" } ?? ""
        return "\(record.status.rawValue.replacingOccurrences(of: "_", with: " "))\(tally.map { " (\($0))" } ?? "")\(cell)" + (record.error.map { ": \($0)" } ?? "")
    }

    /// `fan-out of 3: 2 completed, 1 failed`.
    static func tally(_ records: [RunRecord]) -> String {
        var counts: [(RunStatus, Int)] = []
        for record in records {
            if let index = counts.firstIndex(where: { $0.0 == record.status }) { counts[index].1 += 1 } else { counts.append((record.status, 1)) }
        }
        return "fan-out of \(records.count): " + counts.map { "\($0.1) \($0.0.rawValue.replacingOccurrences(of: "_", with: " "))" }.joined(separator: ", ")
    }

    static func details(_ record: RunRecord) -> [(String, String)] {
        var facts: [(String, String)] = [("Run", record.run), ("Trigger", record.trigger.rawValue)]
        if let scheduled = record.scheduledFor { facts.append(("Scheduled for", RecordTime.string(scheduled))) }
        if let duration = record.durationMs { facts.append(("Duration", RecordFormatting.duration(milliseconds: duration))) }
        if let exit = record.exitCode { facts.append(("Exit code", String(exit))) }
        if let attempt = record.attempt, attempt > 1 { facts.append(("Attempt", String(attempt))) }
        if let commit = record.commit { facts.append(("Commit", String(commit.prefix(7)))) }
        if let log = record.log { facts.append(("Log", log)) }
        return facts
    }

    static func icon(_ status: RunStatus) -> String {
        switch status {
        case .completed: ":white_check_mark:"
        case .failed, .timedOut, .interrupted: ":x:"
        case .blocked, .cancelled: ":no_entry:"
        default: ":information_source:"
        }
    }

    /// Slack's mrkdwn treats `&`, `<` and `>` as markup: escaped as its docs ask.
    static func slackEscaped(_ text: String) -> String {
        text.replacingOccurrences(of: "&", with: "&amp;").replacingOccurrences(of: "<", with: "&lt;").replacingOccurrences(of: ">", with: "&gt;")
    }

    static func quoted(_ text: String) -> String {
        var out = ""
        Value.writeQuoted(text, to: &out)
        return out
    }
}
