/// Why a cron expression was rejected, and where.
///
/// `column` is 1-based inside the expression text (not inside the file that holds it: the
/// caller adds the expression's own position). `message` names the field and the offending
/// text, e.g. `minute field: 61 is out of range 0-59` or
/// `day-of-week field: 5#6: a month has at most 5 of a weekday`.
public struct CronParseError: Error, Sendable, Equatable, CustomStringConvertible {
    public let column: Int
    public let message: String

    public init(column: Int, message: String) {
        self.column = column
        self.message = message
    }

    public var description: String { "column \(column): \(message)" }
}
