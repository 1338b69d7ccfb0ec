/// The functions an expression may call. The set is fixed: an unknown name is a parse error.
///
/// Every function is total: an argument of the wrong type gives `null` (or `false` for the
/// predicates), never an error.
enum Builtin: String, Sendable, CaseIterable {
    case lower, upper, trim
    case includes, startsWith, endsWith
    case length, exists
    case abs, ceil, floor, round, min, max
    case number, string

    /// How many arguments the function takes: `(minimum, maximum)`, maximum `nil` = any number.
    var arity: (minimum: Int, maximum: Int?) {
        switch self {
        case .lower, .upper, .trim, .length, .exists, .abs, .ceil, .floor, .round, .number, .string: (1, 1)
        case .includes, .startsWith, .endsWith: (2, 2)
        case .min, .max: (1, nil)
        }
    }

    /// Names people reach for that mean one of ours, for "did you mean".
    static let aliases: [String: Builtin] = [
        "len": .length, "size": .length, "count": .length,
        "contains": .includes, "has": .includes,
        "lowercase": .lower, "toLowerCase": .lower, "downcase": .lower,
        "uppercase": .upper, "toUpperCase": .upper, "upcase": .upper,
        "strip": .trim, "defined": .exists, "isDefined": .exists,
        "toNumber": .number, "parseFloat": .number, "float": .number, "int": .number,
        "str": .string, "toString": .string,
    ]

    /// Whether the function takes any number of arguments (then it is applied with
    /// ``apply(variadic:)``; the others with ``apply(_:_:)``, without building an array).
    var isVariadic: Bool { arity.maximum == nil }

    /// Applies `min` or `max` to its arguments.
    func apply(variadic arguments: [Value]) -> Value {
        switch self {
        case .min: Builtin.extreme(arguments, by: <)
        case .max: Builtin.extreme(arguments, by: >)
        default: apply(arguments.first ?? .null, arguments.count > 1 ? arguments[1] : .null)
        }
    }

    /// Applies a function of one or two arguments (`second` is `null` for one).
    func apply(_ first: Value, _ second: Value) -> Value {
        switch self {
        case .lower:
            if case .string(let text) = first { return .string(text.lowercased()) }
            return .null
        case .upper:
            if case .string(let text) = first { return .string(text.uppercased()) }
            return .null
        case .trim:
            if case .string(let text) = first {
                return .string(String(text.unicodeScalars.trimmingWhitespace()))
            }
            return .null
        case .includes:
            return .bool(Builtin.includes(first, second))
        case .startsWith:
            if case .string(let text) = first, case .string(let prefix) = second {
                return .bool(text.hasPrefix(prefix))
            }
            return .bool(false)
        case .endsWith:
            if case .string(let text) = first, case .string(let suffix) = second {
                return .bool(text.hasSuffix(suffix))
            }
            return .bool(false)
        case .length:
            switch first {
            case .string(let text): return .number(Double(text.unicodeScalars.count))
            case .array(let elements): return .number(Double(elements.count))
            case .object(let members): return .number(Double(members.count))
            default: return .null
            }
        case .exists:
            if case .null = first { return .bool(false) }
            return .bool(true)
        case .abs: return Builtin.numeric(first) { Swift.abs($0) }
        case .ceil: return Builtin.numeric(first) { $0.rounded(.up) }
        case .floor: return Builtin.numeric(first) { $0.rounded(.down) }
        case .round: return Builtin.numeric(first) { $0.rounded(.toNearestOrAwayFromZero) }
        case .min: return Builtin.extreme([first], by: <)
        case .max: return Builtin.extreme([first], by: >)
        case .number: return Builtin.toNumber(first)
        case .string: return Builtin.toString(first)
        }
    }

    /// Substring for two strings (an empty needle is found everywhere); element membership
    /// for an array haystack; `false` for anything else.
    private static func includes(_ haystack: Value, _ needle: Value) -> Bool {
        switch (haystack, needle) {
        case (.string(let text), .string(let part)):
            return part.isEmpty || text.contains(part)
        case (.array(let elements), _):
            return elements.contains(needle)
        default:
            return false
        }
    }

    private static func numeric(_ value: Value, _ transform: (Double) -> Double) -> Value {
        if case .number(let number) = value { return .number(transform(number)) }
        return .null
    }

    /// `min(a, b, ...)` / `max(...)` over numbers, or over one array of numbers;
    /// `null` if any value is not a number or there are none.
    private static func extreme(_ arguments: [Value], by isBetter: (Double, Double) -> Bool) -> Value {
        var values = arguments[...]
        if arguments.count == 1, case .array(let elements) = arguments[0] { values = elements[...] }
        var best: Double?
        for value in values {
            guard case .number(let number) = value else { return .null }
            if best == nil || isBetter(number, best!) { best = number }
        }
        return best.map(Value.number) ?? .null
    }

    /// Numbers as they are; decimal strings such as `"1200"`, `" -1.5e3 "`; `true`/`false` as 1/0.
    private static func toNumber(_ value: Value) -> Value {
        switch value {
        case .number: return value
        case .bool(let bool): return .number(bool ? 1 : 0)
        case .string(let text):
            let trimmed = String(text.unicodeScalars.trimmingWhitespace())
            let allowed = trimmed.unicodeScalars.allSatisfy {
                Lexer.isDigit($0) || $0 == "." || $0 == "-" || $0 == "+" || $0 == "e" || $0 == "E"
            }
            guard allowed, let number = Double(trimmed), number.isFinite else { return .null }
            return .number(number)
        default: return .null
        }
    }

    /// Strings as they are; numbers as written in JSON (`3`, `1.5`); `"true"`/`"false"`;
    /// arrays and objects as compact JSON; `null` stays `null`.
    private static func toString(_ value: Value) -> Value {
        switch value {
        case .null: return .null
        case .string: return value
        case .number(let number): return .string(Value.format(number))
        case .bool(let bool): return .string(bool ? "true" : "false")
        case .array, .object: return .string(value.description)
        }
    }
}

extension String.UnicodeScalarView {
    /// Without leading and trailing Unicode whitespace.
    fileprivate func trimmingWhitespace() -> Substring.UnicodeScalarView {
        let view = self[...]
        guard let first = view.firstIndex(where: { !$0.properties.isWhitespace }) else { return view[view.endIndex...] }
        let last = view.lastIndex(where: { !$0.properties.isWhitespace })!
        return view[first...last]
    }
}
