import Expressions
import Foundation
import Testing

/// A webhook-like payload, read the way the server reads one: through JSONSerialization.
func json(_ text: String) -> Value {
    Value(json: try! JSONSerialization.jsonObject(with: Data(text.utf8), options: [.fragmentsAllowed]))
}

let sampleContext: [String: Value] = [
    "event": json(#"""
    {
      "type": "marketplace.entitlement",
      "amount": 1200,
      "price": "1200",
      "status": "ACTIVE",
      "market": "NL",
      "active": true,
      "zero": 0,
      "empty": "",
      "nothing": null,
      "labels": ["bug", "urgent"],
      "noLabels": [],
      "customer": {"tier": "gold", "name": "Ada", "address": {"country": "NL"}},
      "items": [{"sku": "A-1", "qty": 2}, {"sku": "B-2", "qty": 0}],
      "content-type": "application/json",
      "headers": {"X-Request-Id": "abc-123", "0": "zero key"},
      "in": "keyword key"
    }
    """#),
    "params": json(#"{"market": "NL", "markets": ["NL", "BE", "DE"], "threshold": 1000}"#),
    "steps": json(#"{"ask": {"status": "completed", "output": "ok"}, "fetch-data": {"status": "failed", "exitCode": 2}}"#),
    "run": json(#"{"status": "completed", "attempt": 1}"#),
    "job": json(#"{"id": "reports/paid-search"}"#),
]

/// The value of `source` in `context`.
func evaluate(_ source: String, _ context: [String: Value] = sampleContext) throws -> Value {
    try Expression(source).evaluate(context)
}

@Suite("Evaluation semantics")
struct EvaluationTests {
    @Test("the DESIGN examples", arguments: [
        (#"event.amount > 1000 and lower(event.status) == "active""#, true),
        (#"run.status == "completed""#, true),
        (#"steps.ask.status == "completed""#, true),
        (#"event.market in ("NL", "BE")"#, true),
        (#"event.market in params.markets"#, true),
        (#"event.amount > params.threshold"#, true),
        (#"event.customer.tier == "gold" and event.customer.address.country == "NL""#, true),
        (#"steps.'fetch-data'.status == "failed""#, true),
        (#"event.'content-type' == "application/json""#, true),
        (#"event.headers.'X-Request-Id' == "abc-123""#, true),
        (#"job.id == "reports/paid-search""#, true),
    ])
    func design(_ source: String, _ expected: Bool) throws {
        #expect(try Expression(source).isSatisfied(by: sampleContext) == expected)
    }

    @Test("missing fields are null, at any depth, without failing", arguments: [
        ("event.missing", Value.null),
        ("event.missing.deeper.still", .null),
        ("event.customer.tier.length", .null),
        ("event.amount.x", .null),
        ("nope.x", .null),
        ("event.items.5.sku", .null),
        ("event.items.01.sku", .null),
        ("event.missing == null", .bool(true)),
        ("event.nothing == null", .bool(true)),
        ("event.missing != null", .bool(false)),
        ("event.missing == 0", .bool(false)),
        ("event.missing == \"\"", .bool(false)),
        ("event.missing == false", .bool(false)),
        ("event.missing > 1", .bool(false)),
        ("event.missing < 1", .bool(false)),
        ("event.missing + 1", .null),
        ("-event.missing", .null),
        ("not event.missing", .bool(true)),
        ("lower(event.missing)", .null),
        ("event.missing in (1, 2)", .bool(false)),
        ("1 in event.missing", .bool(false)),
        ("1 not in event.missing", .bool(true)),
    ])
    func missing(_ source: String, _ expected: Value) throws {
        #expect(try evaluate(source) == expected)
    }

    @Test("paths: nested objects, array indexes, quoted segments, keyword segments", arguments: [
        ("event.customer.address.country", Value.string("NL")),
        ("event.items.0.sku", .string("A-1")),
        ("event.items.1.qty", .number(0)),
        ("event.headers.0", .string("zero key")),
        ("event.in", .string("keyword key")),
        ("event.'in'", .string("keyword key")),
        ("'event'.market", .string("NL")),
        ("event.labels", .array([.string("bug"), .string("urgent")])),
        ("steps.'fetch-data'.exitCode", .number(2)),
    ])
    func paths(_ source: String, _ expected: Value) throws {
        #expect(try evaluate(source) == expected)
    }

    @Test("== and != never coerce: types must match", arguments: [
        ("1 == 1.0", true),
        ("-0 == 0", true),
        ("\"1\" == 1", false),
        ("1 != \"1\"", true),
        ("event.price == 1200", false),
        ("event.price == \"1200\"", true),
        ("true == 1", false),
        ("false == 0", false),
        ("null == false", false),
        ("null == null", true),
        ("\"\" == null", false),
        ("[1, 2] == [1, 2]", true),
        ("[1, 2] == [2, 1]", false),
        ("event.customer == event.customer", true),
        ("event.customer == event.items", false),
        ("\"e\\u0301\" == \"\\u00e9\"", true),
    ])
    func equality(_ source: String, _ expected: Bool) throws {
        #expect(try evaluate(source) == .bool(expected))
    }

    @Test("ordering: numbers with numbers, strings with strings by Unicode scalars; anything else is false", arguments: [
        ("1 < 2", true),
        ("2 <= 2", true),
        ("3 > 2.5", true),
        ("-1 >= -1", true),
        ("\"a\" < \"b\"", true),
        ("\"B\" < \"a\"", true),
        ("\"10\" < \"9\"", true),
        ("\"abc\" < \"abd\"", true),
        ("\"ab\" < \"abc\"", true),
        ("\"z\" < \"é\"", true),
        ("\"a\" <= \"a\"", true),
        ("\"1\" < 2", false),
        ("\"1\" >= 2", false),
        ("1 < \"2\"", false),
        ("null < 1", false),
        ("null >= null", false),
        ("true > false", false),
        ("[1] < [2]", false),
        ("event.price > 1000", false),
        ("number(event.price) > 1000", true),
    ])
    func ordering(_ source: String, _ expected: Bool) throws {
        #expect(try evaluate(source) == .bool(expected))
    }

    @Test("comparison chains", arguments: [
        ("1 < 2 < 3", true),
        ("1 < 3 < 2", false),
        ("3 > 2 > 1", true),
        ("1 <= event.amount <= 2000", true),
        ("0 < event.zero <= 10", false),
        ("1 == 1 == 1", true),
        ("2 == 2 == true", false),
        ("\"a\" < \"b\" in (\"b\", \"c\")", true),
    ])
    func chains(_ source: String, _ expected: Bool) throws {
        #expect(try evaluate(source) == .bool(expected))
    }

    @Test("in and not in", arguments: [
        ("\"NL\" in (\"NL\", \"BE\")", true),
        ("\"FR\" in (\"NL\", \"BE\")", false),
        ("\"FR\" not in (\"NL\", \"BE\")", true),
        ("\"NL\" in [\"NL\", \"BE\"]", true),
        ("\"NL\" in [\"NL\"]", true),
        ("\"NL\" in (\"NL\")", true),
        ("\"N\" in (\"NL\")", false),
        ("\"NL\" in []", false),
        ("\"NL\" not in []", true),
        ("1 in [1.0, 2]", true),
        ("\"1\" in [1, 2]", false),
        ("null in [null]", true),
        ("\"bug\" in event.labels", true),
        ("\"feature\" not in event.labels", true),
        ("[\"bug\", \"urgent\"] in event.labels", true),
        ("[\"bug\", \"later\"] in event.labels", false),
        ("[1, 2] in [[1, 2], [3]]", true),
        ("[] in event.labels", true),
        ("event.customer.tier in (\"gold\", \"platinum\")", true),
        ("lower(event.status) in (\"active\", \"trialing\")", true),
        ("not event.market in (\"NL\")", false),
    ])
    func membership(_ source: String, _ expected: Bool) throws {
        #expect(try evaluate(source) == .bool(expected))
    }

    @Test("arithmetic: numbers only; division by zero and overflow are null", arguments: [
        ("1 + 2", Value.number(3)),
        ("10 - 3 - 2", .number(5)),
        ("2 * 3 + 4", .number(10)),
        ("10 / 4", .number(2.5)),
        ("7 mod 3", .number(1)),
        ("7 % 3", .number(1)),
        ("-1 mod 3", .number(2)),
        ("-7 mod 3", .number(2)),
        ("7 mod -3", .number(-2)),
        ("6 mod 3", .number(0)),
        ("5.5 mod 2", .number(1.5)),
        ("2 ^ 10", .number(1024)),
        ("-2 ^ 2", .number(-4)),
        ("(-2) ^ 2", .number(4)),
        ("2 ^ -1", .number(0.5)),
        ("2 ^ 3 ^ 2", .number(512)),
        ("0 ^ 0", .number(1)),
        ("1 / 0", .null),
        ("0 / 0", .null),
        ("5 mod 0", .null),
        ("(-8) ^ 0.5", .null),
        ("1e308 * 10", .null),
        ("-event.amount", .number(-1200)),
        ("event.amount * 2 + 1", .number(2401)),
        ("event.amount / event.zero", .null),
        ("\"a\" + \"b\"", .string("ab")),
        ("\"refs/heads/\" + params.market", .string("refs/heads/NL")),
        ("\"a\" + 1", .null),
        ("1 + \"a\"", .null),
        ("\"a\" - \"b\"", .null),
        ("true + 1", .null),
        ("-\"a\"", .null),
        ("[1] + [2]", .null),
        ("1 / 0 + 1", .null),
        ("\"x\" ^ 2", .null),
    ])
    func arithmetic(_ source: String, _ expected: Value) throws {
        #expect(try evaluate(source) == expected)
    }

    @Test("and, or, not give booleans, by truthiness", arguments: [
        ("1 and \"x\"", Value.bool(true)),
        ("0 or \"\"", .bool(false)),
        ("\"a\" or 0", .bool(true)),
        ("event.labels and event.customer", .bool(true)),
        ("event.noLabels or event.empty or event.zero or event.nothing", .bool(false)),
        ("not 0", .bool(true)),
        ("not \"0\"", .bool(false)),
        ("not []", .bool(true)),
        ("not [0]", .bool(false)),
        ("true and false or true", .bool(true)),
        ("true and (false or false)", .bool(false)),
    ])
    func logic(_ source: String, _ expected: Value) throws {
        #expect(try evaluate(source) == expected)
    }

    @Test("and/or stop at the first deciding operand; the conditional evaluates one branch")
    func shortCircuit() throws {
        // Each right side would be false (or null) if it were evaluated.
        #expect(try evaluate("false and event.active") == .bool(false))
        #expect(try evaluate("true or 1 / 0") == .bool(true))
        #expect(try evaluate("event.active or event.missing.x") == .bool(true))
        #expect(try evaluate("event.zero and event.amount > 0") == .bool(false))
        #expect(try evaluate("event.active ? \"yes\" : 1 / 0") == .string("yes"))
        #expect(try evaluate("event.zero ? 1 / 0 : \"no\"") == .string("no"))
    }

    @Test("truthiness: null, false, 0, \"\", [] and {} are false", arguments: [
        ("null", false), ("false", false), ("0", false), ("\"\"", false), ("[]", false),
        ("event.customer.missing", false), ("event.zero", false), ("event.empty", false),
        ("event.noLabels", false),
        ("true", true), ("1", true), ("-1", true), ("0.5", true), ("\"0\"", true), ("\"false\"", true),
        ("[0]", true), ("[null]", true), ("event.customer", true), ("event", true),
    ])
    func truthiness(_ source: String, _ expected: Bool) throws {
        #expect(try Expression(source).isSatisfied(by: sampleContext) == expected)
    }

    @Test("an empty object is false")
    func emptyObject() throws {
        #expect(try Expression("event").isSatisfied(by: ["event": .object([:])]) == false)
        #expect(try Expression("event").isSatisfied(by: [:]) == false)
    }

    @Test("the conditional returns the chosen value", arguments: [
        ("event.amount > 1000 ? \"big\" : \"small\"", Value.string("big")),
        ("event.amount > 5000 ? \"big\" : \"small\"", .string("small")),
        ("if event.active then event.customer.tier else null", .string("gold")),
        ("event.missing ? 1 : event.missing", .null),
        ("event.zero ? 1 : 2 ? 3 : 4", .number(3)),
        ("(event.amount > 1000 ? 2 : 1) * 10", .number(20)),
    ])
    func conditional(_ source: String, _ expected: Value) throws {
        #expect(try evaluate(source) == expected)
    }

    @Test("literals evaluate to themselves", arguments: [
        ("42", Value.number(42)),
        ("1.5e2", .number(150)),
        ("2E-2", .number(0.02)),
        ("007", .number(7)),
        ("\"line\\nbreak \\\"quoted\\\" \\\\ \\/ \\t\"", .string("line\nbreak \"quoted\" \\ / \t")),
        ("\"\\u00e9\\uD83D\\uDE00\"", .string("é😀")),
        ("\"it's\"", .string("it's")),
        ("\"multi\nline\"", .string("multi\nline")),
        ("'a\\'b'", .null),
        ("true", .bool(true)),
        ("null", .null),
        ("[1, \"a\", [true]]", .array([.number(1), .string("a"), .array([.bool(true)])])),
        ("(1, 2)", .array([.number(1), .number(2)])),
    ])
    func literals(_ source: String, _ expected: Value) throws {
        #expect(try evaluate(source) == expected)
    }

    @Test("roots absent from the context are null")
    func absentRoots() throws {
        let expression = try Expression("params.market == \"NL\" or event.x == null")
        #expect(expression.evaluate([:]) == .bool(true))
        #expect(expression.isSatisfied(by: ["params": .object(["market": .string("NL")])]))
    }

    @Test("deeply nested JSON payloads are read through")
    func deepPayload() throws {
        var text = "1"
        for level in (0..<60).reversed() { text = "{\"k\(level)\": \(text)}" }
        let event = json(text)
        let path = (0..<60).map { "k\($0)" }.joined(separator: ".")
        #expect(try Expression("event.\(path) == 1").isSatisfied(by: ["event": event]))
        #expect(try Expression("event.\(path).more == null").isSatisfied(by: ["event": event]))
        #expect(event[(0..<60).map { "k\($0)" }] == .number(1))
    }

    @Test("a big array payload: membership and length")
    func bigArray() throws {
        let event = Value.object(["ids": .array((0..<10_000).map { .number(Double($0)) })])
        #expect(try Expression("9999 in event.ids and length(event.ids) == 10000").isSatisfied(by: ["event": event]))
        #expect(try Expression("10000 in event.ids").isSatisfied(by: ["event": event]) == false)
    }

    @Test("one compiled expression is evaluated against many contexts, concurrently")
    func concurrentEvaluation() async throws {
        let filter = try Expression(#"event.n mod 2 == 0 and event.tag in ("a", "b")"#)
        let matches = await withTaskGroup(of: Bool.self) { group in
            for n in 0..<200 {
                group.addTask {
                    filter.isSatisfied(by: ["event": .object(["n": .number(Double(n)), "tag": .string(n % 4 < 2 ? "a" : "z")])])
                }
            }
            var count = 0
            for await match in group where match { count += 1 }
            return count
        }
        #expect(matches == 50)
    }
}
