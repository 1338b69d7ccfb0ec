import Expressions
import Testing

/// One source that must fail to parse, with the exact error it must give.
struct ErrorCase: Sendable, CustomTestStringConvertible {
    let source: String
    let column: Int
    let message: String

    init(_ source: String, _ column: Int, _ message: String) {
        self.source = source
        self.column = column
        self.message = message
    }

    var testDescription: String { source.isEmpty ? "(empty)" : source }
}

/// The error `source` gives, or `nil` when it parses.
func parseError(_ source: String) -> ExpressionError? {
    do {
        _ = try Expression(source)
        return nil
    } catch {
        return error
    }
}

@Suite("Parse errors: exact message and column")
struct ParseErrorTests {
    @Test("empty expression", arguments: [
        ErrorCase("", 1, "empty expression"),
        ErrorCase("   ", 1, "empty expression"),
        ErrorCase("\n\t", 1, "empty expression"),
    ])
    func empty(_ c: ErrorCase) {
        #expect(parseError(c.source) == ExpressionError(column: c.column, message: c.message))
    }

    @Test("missing or unexpected operand", arguments: [
        ErrorCase("event.x and", 12, "expected an operand after 'and'"),
        ErrorCase("event.x and )", 13, "expected an operand after 'and', found ')'"),
        ErrorCase(")", 1, "expected an operand, found ')'"),
        ErrorCase("== 1", 1, "expected an operand, found '=='"),
        ErrorCase("x in", 5, "expected an operand after 'in'"),
        ErrorCase("x == == y", 6, "expected an operand after '==', found '=='"),
        ErrorCase("()", 2, "expected an operand after '(', found ')'"),
        ErrorCase("(1, 2,)", 7, "expected an operand after ',', found ')'"),
        ErrorCase("5 +", 4, "expected an operand after '+'"),
        ErrorCase("not", 4, "expected an operand after 'not'"),
        ErrorCase("not in x", 5, "expected an operand after 'not', found 'in'"),
        ErrorCase("a and or b", 7, "expected an operand after 'and', found 'or'"),
        ErrorCase("a == not b", 6, "expected an operand after '==', found 'not'"),
        ErrorCase("+1", 1, "expected an operand, found '+'"),
        ErrorCase("x == \"a\" + ", 12, "expected an operand after '+'"),
        ErrorCase("a ? : b", 5, "expected an operand after '?', found ':'"),
    ])
    func operand(_ c: ErrorCase) {
        #expect(parseError(c.source) == ExpressionError(column: c.column, message: c.message))
    }

    @Test("trailing input", arguments: [
        ErrorCase("event.x == 1 event.y", 14, "expected an operator or the end of the expression, found 'event'"),
        ErrorCase("a AND b", 3, "expected an operator or the end of the expression, found 'AND' (did you mean 'and'?)"),
        ErrorCase("a Or b", 3, "expected an operator or the end of the expression, found 'Or' (did you mean 'or'?)"),
        ErrorCase("1 2", 3, "expected an operator or the end of the expression, found '2'"),
        ErrorCase("x \"a\"", 3, "expected an operator or the end of the expression, found the string \"a\""),
        ErrorCase("a : b", 3, "expected an operator or the end of the expression, found ':'"),
        ErrorCase("a then b", 3, "expected an operator or the end of the expression, found 'then'"),
        ErrorCase("true(1)", 5, "expected an operator or the end of the expression, found '('"),
        ErrorCase("event.items[0].sku", 12, "expected an operator or the end of the expression, found '[' (paths use dots: items.0, headers.'X-Id')"),
        ErrorCase("event[\"odd-key\"]", 6, "expected an operator or the end of the expression, found '[' (paths use dots: items.0, headers.'X-Id')"),
        ErrorCase("true [1]", 6, "expected an operator or the end of the expression, found '['"),
        ErrorCase(
            "x == \"a very long string literal indeed\" \"another long string literal\"", 42,
            "expected an operator or the end of the expression, found the string \"another long string…\""),
    ])
    func trailing(_ c: ErrorCase) {
        #expect(parseError(c.source) == ExpressionError(column: c.column, message: c.message))
    }

    @Test("unbalanced parentheses and brackets", arguments: [
        ErrorCase("(event.x == 1", 14, "missing ')' to close '(' at column 1"),
        ErrorCase("((a)", 5, "missing ')' to close '(' at column 1"),
        ErrorCase("event.x == 1)", 13, "unmatched ')'"),
        ErrorCase("(a))", 4, "unmatched ')'"),
        ErrorCase("a]", 2, "unmatched ']'"),
        ErrorCase("(event.x]", 9, "expected ')' to close '(' at column 1, found ']'"),
        ErrorCase("(a b)", 4, "expected ')' to close '(' at column 1, found 'b'"),
        ErrorCase("[1, 2", 6, "missing ']' to close '[' at column 1"),
        ErrorCase("[1, 2)", 6, "expected ',' or ']' in the list, found ')'"),
        ErrorCase("x in (\"NL\", \"BE\" \"DE\")", 18, "expected ',' or ')' in the list, found the string \"DE\""),
        ErrorCase("lower(event.x", 14, "missing ')' to close '(' at column 6"),
        ErrorCase("lower(event.x event.y)", 15, "expected ',' or ')' in the arguments of 'lower', found 'event'"),
        ErrorCase("includes(a, b", 14, "missing ')' to close '(' at column 9"),
    ])
    func parentheses(_ c: ErrorCase) {
        #expect(parseError(c.source) == ExpressionError(column: c.column, message: c.message))
    }

    @Test("strings and quoted names", arguments: [
        ErrorCase("event.name == \"abc", 15, "unterminated string: no closing '\"'"),
        ErrorCase("\"", 1, "unterminated string: no closing '\"'"),
        ErrorCase("\"abc\\\"", 1, "unterminated string: no closing '\"'"),
        ErrorCase("\"abc\\", 1, "unterminated string: no closing '\"'"),
        ErrorCase("event.'content-type == 1", 7, "unterminated quoted name: no closing \"'\""),
        ErrorCase("\"a\\qb\"", 3, "invalid escape '\\q' in string"),
        ErrorCase("'a\\x'", 3, "invalid escape '\\x' in quoted name"),
        ErrorCase("\"\\u12\"", 2, "invalid escape '\\u12' in string: expected 4 hexadecimal digits after '\\u'"),
        ErrorCase("\"\\uZZZZ\"", 2, "invalid escape '\\u' in string: expected 4 hexadecimal digits after '\\u'"),
        ErrorCase("\"\\uD800\"", 2, "invalid escape '\\uD800' in string: unpaired surrogate"),
        ErrorCase("\"\\uD800\\u0041\"", 2, "invalid escape '\\uD800' in string: unpaired surrogate"),
        ErrorCase("\"\\uDC00\"", 2, "invalid escape '\\uDC00' in string: unpaired surrogate"),
    ])
    func strings(_ c: ErrorCase) {
        #expect(parseError(c.source) == ExpressionError(column: c.column, message: c.message))
    }

    @Test("numbers", arguments: [
        ErrorCase("1.2.3 == x", 1, "invalid number '1.2.3'"),
        ErrorCase("x == 1.", 6, "invalid number '1.'"),
        ErrorCase("1e", 1, "invalid number '1e'"),
        ErrorCase("1e+ 2", 1, "invalid number '1e+'"),
        ErrorCase("x > 12abc", 5, "invalid number '12abc'"),
        ErrorCase("2mod 3", 1, "invalid number '2mod'"),
        ErrorCase("x > .5", 5, "invalid number '.5' (write '0.5')"),
        ErrorCase("1e999", 1, "number '1e999' is out of range"),
    ])
    func numbers(_ c: ErrorCase) {
        #expect(parseError(c.source) == ExpressionError(column: c.column, message: c.message))
    }

    @Test("functions: unknown names and arity", arguments: [
        ErrorCase("lowr(event.x)", 1, "unknown function 'lowr' (did you mean 'lower'?)"),
        ErrorCase("x and Lower(event.x)", 7, "unknown function 'Lower' (did you mean 'lower'?)"),
        ErrorCase("startswith(a, b)", 1, "unknown function 'startswith' (did you mean 'startsWith'?)"),
        ErrorCase("len(event.items) > 0", 1, "unknown function 'len' (did you mean 'length'?)"),
        ErrorCase("contains(a, b)", 1, "unknown function 'contains' (did you mean 'includes'?)"),
        ErrorCase("lowercase(a)", 1, "unknown function 'lowercase' (did you mean 'lower'?)"),
        ErrorCase("incldues(a, b)", 1, "unknown function 'incldues' (did you mean 'includes'?)"),
        ErrorCase("frobnicate(1)", 1, "unknown function 'frobnicate'"),
        ErrorCase("random()", 1, "unknown function 'random'"),
        ErrorCase("lower(1, 2)", 1, "lower() takes 1 argument, got 2"),
        ErrorCase("x == upper()", 6, "upper() takes 1 argument, got 0"),
        ErrorCase("includes(\"a\")", 1, "includes() takes 2 arguments, got 1"),
        ErrorCase("startsWith(a, b, c)", 1, "startsWith() takes 2 arguments, got 3"),
        ErrorCase("max()", 1, "max() takes at least 1 argument, got 0"),
        ErrorCase("event.lower(x)", 1, "'event.lower' is not a function (functions are called by name, as in lower(event.name))"),
    ])
    func functions(_ c: ErrorCase) {
        #expect(parseError(c.source) == ExpressionError(column: c.column, message: c.message))
    }

    @Test("characters and operators from other languages", arguments: [
        ErrorCase("a && b", 3, "unexpected '&&' (write 'and')"),
        ErrorCase("a || b", 3, "unexpected '||' (write 'or')"),
        ErrorCase("!a", 1, "unexpected '!' (write 'not')"),
        ErrorCase("a = 1", 3, "unexpected '=' (write '==' to compare)"),
        ErrorCase("a === 1", 5, "unexpected '=' (write '==' to compare)"),
        ErrorCase("a ~= \"x.*\"", 3, "the regular-expression operator '~=' is not supported (use includes(), startsWith() or endsWith())"),
        ErrorCase("a # b", 3, "unexpected character '#'"),
        ErrorCase("a & b", 3, "unexpected character '&'"),
        ErrorCase("a\u{00A0}== b", 2, "unexpected character U+00A0"),
        ErrorCase("a == b\u{7}", 7, "unexpected character U+0007"),
        ErrorCase("café == 1", 4, "unexpected character 'é' (quote a name with other characters in single quotes: 'name')"),
    ])
    func characters(_ c: ErrorCase) {
        #expect(parseError(c.source) == ExpressionError(column: c.column, message: c.message))
    }

    @Test("conditionals, not in, and paths", arguments: [
        ErrorCase("a ? b", 6, "missing ':' to complete '?' at column 3"),
        ErrorCase("a ? b c", 7, "expected ':' to complete '?' at column 3, found 'c'"),
        ErrorCase("if a then b", 12, "missing 'else' to complete 'if' at column 1"),
        ErrorCase("if a b else c", 6, "expected 'then' to complete 'if' at column 1, found 'b'"),
        ErrorCase("x == 1 or if a", 15, "missing 'then' to complete 'if' at column 11"),
        ErrorCase("a not b", 7, "expected 'in' after 'not', found 'b'"),
        ErrorCase("a not", 6, "missing 'in' after 'not'"),
        ErrorCase("event.", 7, "expected a name after '.'"),
        ErrorCase("event.(x)", 7, "expected a name after '.', found '('"),
        ErrorCase("event..x", 7, "expected a name after '.', found '.'"),
        ErrorCase("event.\"x\"", 7, "expected a name after '.', found the string \"x\""),
        ErrorCase(". == 1", 1, "expected an operand, found '.'"),
    ])
    func structure(_ c: ErrorCase) {
        #expect(parseError(c.source) == ExpressionError(column: c.column, message: c.message))
    }

    @Test("columns count Unicode scalars from the start, across lines")
    func columnsAcrossLines() {
        #expect(parseError("event.x == \"é\" and\n  )") == ExpressionError(column: 22, message: "expected an operand after 'and', found ')'"))
        #expect(parseError("\"日本\" == x y") == ExpressionError(column: 11, message: "expected an operator or the end of the expression, found 'y'"))
    }

    @Test("the first error in source order wins")
    func firstErrorWins() {
        // The bad operand comes before the unterminated string.
        #expect(parseError("a == == \"abc") == ExpressionError(column: 6, message: "expected an operand after '==', found '=='"))
        // The unknown function comes before the arity problem inside it.
        #expect(parseError("lowr(lower())") == ExpressionError(column: 1, message: "unknown function 'lowr' (did you mean 'lower'?)"))
    }

    @Test("ExpressionError renders its column")
    func rendering() {
        #expect(ExpressionError(column: 7, message: "unmatched ')'").description == "column 7: unmatched ')'")
    }
}
