/// The compiled form of an expression: built once by the parser, evaluated per event.
///
/// Chains of one precedence level (`a and b and c`, `a + b - c`, `a < b <= c`) are stored flat,
/// so the tree is never deeper than the source's nesting, which the parser bounds.
indirect enum Node: Sendable {
    case constant(Value)
    /// A root name alone: `event`.
    case root(String)
    /// A root name and further segments: `event.customer.tier` is `("event", ["customer", "tier"])`.
    case path(String, [String])
    case not(Node)
    case negate(Node)
    case and([Node])
    case or([Node])
    case arithmetic(Node, [ArithmeticStep])
    /// `base ^ exponent` (right-associative).
    case power(Node, Node)
    case comparison(Node, [ComparisonStep])
    /// `condition ? then : else`, also written `if condition then a else b`.
    case conditional(Node, Node, Node)
    case list([Node])
    case call(Builtin, [Node])
}

enum ArithmeticOperator: String, Sendable {
    case add = "+", subtract = "-", multiply = "*", divide = "/", modulo = "mod"
}

struct ArithmeticStep: Sendable {
    let op: ArithmeticOperator
    let operand: Node
}

enum ComparisonOperator: String, Sendable {
    case equal = "==", notEqual = "!=", less = "<", lessOrEqual = "<=", greater = ">", greaterOrEqual = ">="
    case `in` = "in", notIn = "not in"
}

struct ComparisonStep: Sendable {
    let op: ComparisonOperator
    let operand: Node
}

extension Node {
    /// A fully parenthesised rendering of the tree, for tests and debugging:
    /// `a or b and c` renders as `(a or (b and c))`.
    var structure: String {
        switch self {
        case .constant(let value):
            return value.description
        case .root(let name):
            return ReferencedPath(segments: [name], column: 1).description
        case .path(let root, let rest):
            return ReferencedPath(segments: [root] + rest, column: 1).description
        case .not(let operand):
            return "(not \(operand.structure))"
        case .negate(let operand):
            return "(-\(operand.structure))"
        case .and(let operands):
            return "(" + operands.map(\.structure).joined(separator: " and ") + ")"
        case .or(let operands):
            return "(" + operands.map(\.structure).joined(separator: " or ") + ")"
        case .arithmetic(let first, let steps):
            return "(" + first.structure + steps.map { " \($0.op.rawValue) \($0.operand.structure)" }.joined() + ")"
        case .power(let base, let exponent):
            return "(\(base.structure) ^ \(exponent.structure))"
        case .comparison(let first, let steps):
            return "(" + first.structure + steps.map { " \($0.op.rawValue) \($0.operand.structure)" }.joined() + ")"
        case .conditional(let condition, let then, let otherwise):
            return "(\(condition.structure) ? \(then.structure) : \(otherwise.structure))"
        case .list(let elements):
            return "[" + elements.map(\.structure).joined(separator: ", ") + "]"
        case .call(let function, let arguments):
            return function.rawValue + "(" + arguments.map(\.structure).joined(separator: ", ") + ")"
        }
    }
}
