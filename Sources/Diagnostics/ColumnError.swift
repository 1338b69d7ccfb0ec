/// A problem inside one piece of text (a cron expression, a duration, a date, an expression, a
/// template), and where: the one error type every text reader of jobctl throws.
///
/// `column` is 1-based and counts Unicode scalars from the start of the text (a line break, in
/// a multi-line text, counts as one). `description` renders `column N: message`; a caller that
/// knows where the text sits in a file adds the file's line and the text's starting column to
/// make `path:line:column: error: ...`.
///
/// ```swift
/// do { _ = try CronExpression("0 61 * * *") } catch {
///     print(error)   // column 3: minute field: 61 is out of range 0-59
/// }
/// ```
public struct ColumnError: Error, Sendable, Equatable, CustomStringConvertible {
    /// 1-based column in the text.
    public let column: Int
    /// What is wrong, in one lower-case sentence without a final period.
    public let message: String

    public init(column: Int, message: String) {
        self.column = column
        self.message = message
    }

    public var description: String { "column \(column): \(message)" }
}
