extension Parser {
    // MARK: Suggestions

    static func suggestFunction(for name: String) -> String? {
        if let alias = Builtin.aliases[name] { return alias.rawValue }
        return NearMiss.best(for: name, among: Builtin.allCases.map(\.rawValue))
    }

    /// `AND`, `Or`, `NOT`, `IN`, `Mod`: the keyword meant.
    static func operatorKeyword(matching name: String) -> String? {
        let lowered = name.lowercased()
        guard lowered != name, let keyword = Keyword(rawValue: lowered) else { return nil }
        switch keyword {
        case .and, .or, .not, .in, .mod, .then, .else: return keyword.rawValue
        default: return nil
        }
    }

    // MARK: Constant folding

    /// Evaluates a node now when all its inputs are constants (`-5`, `("NL", "BE")`, `upper("x")`).
    static func fold(_ node: Node) -> Node {
        switch node {
        case .negate(.constant), .call(_, _), .list(_), .conditional(.constant, _, _):
            if node.isConstant { return .constant(node.evaluate([:])) }
            return node
        default:
            return node
        }
    }
}

extension Node {
    /// Whether the node reads no context.
    var isConstant: Bool {
        switch self {
        case .constant: true
        case .root, .path: false
        case .not(let operand), .negate(let operand): operand.isConstant
        case .and(let operands), .or(let operands), .list(let operands), .call(_, let operands):
            operands.allSatisfy(\.isConstant)
        case .arithmetic(let first, let steps): first.isConstant && steps.allSatisfy(\.operand.isConstant)
        case .comparison(let first, let steps): first.isConstant && steps.allSatisfy(\.operand.isConstant)
        case .power(let base, let exponent): base.isConstant && exponent.isConstant
        case .conditional(let condition, let then, let otherwise):
            condition.isConstant && then.isConstant && otherwise.isConstant
        }
    }
}
