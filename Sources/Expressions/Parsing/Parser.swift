/// Recursive-descent parser for the filtrex-style grammar, lowest precedence first:
///
/// ```
/// expression     := conditional END
/// conditional    := or ( "?" conditional ":" conditional )?
/// or             := and ( "or" and )*
/// and            := not ( "and" not )*
/// not            := "not" not | comparison
/// comparison     := additive ( ( "==" | "!=" | "<" | "<=" | ">" | ">=" | "in" | "not" "in" ) additive )*
/// additive       := multiplicative ( ( "+" | "-" ) multiplicative )*
/// multiplicative := unary ( ( "*" | "/" | "%" | "mod" ) unary )*
/// unary          := "-" unary | power
/// power          := primary ( "^" unary )?
/// primary        := NUMBER | STRING | "true" | "false" | "null" | path | NAME "(" arguments? ")"
///                 | "(" conditional ")" | "(" conditional ( "," conditional )+ ")"
///                 | "[" ( conditional ( "," conditional )* )? "]"
///                 | "if" conditional "then" conditional "else" conditional
/// path           := ( NAME | QUOTED ) ( "." ( NAME | QUOTED | DIGITS ) )*
/// ```
struct Parser {
    static let maximumDepth = 100

    var lexer: Lexer
    var token: Token
    /// The last token consumed, for messages such as "expected an operand after 'and'".
    var previous: Token?
    var depth = 0
    private(set) var paths: [ReferencedPath] = []

    init(_ source: String) throws(ExpressionError) {
        lexer = Lexer(source)
        token = Token(kind: .end, column: 1, length: 0)
        token = try lexer.next()
    }

    /// Parses the whole source.
    mutating func parse() throws(ExpressionError) -> Node {
        if case .end = token.kind {
            throw ExpressionError(column: 1, message: "empty expression")
        }
        let node = try conditional()
        switch token.kind {
        case .end:
            return node
        case .symbol(.rightParen), .symbol(.rightBracket):
            throw error(at: token, "unmatched '\(text(token))'")
        default:
            var message = "expected an operator or the end of the expression, found \(describe(token))"
            if case .name(let name) = token.kind, let keyword = Parser.operatorKeyword(matching: name) {
                message += " (did you mean '\(keyword)'?)"
            } else if token.isSymbol(.leftBracket), let previous, previous.endsPath {
                message += " (paths use dots: items.0, headers.'X-Id')"
            }
            throw error(at: token, message)
        }
    }

    // MARK: Precedence levels

    private mutating func conditional() throws(ExpressionError) -> Node {
        try enter(token)
        defer { depth -= 1 }
        let condition = try or()
        guard token.isSymbol(.question) else { return condition }
        let question = token
        try advance()
        let then = try conditional()
        try expect(.symbol(.colon), "':'", toComplete: question)
        let otherwise = try conditional()
        return Parser.fold(.conditional(condition, then, otherwise))
    }

    private mutating func or() throws(ExpressionError) -> Node {
        let first = try and()
        guard token.isKeyword(.or) else { return first }
        var operands = [first]
        while token.isKeyword(.or) {
            try advance()
            operands.append(try and())
        }
        return .or(operands)
    }

    private mutating func and() throws(ExpressionError) -> Node {
        let first = try not()
        guard token.isKeyword(.and) else { return first }
        var operands = [first]
        while token.isKeyword(.and) {
            try advance()
            operands.append(try not())
        }
        return .and(operands)
    }

    private mutating func not() throws(ExpressionError) -> Node {
        guard token.isKeyword(.not) else { return try comparison() }
        try enter(token)
        defer { depth -= 1 }
        try advance()
        return .not(try not())
    }

    private mutating func comparison() throws(ExpressionError) -> Node {
        let first = try additive()
        var steps: [ComparisonStep] = []
        while true {
            let op: ComparisonOperator
            switch token.kind {
            case .symbol(.equal): op = .equal
            case .symbol(.notEqual): op = .notEqual
            case .symbol(.less): op = .less
            case .symbol(.lessOrEqual): op = .lessOrEqual
            case .symbol(.greater): op = .greater
            case .symbol(.greaterOrEqual): op = .greaterOrEqual
            case .name(Keyword.in.rawValue): op = .in
            case .name(Keyword.not.rawValue): op = .notIn
            default:
                return steps.isEmpty ? first : .comparison(first, steps)
            }
            if op == .notIn {
                try advance()
                guard token.isKeyword(.in) else {
                    if case .end = token.kind {
                        throw ExpressionError(column: lexer.endColumn, message: "missing 'in' after 'not'")
                    }
                    throw error(at: token, "expected 'in' after 'not', found \(describe(token))")
                }
            }
            try advance()
            steps.append(ComparisonStep(op: op, operand: try additive()))
        }
    }

    private mutating func additive() throws(ExpressionError) -> Node {
        let first = try multiplicative()
        var steps: [ArithmeticStep] = []
        while true {
            let op: ArithmeticOperator
            switch token.kind {
            case .symbol(.plus): op = .add
            case .symbol(.minus): op = .subtract
            default: return steps.isEmpty ? first : .arithmetic(first, steps)
            }
            try advance()
            steps.append(ArithmeticStep(op: op, operand: try multiplicative()))
        }
    }

    private mutating func multiplicative() throws(ExpressionError) -> Node {
        let first = try unary()
        var steps: [ArithmeticStep] = []
        while true {
            let op: ArithmeticOperator
            switch token.kind {
            case .symbol(.star): op = .multiply
            case .symbol(.slash): op = .divide
            case .symbol(.percent), .name(Keyword.mod.rawValue): op = .modulo
            default: return steps.isEmpty ? first : .arithmetic(first, steps)
            }
            try advance()
            steps.append(ArithmeticStep(op: op, operand: try unary()))
        }
    }

    private mutating func unary() throws(ExpressionError) -> Node {
        guard token.isSymbol(.minus) else { return try power() }
        try enter(token)
        defer { depth -= 1 }
        try advance()
        return Parser.fold(.negate(try unary()))
    }

    private mutating func power() throws(ExpressionError) -> Node {
        let base = try primary()
        guard token.isSymbol(.caret) else { return base }
        try enter(token)
        defer { depth -= 1 }
        try advance()
        return .power(base, try unary())
    }

    // MARK: Operands

    private mutating func primary() throws(ExpressionError) -> Node {
        let start = token
        switch start.kind {
        case .number(let number):
            try advance()
            return .constant(.number(number))
        case .string(let string):
            try advance()
            return .constant(.string(string))
        case .name(let name):
            switch Keyword(rawValue: name) {
            case .true?:
                try advance()
                return .constant(.bool(true))
            case .false?:
                try advance()
                return .constant(.bool(false))
            case .null?:
                try advance()
                return .constant(.null)
            case .if?:
                return try ifThenElse()
            case .some:
                throw missingOperand()
            case nil:
                try advance()
                if token.isSymbol(.leftParen) {
                    return try call(name, at: start)
                }
                return try path(startingWith: name, at: start)
            }
        case .quotedName(let name):
            try advance()
            return try path(startingWith: name, at: start)
        case .symbol(.leftParen):
            return try parenthesised()
        case .symbol(.leftBracket):
            return try bracketed()
        default:
            throw missingOperand()
        }
    }

    private mutating func path(startingWith root: String, at start: Token) throws(ExpressionError) -> Node {
        var rest: [String] = []
        while token.isSymbol(.dot) {
            try advance()
            switch token.kind {
            case .name(let segment), .quotedName(let segment), .index(let segment):
                rest.append(segment)
                try advance()
            case .end:
                throw ExpressionError(column: lexer.endColumn, message: "expected a name after '.'")
            default:
                throw error(at: token, "expected a name after '.', found \(describe(token))")
            }
        }
        if token.isSymbol(.leftParen), !rest.isEmpty {
            let written = ReferencedPath(segments: [root] + rest, column: start.column).description
            throw error(at: start, "'\(written)' is not a function (functions are called by name, as in lower(event.name))")
        }
        paths.append(ReferencedPath(segments: [root] + rest, column: start.column))
        return rest.isEmpty ? .root(root) : .path(root, rest)
    }

    private mutating func call(_ name: String, at start: Token) throws(ExpressionError) -> Node {
        guard let function = Builtin(rawValue: name) else {
            var message = "unknown function '\(name)'"
            if let suggestion = Parser.suggestFunction(for: name) {
                message += " (did you mean '\(suggestion)'?)"
            }
            throw error(at: start, message)
        }
        let open = token
        try advance()
        var arguments: [Node] = []
        if !token.isSymbol(.rightParen) {
            arguments.append(try conditional())
            while token.isSymbol(.comma) {
                try advance()
                arguments.append(try conditional())
            }
            try expectClosing(.rightParen, opener: open, separatorContext: "in the arguments of '\(name)'")
        } else {
            try advance()
        }
        let (minimum, maximum) = function.arity
        if arguments.count < minimum || maximum.map({ arguments.count > $0 }) == true {
            let expected: String
            if let maximum, maximum == minimum {
                expected = "\(minimum) argument" + (minimum == 1 ? "" : "s")
            } else {
                expected = "at least \(minimum) argument" + (minimum == 1 ? "" : "s")
            }
            throw error(at: start, "\(name)() takes \(expected), got \(arguments.count)")
        }
        return Parser.fold(.call(function, arguments))
    }

    /// `( e )` is grouping; `( e, e, ... )` is a list.
    private mutating func parenthesised() throws(ExpressionError) -> Node {
        let open = token
        try advance()
        let first = try conditional()
        if token.isSymbol(.rightParen) {
            try advance()
            return first
        }
        guard token.isSymbol(.comma) else {
            try expectClosing(.rightParen, opener: open, separatorContext: nil)
            return first
        }
        var elements = [first]
        while token.isSymbol(.comma) {
            try advance()
            elements.append(try conditional())
        }
        try expectClosing(.rightParen, opener: open, separatorContext: "in the list")
        return Parser.fold(.list(elements))
    }

    /// `[ ]`, `[ e ]`, `[ e, e, ... ]`: always a list.
    private mutating func bracketed() throws(ExpressionError) -> Node {
        let open = token
        try advance()
        var elements: [Node] = []
        if !token.isSymbol(.rightBracket) {
            elements.append(try conditional())
            while token.isSymbol(.comma) {
                try advance()
                elements.append(try conditional())
            }
            try expectClosing(.rightBracket, opener: open, separatorContext: "in the list")
        } else {
            try advance()
        }
        return Parser.fold(.list(elements))
    }

    /// `if c then a else b` (filtrex 3's spelling of `c ? a : b`).
    private mutating func ifThenElse() throws(ExpressionError) -> Node {
        let start = token
        try advance()
        let condition = try conditional()
        try expect(.name(Keyword.then.rawValue), "'then'", toComplete: start)
        let then = try conditional()
        try expect(.name(Keyword.else.rawValue), "'else'", toComplete: start)
        let otherwise = try conditional()
        return Parser.fold(.conditional(condition, then, otherwise))
    }
}
