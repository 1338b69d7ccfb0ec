@testable import Expressions
import Testing

/// The parenthesised tree of `source`.
func structure(_ source: String) throws -> String {
    try Expression(source).structure
}

@Suite("Precedence and associativity (filtrex order)")
struct PrecedenceTests {
    @Test("or < and < not < comparison/in < additive < multiplicative < unary < power", arguments: [
        ("a or b and c", "(a or (b and c))"),
        ("a and b or c", "((a and b) or c)"),
        ("a or b or c", "(a or b or c)"),
        ("not a and b", "((not a) and b)"),
        ("not a or not b", "((not a) or (not b))"),
        ("not a == b", "(not (a == b))"),
        ("not a in (1, 2)", "(not (a in [1, 2]))"),
        ("not not a", "(not (not a))"),
        ("a == b and c != d", "((a == b) and (c != d))"),
        ("a + b == c * d", "((a + b) == (c * d))"),
        ("a + b in c", "((a + b) in c)"),
        ("1 + 2 * 3", "(1 + (2 * 3))"),
        ("(1 + 2) * 3", "((1 + 2) * 3)"),
        ("a - b - c", "(a - b - c)"),
        ("a * b / c mod d % e", "(a * b / c mod d mod e)"),
        ("a + b * c - d", "(a + (b * c) - d)"),
        ("-a * b", "((-a) * b)"),
        ("-a ^ 2", "(-(a ^ 2))"),
        ("-2 ^ 2", "(-(2 ^ 2))"),
        ("2 ^ 3 ^ 2", "(2 ^ (3 ^ 2))"),
        ("2 ^ -1", "(2 ^ -1)"),
        ("a * b ^ c", "(a * (b ^ c))"),
        ("- - a", "(-(-a))"),
        ("-5", "-5"),
    ])
    func levels(_ source: String, _ expected: String) throws {
        #expect(try structure(source) == expected)
    }

    @Test("comparisons chain (a < b <= c means a < b and b <= c)", arguments: [
        ("a < b <= c", "(a < b <= c)"),
        ("a == b == c", "(a == b == c)"),
        ("a < b in c", "(a < b in c)"),
        ("a not in b", "(a not in b)"),
        ("x not in (\"NL\", \"BE\")", "(x not in [\"NL\", \"BE\"])"),
        ("x in [\"NL\"]", "(x in [\"NL\"])"),
        ("x in (\"NL\")", "(x in \"NL\")"),
    ])
    func chains(_ source: String, _ expected: String) throws {
        #expect(try structure(source) == expected)
    }

    @Test("the conditional is lowest and right-associative, in both spellings", arguments: [
        ("a ? b : c", "(a ? b : c)"),
        ("a or b ? c : d", "((a or b) ? c : d)"),
        ("a ? b : c ? d : e", "(a ? b : (c ? d : e))"),
        ("a ? b ? c : d : e", "(a ? (b ? c : d) : e)"),
        ("x > 1 ? \"big\" : \"small\"", "((x > 1) ? \"big\" : \"small\")"),
        ("if a then b else c", "(a ? b : c)"),
        ("if a then b else c or d", "(a ? b : (c or d))"),
        ("if a then b else if c then d else e", "(a ? b : (c ? d : e))"),
        ("1 + if a then 2 else 3 + 4", "(1 + (a ? 2 : (3 + 4)))"),
    ])
    func conditional(_ source: String, _ expected: String) throws {
        #expect(try structure(source) == expected)
    }

    @Test("operands: literals, paths, calls, lists", arguments: [
        ("event.customer.tier", "event.customer.tier"),
        ("event.'content-type'", "event.'content-type'"),
        ("event.items.0.name", "event.items.0.name"),
        ("event.in.not.if", "event.in.not.if"),
        ("'odd key'", "'odd key'"),
        ("lower(event.x)", "lower(event.x)"),
        ("includes(event.labels, \"bug\")", "includes(event.labels, \"bug\")"),
        ("[]", "[]"),
        ("[1, [2, 3]]", "[1, [2, 3]]"),
        ("(1, \"a\", true, null)", "[1, \"a\", true, null]"),
        ("[event.a, 1]", "[event.a, 1]"),
        ("1.5e3", "1500"),
        ("0.25", "0.25"),
        ("\"tab\\there\"", "\"tab\\there\""),
    ])
    func operands(_ source: String, _ expected: String) throws {
        #expect(try structure(source) == expected)
    }

    @Test("constant sub-expressions are folded once, at parse time", arguments: [
        ("upper(\"nl\")", "\"NL\""),
        ("(\"NL\", lower(\"BE\"))", "[\"NL\", \"be\"]"),
        ("x in (-1, 2)", "(x in [-1, 2])"),
        ("max(1, 5, 3)", "5"),
    ])
    func folding(_ source: String, _ expected: String) throws {
        #expect(try structure(source) == expected)
    }

    @Test("keywords are case-sensitive and lower-case; after a dot they are plain names")
    func keywords() throws {
        #expect(try structure("event.and == event.or") == "(event.and == event.or)")
        #expect(try structure("event.true") == "event.true")
        #expect(try structure("true") == "true")
        #expect(try structure("True") == "True")
    }

    @Test("whitespace, including line breaks, separates tokens anywhere")
    func whitespace() throws {
        #expect(try structure("event.amount>1000 and\nevent.x<=2") == "((event.amount > 1000) and (event.x <= 2))")
        #expect(try structure("  a\n  and\tb  ") == "(a and b)")
    }
}
