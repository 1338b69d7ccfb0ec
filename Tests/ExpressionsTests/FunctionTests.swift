import Expressions
import Testing

@Suite("Built-in functions")
struct FunctionTests {
    @Test("strings: lower, upper, trim", arguments: [
        ("lower(event.status)", Value.string("active")),
        ("upper(\"straße\")", .string("STRASSE")),
        ("lower(\"ÀÉÎ\")", .string("àéî")),
        ("trim(\"  padded \\n\")", .string("padded")),
        ("trim(\"   \")", .string("")),
        ("lower(1)", .null),
        ("upper(null)", .null),
        ("trim(event.labels)", .null),
    ])
    func strings(_ source: String, _ expected: Value) throws {
        #expect(try evaluate(source) == expected)
    }

    @Test("includes works on strings (substring) and arrays (element)", arguments: [
        ("includes(event.customer.name, \"da\")", true),
        ("includes(event.customer.name, \"DA\")", false),
        ("includes(\"abc\", \"\")", true),
        ("includes(\"\", \"\")", true),
        ("includes(event.labels, \"urgent\")", true),
        ("includes(event.labels, \"urg\")", false),
        ("includes([1, 2], 2.0)", true),
        ("includes([[1], [2]], [2])", true),
        ("includes(event.missing, \"x\")", false),
        ("includes(\"123\", 2)", false),
        ("includes(event.customer, \"tier\")", false),
    ])
    func includes(_ source: String, _ expected: Bool) throws {
        #expect(try evaluate(source) == .bool(expected))
    }

    @Test("startsWith and endsWith take strings; anything else is false", arguments: [
        ("startsWith(\"refs/heads/main\", \"refs/heads/\")", true),
        ("startsWith(\"refs/tags/v1\", \"refs/heads/\")", false),
        ("endsWith(event.'content-type', \"/json\")", true),
        ("endsWith(\"a\", \"\")", true),
        ("startsWith(\"\", \"a\")", false),
        ("startsWith(event.missing, \"a\")", false),
        ("startsWith(123, 1)", false),
    ])
    func affixes(_ source: String, _ expected: Bool) throws {
        #expect(try evaluate(source) == .bool(expected))
    }

    @Test("length counts Unicode scalars, elements or keys", arguments: [
        ("length(\"héllo\")", Value.number(5)),
        ("length(\"\")", .number(0)),
        ("length(event.labels)", .number(2)),
        ("length(event.noLabels)", .number(0)),
        ("length(event.customer)", .number(3)),
        ("length(event.amount)", .null),
        ("length(event.missing)", .null),
    ])
    func length(_ source: String, _ expected: Value) throws {
        #expect(try evaluate(source) == expected)
    }

    @Test("exists is false only for null and missing fields", arguments: [
        ("exists(event.amount)", true),
        ("exists(event.zero)", true),
        ("exists(event.empty)", true),
        ("exists(event.nothing)", false),
        ("exists(event.missing.x)", false),
        ("not exists(event.missing)", true),
    ])
    func exists(_ source: String, _ expected: Bool) throws {
        #expect(try evaluate(source) == .bool(expected))
    }

    @Test("numeric functions: abs, ceil, floor, round (half away from zero), min, max", arguments: [
        ("abs(-3.5)", Value.number(3.5)),
        ("abs(event.amount)", .number(1200)),
        ("ceil(1.2)", .number(2)),
        ("floor(-1.2)", .number(-2)),
        ("round(2.5)", .number(3)),
        ("round(-2.5)", .number(-3)),
        ("round(2.4)", .number(2)),
        ("abs(\"3\")", .null),
        ("min(3, 1, 2)", .number(1)),
        ("max(3, 1, 2)", .number(3)),
        ("max(7)", .number(7)),
        ("min([4, 2, 8])", .number(2)),
        ("max(event.items.0.qty, event.items.1.qty)", .number(2)),
        ("max(1, \"2\")", .null),
        ("min([])", .null),
        ("max(event.missing)", .null),
    ])
    func numeric(_ source: String, _ expected: Value) throws {
        #expect(try evaluate(source) == expected)
    }

    @Test("number() reads decimal strings; string() writes numbers as JSON does", arguments: [
        ("number(event.price)", Value.number(1200)),
        ("number(\" 12.5 \")", .number(12.5)),
        ("number(\"-1e3\")", .number(-1000)),
        ("number(\"12abc\")", .null),
        ("number(\"0x10\")", .null),
        ("number(\"inf\")", .null),
        ("number(\"nan\")", .null),
        ("number(\"1e999\")", .null),
        ("number(\"\")", .null),
        ("number(true)", .number(1)),
        ("number(false)", .number(0)),
        ("number(7)", .number(7)),
        ("number(null)", .null),
        ("number(event.labels)", .null),
        ("string(3)", .string("3")),
        ("string(1.5)", .string("1.5")),
        ("string(-0.25)", .string("-0.25")),
        ("string(true)", .string("true")),
        ("string(\"x\")", .string("x")),
        ("string(null)", .null),
        ("string(event.labels)", .string("[\"bug\", \"urgent\"]")),
        ("string(event.amount) == event.price", .bool(true)),
    ])
    func conversions(_ source: String, _ expected: Value) throws {
        #expect(try evaluate(source) == expected)
    }

    @Test("function names are listed for documentation and tooling")
    func names() {
        #expect(Expression.functionNames == [
            "abs", "ceil", "endsWith", "exists", "floor", "includes", "length", "lower", "max", "min",
            "number", "round", "startsWith", "string", "trim", "upper",
        ])
    }
}
