/// A name the expression reads, such as `steps.ask.status`, with where it is written.
///
/// `Definitions` uses these to check, for example, that `steps.NAME` names an earlier step
/// or that `params.NAME` is a declared parameter.
public struct ReferencedPath: Sendable, Hashable, CustomStringConvertible {
    /// The root name and the segments after it: `["steps", "ask", "status"]`.
    /// A quoted segment (`'content-type'`) appears unquoted; an index (`items.0`) as `"0"`.
    public let segments: [String]
    /// 1-based column of the path's first character in the expression source.
    public let column: Int

    public init(segments: [String], column: Int) {
        precondition(!segments.isEmpty, "a path has at least a root name")
        self.segments = segments
        self.column = column
    }

    /// The root name: `event`, `params`, `run`, `steps` or `job` in a valid definition.
    public var root: String { segments[0] }

    /// The path as it could be written again: `steps.ask.status`, `event.'content-type'`.
    public var description: String {
        segments.enumerated().map { index, segment in
            Lexer.isPlainSegment(segment, first: index == 0) ? segment : Lexer.quoteName(segment)
        }.joined(separator: ".")
    }
}
