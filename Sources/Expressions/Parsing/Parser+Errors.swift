extension Parser {
    // MARK: Expectations and errors

    mutating func advance() throws(ExpressionError) {
        previous = token
        token = try lexer.next()
    }

    /// Counts one level of nesting; past the limit the expression is refused, not recursed into.
    mutating func enter(_ at: Token) throws(ExpressionError) {
        depth += 1
        if depth > Parser.maximumDepth {
            throw ExpressionError(
                column: at.column,
                message: "expression is nested too deeply (more than \(Parser.maximumDepth) levels)")
        }
    }

    mutating func expect(_ kind: Token.Kind, _ shown: String, toComplete opener: Token) throws(ExpressionError) {
        if token.kind == kind {
            try advance()
            return
        }
        let what = "\(shown) to complete '\(text(opener))' at column \(opener.column)"
        if case .end = token.kind {
            throw ExpressionError(column: lexer.endColumn, message: "missing \(what)")
        }
        throw error(at: token, "expected \(what), found \(describe(token))")
    }

    /// Expects the closing bracket of `opener`. With `separatorContext` (inside a list or
    /// arguments), a wrong token is reported as "expected ',' or ')' <context>".
    mutating func expectClosing(_ closer: Symbol, opener: Token, separatorContext: String?) throws(ExpressionError) {
        if token.isSymbol(closer) {
            try advance()
            return
        }
        let close = "'\(closer.rawValue)' to close '\(text(opener))' at column \(opener.column)"
        if case .end = token.kind {
            throw ExpressionError(column: lexer.endColumn, message: "missing \(close)")
        }
        if let separatorContext {
            throw error(at: token, "expected ',' or '\(closer.rawValue)' \(separatorContext), found \(describe(token))")
        }
        throw error(at: token, "expected \(close), found \(describe(token))")
    }

    func missingOperand() -> ExpressionError {
        guard let previous else {
            return error(at: token, "expected an operand, found \(describe(token))")
        }
        if case .end = token.kind {
            return ExpressionError(column: lexer.endColumn, message: "expected an operand after '\(text(previous))'")
        }
        return error(at: token, "expected an operand after '\(text(previous))', found \(describe(token))")
    }

    func error(at token: Token, _ message: String) -> ExpressionError {
        ExpressionError(column: token.column, message: message)
    }

    func text(_ token: Token) -> String { lexer.text(of: token) }

    /// A found token as a message shows it: `'foo'`, `')'`, `the string "NL"`, `the end`.
    func describe(_ token: Token) -> String {
        switch token.kind {
        case .end:
            return "the end of the expression"
        case .string:
            var written = text(token)
            if written.unicodeScalars.count > 24 {
                written = String(String.UnicodeScalarView(written.unicodeScalars.prefix(20))) + "…\""
            }
            return "the string \(written)"
        default:
            return "'\(text(token))'"
        }
    }
}
