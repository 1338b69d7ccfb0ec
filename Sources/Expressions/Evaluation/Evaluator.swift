import Foundation

/// Evaluation of a compiled expression against the values of its root names.
///
/// Total by construction: every operator and function is defined for every combination of
/// values (a mismatch gives `null` or `false`), so evaluation never throws or traps.
extension Node {
    func evaluate(_ context: [String: Value]) -> Value {
        switch self {
        case .constant(let value):
            return value
        case .root(let name):
            return Node.lookUp(name, in: context)
        case .path(let root, let rest):
            var current = Node.lookUp(root, in: context)
            for segment in rest {
                current = current.member(segment)
                if case .null = current { return .null }
            }
            return current
        case .not(let operand):
            return .bool(!operand.evaluate(context).isTruthy)
        case .negate(let operand):
            if case .number(let number) = operand.evaluate(context) { return .number(-number) }
            return .null
        case .and(let operands):
            for operand in operands where !operand.evaluate(context).isTruthy { return .bool(false) }
            return .bool(true)
        case .or(let operands):
            for operand in operands where operand.evaluate(context).isTruthy { return .bool(true) }
            return .bool(false)
        case .arithmetic(let first, let steps):
            var result = first.evaluate(context)
            for step in steps {
                if case .null = result { return .null }
                result = step.op.apply(result, step.operand.evaluate(context))
            }
            return result
        case .power(let base, let exponent):
            guard case .number(let b) = base.evaluate(context), case .number(let e) = exponent.evaluate(context) else {
                return .null
            }
            return Value.finite(pow(b, e))
        case .comparison(let first, let steps):
            var left = first.evaluate(context)
            for step in steps {
                let right = step.operand.evaluate(context)
                if !step.op.holds(left, right) { return .bool(false) }
                left = right
            }
            return .bool(true)
        case .conditional(let condition, let then, let otherwise):
            return condition.evaluate(context).isTruthy ? then.evaluate(context) : otherwise.evaluate(context)
        case .list(let elements):
            return .array(elements.map { $0.evaluate(context) })
        case .call(let function, let arguments):
            if function.isVariadic { return function.apply(variadic: arguments.map { $0.evaluate(context) }) }
            let first = arguments[0].evaluate(context)
            return function.apply(first, arguments.count > 1 ? arguments[1].evaluate(context) : .null)
        }
    }
}

extension Node {
    /// A root's value. Contexts are a handful of roots, so comparing names (short ASCII
    /// strings compare by their raw bits) is cheaper than hashing one.
    @inline(__always)
    static func lookUp(_ name: String, in context: [String: Value]) -> Value {
        if context.count <= 8 {
            for (key, value) in context where key == name { return value }
            return .null
        }
        return context[name] ?? .null
    }
}

extension ArithmeticOperator {
    /// Numbers only (and `+` on two strings, which concatenates); anything else, a division by
    /// zero or a result too large for a `Double` gives `null`.
    func apply(_ left: Value, _ right: Value) -> Value {
        guard case .number(let a) = left, case .number(let b) = right else {
            if self == .add, case .string(let a) = left, case .string(let b) = right { return .string(a + b) }
            return .null
        }
        switch self {
        case .add: return Value.finite(a + b)
        case .subtract: return Value.finite(a - b)
        case .multiply: return Value.finite(a * b)
        case .divide: return b == 0 ? .null : Value.finite(a / b)
        case .modulo:
            // Floored modulo, as filtrex 3's `mod`: the result has the divisor's sign (-1 mod 3 == 2).
            guard b != 0 else { return .null }
            var remainder = a.truncatingRemainder(dividingBy: b)
            if remainder != 0, (remainder < 0) != (b < 0) { remainder += b }
            return Value.finite(remainder)
        }
    }
}

extension ComparisonOperator {
    func holds(_ left: Value, _ right: Value) -> Bool {
        switch self {
        case .equal: return left == right
        case .notEqual: return left != right
        case .less: return Value.order(left, right).map { $0 < 0 } ?? false
        case .lessOrEqual: return Value.order(left, right).map { $0 <= 0 } ?? false
        case .greater: return Value.order(left, right).map { $0 > 0 } ?? false
        case .greaterOrEqual: return Value.order(left, right).map { $0 >= 0 } ?? false
        case .in: return Value.isMember(left, of: right)
        case .notIn: return !Value.isMember(left, of: right)
        }
    }
}

extension Value {
    /// Truthiness: `null`, `false`, `0`, `""`, `[]` and `{}` are false; everything else is true.
    public var isTruthy: Bool {
        switch self {
        case .null: false
        case .bool(let bool): bool
        case .number(let number): number != 0 && !number.isNaN
        case .string(let string): !string.isEmpty
        case .array(let elements): !elements.isEmpty
        case .object(let members): !members.isEmpty
        }
    }

    /// `-1`, `0` or `1` for two numbers or two strings; `nil` (unordered) for anything else.
    /// Strings compare by Unicode scalar values (of their canonical form), as Swift does.
    static func order(_ left: Value, _ right: Value) -> Int? {
        switch (left, right) {
        case (.number(let a), .number(let b)):
            return a < b ? -1 : (a > b ? 1 : (a == b ? 0 : nil))
        case (.string(let a), .string(let b)):
            return a < b ? -1 : (a == b ? 0 : 1)
        default:
            return nil
        }
    }

    /// `x in list`: membership when the right side is an array (an array on the left is in it
    /// when it is one of its elements, or when each of its elements is: filtrex's subset test);
    /// never a member of `null` (a missing list); otherwise the right side counts as a
    /// one-element list, so `x in ("NL")` means `x == "NL"`, as in filtrex.
    static func isMember(_ element: Value, of container: Value) -> Bool {
        switch (element, container) {
        case (_, .null):
            return false
        case (.array(let elements), .array(let candidates)):
            return candidates.contains(element) || elements.allSatisfy(candidates.contains)
        case (_, .array(let candidates)):
            return candidates.contains(element)
        default:
            return element == container
        }
    }

    static func finite(_ number: Double) -> Value {
        number.isFinite ? .number(number) : .null
    }
}
