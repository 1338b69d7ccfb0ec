/// A problem in an expression's source, found while parsing it or checking its names.
///
/// `column` is 1-based and counts Unicode scalars from the start of the source (a line
/// break, in a multi-line expression, counts as one). `description` renders
/// `column N: message`; a caller that knows where the expression sits in a file adds the
/// file's line and the expression's starting column to make `path:line:column: error: ...`.
public struct ExpressionError: Error, Sendable, Equatable, CustomStringConvertible {
    /// 1-based column in the expression source.
    public let column: Int
    /// What is wrong, in one lower-case sentence without a final period.
    public let message: String

    public init(column: Int, message: String) {
        self.column = column
        self.message = message
    }

    public var description: String { "column \(column): \(message)" }
}
