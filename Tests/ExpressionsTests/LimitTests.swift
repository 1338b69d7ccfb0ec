import Expressions
import Testing
import TestSupport

@Suite("Limits and hostile input")
struct LimitTests {
    @Test("nesting up to the limit parses; one level more is an error, not a stack overflow")
    func nestingDepth() throws {
        let depth = Expression.maximumDepth
        #expect(depth == 100)
        // The whole expression is one level; each parenthesis adds one.
        let deepest = String(repeating: "(", count: depth - 1) + "1" + String(repeating: ")", count: depth - 1)
        #expect(try Expression(deepest).evaluate([:]) == .number(1))
        let tooDeep = String(repeating: "(", count: depth) + "1" + String(repeating: ")", count: depth)
        #expect(parseError(tooDeep) == ExpressionError(column: 101, message: "expression is nested too deeply (more than 100 levels)"))
    }

    @Test("every kind of nesting counts", arguments: [
        (String(repeating: "-", count: 100) + "1", 100),
        (String(repeating: "not ", count: 100) + "x", 397),
        (String(repeating: "[", count: 101) + String(repeating: "]", count: 101), 101),
        (String(repeating: "abs(", count: 100) + "1" + String(repeating: ")", count: 100), 401),
        ((1...100).map { _ in "2 ^ " }.joined() + "2", 399),
        (String(repeating: "a ? b : ", count: 100) + "c", 797),
        (String(repeating: "if a then b else ", count: 100) + "c", 1687),
    ])
    func everyKindOfNesting(_ source: String, _ column: Int) {
        #expect(parseError(source) == ExpressionError(column: column, message: "expression is nested too deeply (more than 100 levels)"))
    }

    @Test("pathological nesting far past the limit fails fast")
    func farTooDeep() {
        let source = String(repeating: "(", count: 4000)
        #expect(parseError(source)?.message == "expression is nested too deeply (more than 100 levels)")
    }

    @Test("long flat chains are not nesting: 1000 terms evaluate without deep recursion")
    func longChains() throws {
        let sum = Array(repeating: "1", count: 1000).joined(separator: "+")
        #expect(try Expression(sum).evaluate([:]) == .number(1000))
        let conjunction = Array(repeating: "event.ok", count: 300).joined(separator: " and ")
        #expect(try Expression(conjunction).isSatisfied(by: ["event": .object(["ok": .bool(true)])]))
        let list = "x in (" + (0..<900).map(String.init).joined(separator: ",") + ")"
        #expect(try Expression(list).isSatisfied(by: ["x": .number(899)]))
    }

    @Test("the length limit is 4096 characters")
    func length() throws {
        let longest = "\"" + String(repeating: "a", count: 4094) + "\""
        #expect(longest.count == 4096)
        #expect(try Expression(longest).evaluate([:]) == .string(String(repeating: "a", count: 4094)))
        let tooLong = "\"" + String(repeating: "a", count: 4095) + "\""
        #expect(parseError(tooLong) == ExpressionError(column: 4097, message: "expression is too long (4097 characters; the limit is 4096)"))
    }

    @Test("random input never crashes: it parses, or fails with a column inside the source")
    func fuzz() {
        let pieces = [
            "event", ".", "x", "'q'", "\"s\"", "\"", "'", "\\", "1", "2.5", "1e3", "(", ")", "[", "]", ",", "?", ":",
            "==", "!=", "<", "<=", ">", ">=", "+", "-", "*", "/", "%", "^", "and", "or", "not", "in", "mod",
            "if", "then", "else", "true", "false", "null", "lower", "includes", "max", " ", "\n", "é", "#", "=", "!",
            "0", "items", "\\u", "len",
        ]
        var generator = SeededGenerator(seed: 0x5EED)
        let context: [String: Value] = [
            "event": .object(["x": .number(1), "items": .array([.string("a")]), "q": .null]),
            "x": .string("s"),
        ]
        var parsed = 0
        for _ in 0..<3000 {
            let count = Int(generator.next() % 14) + 1
            let source = (0..<count).map { _ in pieces[Int(generator.next() % UInt64(pieces.count))] }.joined(separator: generator.next() % 2 == 0 ? " " : "")
            do {
                let expression = try Expression(source)
                _ = expression.evaluate(context)
                _ = expression.check(roots: Expression.standardRoots)
                parsed += 1
            } catch {
                #expect(error.column >= 1 && error.column <= source.unicodeScalars.count + 1, "\(source): \(error)")
                #expect(!error.message.isEmpty)
            }
        }
        #expect(parsed > 50)
    }

    @Test("mutated valid expressions never crash either")
    func mutations() {
        let corpus = [
            #"event.amount > 1000 and lower(event.status) == "active""#,
            #"event.market in ("NL", "BE") or steps.'fetch-data'.status != "failed""#,
            #"if event.items.0.qty >= 2 then -max(1, 2) ^ 2 mod 3 else [true, null]"#,
            #"not includes(event.labels, "bug\n\u00e9") ? 1.5e3 : event.x not in []"#,
        ]
        let inserts = ["(", ")", "\"", "'", "\\", ".", ",", "not", "in", " ", "1e", "-", "?", ":", "[", "]", "é", "=", "and"]
        var generator = SeededGenerator(seed: 42)
        var parsed = 0
        for round in 0..<4000 {
            var scalars = Array(corpus[round % corpus.count].unicodeScalars)
            for _ in 0..<(1 + Int(generator.next() % 3)) {
                let position = Int(generator.next() % UInt64(scalars.count + 1))
                switch generator.next() % 3 {
                case 0 where position < scalars.count:
                    scalars.remove(at: position)
                default:
                    let insert = inserts[Int(generator.next() % UInt64(inserts.count))]
                    scalars.insert(contentsOf: insert.unicodeScalars, at: position)
                }
            }
            var source = ""
            source.unicodeScalars.append(contentsOf: scalars)
            do {
                let expression = try Expression(source)
                _ = expression.evaluate(sampleContext)
                parsed += 1
            } catch {
                #expect(error.column >= 1 && error.column <= scalars.count + 1, "\(source): \(error)")
            }
        }
        #expect(parsed > 200)
    }

    @Test("every prefix of a valid expression parses or fails with an in-range column")
    func prefixes() {
        let source = #"if lower(event.'content-type') in ("a", [1, -2.5e-3]) then not (x mod 3 == 0) else max(1, 2) ^ 2 ? "é\n" : null"#
        let scalars = Array(source.unicodeScalars)
        for end in 0...scalars.count {
            var prefix = ""
            prefix.unicodeScalars.append(contentsOf: scalars[..<end])
            if let error = parseError(prefix) {
                #expect(error.column >= 1 && error.column <= end + 1, "\(prefix): \(error)")
            }
        }
        #expect(parseError(source) == nil)
    }
}
