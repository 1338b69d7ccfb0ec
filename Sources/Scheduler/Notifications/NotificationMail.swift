public import Definitions
public import History
public import Outbound
import Reports

/// The mail a notification sends: a text part and an HTML part of the same facts, with the run's
/// report (if it has one) inlined — as Markdown in the text, rendered and sanitised in the HTML.
/// Pure: built from the record, the job, the event and the report's text.
public enum NotificationMail {
    /// Reports longer than this are cut (with a note) so that a runaway agent cannot fill inboxes.
    static let reportCap = 256 * 1024

    public static func make(_ settings: MailSettings, record: RunRecord, job: JobDefinition, event: String,
                            fanOut: [RunRecord]? = nil, report: String? = nil) -> MailMessage {
        let tally = fanOut.map(WebhookMessage.tally)
        let cell = record.fanout?.key.map { " [\($0)]" } ?? ""
        let subject = "[jobctl] \(job.name) \(record.status.rawValue.replacingOccurrences(of: "_", with: " "))\(cell)"
        let facts = [("Job", job.id.rawValue), ("Status", WebhookMessage.headline(record, tally: tally)), ("On", event)] + WebhookMessage.details(record)
        let report = report.map { $0.utf8.count > reportCap ? String(decoding: Array($0.utf8.prefix(reportCap)), as: UTF8.self) + "\n\n… (cut at 256 KiB; `jobctl logs \(record.run) --report` has it all)" : $0 }
        var text = WebhookMessage.summary(record, job: job, tally: tally) + "\n\n"
        text += facts.map { "\($0.0): \($0.1)" }.joined(separator: "\n") + "\n"
        if let fanOut { text += "\nFan-out:\n" + fanOut.map { "  \($0.fanout?.key ?? $0.run): \($0.status.rawValue)" }.joined(separator: "\n") + "\n" }
        if let report { text += "\nReport:\n\n" + report + "\n" }
        var html = "<h2>\(ReportPage.escape(job.name)) — \(ReportPage.escape(WebhookMessage.headline(record, tally: tally)))</h2>\n<table>"
        html += facts.map { "<tr><th align=\"left\">\(ReportPage.escape($0.0))</th><td>\(ReportPage.escape($0.1))</td></tr>" }.joined() + "</table>\n"
        if let fanOut {
            html += "<h3>Fan-out</h3><ul>" + fanOut.map { "<li>\(ReportPage.escape($0.fanout?.key ?? $0.run)): \(ReportPage.escape($0.status.rawValue))</li>" }.joined() + "</ul>\n"
        }
        if let report { html += "<h3>Report</h3>\n" + ReportPage.fragment(markdown: report) }
        return MailMessage(from: settings.from, to: settings.to, subject: subject, text: text, html: html,
                           headers: [("X-Jobctl-Job", job.id.rawValue), ("X-Jobctl-Run", record.run), ("X-Jobctl-Event", event)])
    }

    /// A mail about the daemon itself (`apply_refused`, `history_write_failed`).
    public static func daemon(_ settings: MailSettings, event: String, message: String, node: String?) -> MailMessage {
        let title = "jobctl\(node.map { " on \($0)" } ?? ""): \(event.replacingOccurrences(of: "_", with: " "))"
        return MailMessage(from: settings.from, to: settings.to, subject: "[jobctl] " + title, text: title + "\n\n" + message + "\n",
                           html: "<h2>\(ReportPage.escape(title))</h2>\n<pre>\(ReportPage.escape(message))</pre>", headers: [("X-Jobctl-Event", event)])
    }
}
