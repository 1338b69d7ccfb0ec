import Foundation

/// Where commands print: data to stdout, problems to stderr.
enum Console {
    static func error(_ text: String) {
        FileHandle.standardError.write(Data((text + "\n").utf8))
    }

    static func json(_ value: some Encodable) throws {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        encoder.dateEncodingStrategy = .iso8601
        print(String(decoding: try encoder.encode(value), as: UTF8.self))
    }

    /// Whether stdout is a terminal (tables for people, plain lines for scripts).
    static var isTerminal: Bool { isatty(STDOUT_FILENO) == 1 }
}
