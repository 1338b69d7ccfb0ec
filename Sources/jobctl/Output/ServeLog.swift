import Expressions
import Foundation
import History

/// How `jobctl serve` writes its log lines (stderr): for a terminal or a file, for journald, or
/// for a log shipper.
enum ServeLogFormat: String, CaseIterable {
    /// `2026-12-01T10:17:12.818Z message`.
    case text
    /// `<3>message`: the syslog priority prefix journald reads from a service's stderr (it adds
    /// the time itself); `error:` lines are priority 3, `warning:` 4, the rest 6.
    case journal
    /// One JSON object a line: `{"time": ..., "level": "error|warning|info", "message": ...}`.
    case json

    /// `auto`: journal when started by systemd with its output to the journal (`JOURNAL_STREAM`
    /// set), else text.
    static func resolve(_ name: String, environment: [String: String] = ProcessInfo.processInfo.environment) -> ServeLogFormat? {
        if name == "auto" { return environment["JOURNAL_STREAM"] == nil ? .text : .journal }
        return ServeLogFormat(rawValue: name)
    }

    /// `error`, `warning` or `info`, from the message's own prefix.
    static func level(of message: String) -> String {
        let trimmed = message.drop { $0 == " " }
        if trimmed.hasPrefix("error:") { return "error" }
        if trimmed.hasPrefix("warning:") { return "warning" }
        return "info"
    }

    func line(_ message: String, at time: Date) -> String {
        switch self {
        case .text:
            return "\(RecordTime.string(time)) \(message)"
        case .journal:
            let priority = switch Self.level(of: message) { case "error": 3; case "warning": 4; default: 6 }
            // journald takes one priority per line: continuation lines carry it too.
            return message.split(separator: "\n", omittingEmptySubsequences: false).map { "<\(priority)>\($0)" }.joined(separator: "\n")
        case .json:
            var text = "{\"time\":\"\(RecordTime.string(time))\",\"level\":\"\(Self.level(of: message))\",\"message\":"
            Value.writeQuoted(message, to: &text)
            return text + "}"
        }
    }
}

