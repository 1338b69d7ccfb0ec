/// A problem with history files, markers or records. The code is opaque, so new cases do not
/// break callers; `description` is the message a command prints.
public struct HistoryError: Error, Sendable, Hashable, CustomStringConvertible {
    public struct Code: Sendable, Hashable, CustomStringConvertible {
        let name: String
        public var description: String { name }

        /// A job id that cannot name a history file (`../x`, upper case, empty segments).
        public static let invalidJobID = Code(name: "invalidJobID")
        /// A run id that cannot name a file.
        public static let invalidRunID = Code(name: "invalidRunID")
        /// A line that is not a version-1 run record.
        public static let unreadableRecord = Code(name: "unreadableRecord")
        /// A record that cannot be appended (not final, wrong job).
        public static let invalidRecord = Code(name: "invalidRecord")
        /// A system call failed (open, write, fsync, rename ...).
        public static let io = Code(name: "io")
    }

    public var code: Code
    public var message: String
    /// The file concerned, when there is one.
    public var path: String?

    public init(_ code: Code, _ message: String, path: String? = nil) {
        self.code = code
        self.message = message
        self.path = path
    }

    public var description: String { path.map { "\($0): \(message)" } ?? message }
}
