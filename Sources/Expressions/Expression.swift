/// A parsed `filter:`, `until:` or step `if:` expression, in filtrex syntax.
///
/// Parse once, evaluate per event:
///
/// ```swift
/// let filter = try Expression(#"event.amount > 1000 and lower(event.status) == "active""#)
/// filter.check(roots: Expression.standardRoots)      // [] when every name is known
/// filter.isSatisfied(by: ["event": payload])          // true or false, never an error
/// ```
///
/// - Parsing throws ``ExpressionError`` (with a 1-based column) for any syntax error, an
///   unknown function, a wrong number of arguments, an expression longer than
///   ``maximumLength`` or nested deeper than ``maximumDepth``.
/// - Evaluation never throws and never traps: a missing field is `null`, and an operator
///   applied to values it does not fit gives `null` (arithmetic) or `false` (comparisons).
///
/// Two expressions are equal when their sources are.
public struct Expression: Sendable, Hashable, CustomStringConvertible {
    /// The longest source accepted, in Unicode scalars.
    public static let maximumLength = 4096
    /// The deepest nesting accepted (parentheses, lists, calls, prefix operators, conditionals).
    public static let maximumDepth = Parser.maximumDepth
    /// The root names a job definition offers: `event`, `job`, `params`, `run`, `steps`.
    public static let standardRoots: Set<String> = ["event", "job", "params", "run", "steps"]
    /// The names of the built-in functions, sorted.
    public static let functionNames: [String] = Builtin.allCases.map(\.rawValue).sorted()

    /// The text as written.
    public let source: String
    /// Every path the expression reads, in source order, each with its column:
    /// `steps.ask.status`, `event.'content-type'`.
    public let referencedPaths: [ReferencedPath]
    let root: Node

    /// Parses `source`.
    ///
    /// - Throws: ``ExpressionError`` naming the first problem and its column.
    public init(_ source: String) throws(ExpressionError) {
        let length = source.unicodeScalars.count
        if length > Expression.maximumLength {
            throw ExpressionError(
                column: Expression.maximumLength + 1,
                message: "expression is too long (\(length) characters; the limit is \(Expression.maximumLength))")
        }
        var parser = try Parser(source)
        self.root = try parser.parse()
        self.referencedPaths = parser.paths
        self.source = source
    }

    /// The value of the expression for the given root values (`["event": ..., "params": ...]`).
    /// Roots that are absent from `context` are `null`.
    public func evaluate(_ context: [String: Value]) -> Value {
        root.evaluate(context)
    }

    /// Whether the value is truthy: not `null`, `false`, `0`, `""`, `[]` or `{}`.
    public func isSatisfied(by context: [String: Value]) -> Bool {
        root.evaluate(context).isTruthy
    }

    /// One error per path whose root is not in `allowed`, in source order, each at the
    /// path's column, with a "did you mean" where a name is close.
    public func check(roots allowed: Set<String>) -> [ExpressionError] {
        let known = allowed.sorted()
        var errors: [ExpressionError] = []
        for path in referencedPaths where !allowed.contains(path.root) {
            var message = "unknown name '\(path.root)'"
            if let suggestion = NearMiss.best(for: path.root, among: (known + ["true", "false", "null"]).filter { $0 != path.root }) {
                message += " (did you mean '\(suggestion)'?)"
            } else if known.isEmpty {
                message += "; no names can be read here"
            } else if known.count == 1 {
                message += "; the only name here is '\(known[0])'"
            } else {
                message += "; the names are " + known.dropLast().joined(separator: ", ") + " and " + known.last!
            }
            errors.append(ExpressionError(column: path.column, message: message))
        }
        return errors
    }

    public var description: String { source }

    public static func == (lhs: Expression, rhs: Expression) -> Bool { lhs.source == rhs.source }

    public func hash(into hasher: inout Hasher) { hasher.combine(source) }

    /// The parsed tree, fully parenthesised (for tests and debugging).
    var structure: String { root.structure }
}
