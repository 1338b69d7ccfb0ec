/// One lexical token of an expression, with where it starts and how long it is.
struct Token: Sendable {
    enum Kind: Sendable, Equatable {
        /// A number literal, already converted.
        case number(Double)
        /// A double-quoted string literal, escapes resolved.
        case string(String)
        /// An unquoted name: a path segment, a function name, or a keyword (`and`, `true`, ...).
        case name(String)
        /// A single-quoted name (`'content-type'`), escapes resolved: always a path segment.
        case quotedName(String)
        /// Digits directly after a `.` in a path (`items.0`): an array index segment.
        case index(String)
        case symbol(Symbol)
        case end
    }

    let kind: Kind
    /// 1-based column of the first scalar.
    let column: Int
    /// Length in Unicode scalars.
    let length: Int

    func isSymbol(_ symbol: Symbol) -> Bool { kind == .symbol(symbol) }

    func isKeyword(_ keyword: Keyword) -> Bool { kind == .name(keyword.rawValue) }

    /// Whether the token can be the last segment of a path.
    var endsPath: Bool {
        switch kind {
        case .name(let name): Keyword(rawValue: name) == nil
        case .quotedName, .index: true
        default: false
        }
    }
}

/// Punctuation and operator symbols.
enum Symbol: String, Sendable {
    case leftParen = "(", rightParen = ")", leftBracket = "[", rightBracket = "]"
    case comma = ",", dot = ".", question = "?", colon = ":"
    case plus = "+", minus = "-", star = "*", slash = "/", percent = "%", caret = "^"
    case equal = "==", notEqual = "!=", less = "<", lessOrEqual = "<=", greater = ">", greaterOrEqual = ">="
}

/// Reserved words. They may still be used as path segments after a dot (`event.in`).
enum Keyword: String, Sendable, CaseIterable {
    case and, or, not, `in`, mod, `if`, then, `else`, `true`, `false`, null
}
