/// A line a reader skipped: a torn last line (a crash during a write, or a write still in
/// progress) or a line that is not a readable record. Readers never stop at one.
public struct HistoryWarning: Sendable, Hashable, CustomStringConvertible {
    /// The history file.
    public var path: String
    /// 1-based line number, when the reader counted lines (forward reads do, backward reads don't).
    public var line: Int?
    /// Byte offset of the line's start.
    public var offset: Int64
    public var message: String

    public init(path: String, line: Int?, offset: Int64, message: String) {
        self.path = path
        self.line = line
        self.offset = offset
        self.message = message
    }

    /// `history/x.jsonl:12: warning: ...`, or `history/x.jsonl: warning: ... (at byte 4096)`.
    public var description: String {
        if let line { return "\(path):\(line): warning: \(message)" }
        return "\(path): warning: \(message) (at byte \(offset))"
    }

    static func torn(_ path: String, line: Int?, offset: Int64, bytes: Int) -> HistoryWarning {
        HistoryWarning(path: path, line: line, offset: offset, message: "skipped an incomplete last line (\(bytes) bytes without a newline: a crash during a write, or a write in progress); the next append repairs it")
    }

    static func unreadable(_ path: String, line: Int?, offset: Int64, reason: String) -> HistoryWarning {
        HistoryWarning(path: path, line: line, offset: offset, message: "skipped an unreadable line: \(reason)")
    }
}
