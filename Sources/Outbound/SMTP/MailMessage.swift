public import Definitions
public import Foundation

/// One mail: a text part and, optionally, an HTML part of the same content
/// (`multipart/alternative`), each UTF-8 and base64-encoded so that any report survives any relay.
public struct MailMessage: Sendable {
    public var from: MailAddress
    public var to: [MailAddress]
    public var subject: String
    public var text: String
    public var html: String?
    /// Extra headers (`X-Jobctl-Run`), written as given; names and values must be one line.
    public var headers: [(String, String)]
    public var date: Date
    public var messageID: String

    public init(from: MailAddress, to: [MailAddress], subject: String, text: String, html: String? = nil,
                headers: [(String, String)] = [], date: Date = Date(), messageID: String = "\(UUID().uuidString.lowercased())@jobctl") {
        self.from = from
        self.to = to
        self.subject = subject
        self.text = text
        self.html = html
        self.headers = headers
        self.date = date
        self.messageID = messageID
    }

    /// The message as RFC 5322 text with CRLF line ends (not yet dot-stuffed).
    public func rendered() -> [UInt8] {
        var lines: [String] = [
            "From: \(Self.header(from))",
            "To: \(to.map(Self.header).joined(separator: ", "))",
            "Subject: \(Self.headerWord(Self.oneLine(subject)))",
            "Date: \(Self.rfc5322Date(date))",
            "Message-ID: <\(messageID)>",
            "MIME-Version: 1.0",
        ]
        for (name, value) in headers { lines.append("\(Self.oneLine(name)): \(Self.oneLine(value))") }
        if let html {
            let boundary = "jobctl-" + messageID.prefix(while: { $0 != "@" })
            lines.append("Content-Type: multipart/alternative; boundary=\"\(boundary)\"")
            lines.append("")
            lines.append("--\(boundary)")
            lines += Self.part(text, type: "text/plain")
            lines.append("--\(boundary)")
            lines += Self.part(html, type: "text/html")
            lines.append("--\(boundary)--")
        } else {
            lines += Self.part(text, type: "text/plain")
        }
        return Array((lines.joined(separator: "\r\n") + "\r\n").utf8)
    }

    private static func part(_ content: String, type: String) -> [String] {
        let encoded = Data(content.utf8).base64EncodedString(options: [.lineLength76Characters, .endLineWithCarriageReturn, .endLineWithLineFeed])
        return ["Content-Type: \(type); charset=utf-8", "Content-Transfer-Encoding: base64", "", encoded]
    }

    /// A line that starts with `.` gets another (RFC 5321 4.5.2), so the message cannot end
    /// the DATA early.
    static func dotStuffed(_ bytes: [UInt8]) -> [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity(bytes.count + 16)
        var atLineStart = true
        for byte in bytes {
            if atLineStart && byte == UInt8(ascii: ".") { out.append(byte) }
            out.append(byte)
            atLineStart = byte == UInt8(ascii: "\n")
        }
        return out
    }

    /// `Name <address>`, the name encoded when it is not plain ASCII.
    static func header(_ address: MailAddress) -> String {
        guard let name = address.name else { return address.address }
        return "\(headerWord(name)) <\(address.address)>"
    }

    /// ASCII as is; anything else as one RFC 2047 encoded word.
    static func headerWord(_ text: String) -> String {
        if text.unicodeScalars.allSatisfy({ $0.isASCII && $0.value >= 32 }) { return text }
        return "=?UTF-8?B?\(Data(text.utf8).base64EncodedString())?="
    }

    static func oneLine(_ text: String) -> String {
        text.replacingOccurrences(of: "\r", with: " ").replacingOccurrences(of: "\n", with: " ")
    }

    static func rfc5322Date(_ date: Date) -> String {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = TimeZone(identifier: "UTC")!
        let parts = calendar.dateComponents([.year, .month, .day, .hour, .minute, .second, .weekday], from: date)
        let days = ["Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"]
        let months = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"]
        func two(_ n: Int?) -> String { let v = n ?? 0; return v < 10 ? "0\(v)" : "\(v)" }
        return "\(days[(parts.weekday ?? 1) - 1]), \(parts.day ?? 1) \(months[(parts.month ?? 1) - 1]) \(parts.year ?? 1970) \(two(parts.hour)):\(two(parts.minute)):\(two(parts.second)) +0000"
    }
}
