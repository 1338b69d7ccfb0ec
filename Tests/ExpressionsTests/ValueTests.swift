import Expressions
import Foundation
import Testing

@Suite("Value: JSON in, JSON out")
struct ValueTests {
    @Test("JSONSerialization booleans stay booleans and numbers stay numbers")
    func fromJSONSerialization() {
        let value = json(#"{"t": true, "f": false, "one": 1, "zero": 0, "half": 0.5, "none": null, "big": 12345678901234567890, "s": "x", "a": [1, true, null]}"#)
        #expect(value == .object([
            "t": .bool(true), "f": .bool(false), "one": .number(1), "zero": .number(0), "half": .number(0.5),
            "none": .null, "big": .number(12_345_678_901_234_567_168), "s": .string("x"),
            "a": .array([.number(1), .bool(true), .null]),
        ]))
    }

    @Test("plain Swift values convert too")
    func fromSwift() {
        #expect(Value(json: true) == .bool(true))
        #expect(Value(json: 3) == .number(3))
        #expect(Value(json: UInt8(3)) == .number(3))
        #expect(Value(json: 2.5) == .number(2.5))
        #expect(Value(json: Float(0.5)) == .number(0.5))
        #expect(Value(json: "s") == .string("s"))
        #expect(Value(json: NSNull()) == .null)
        #expect(Value(json: Optional<Int>.none as Any) == .null)
        #expect(Value(json: [1, "a"] as [Any]) == .array([.number(1), .string("a")]))
        #expect(Value(json: ["k": [false]] as [String: Any]) == .object(["k": .array([.bool(false)])]))
        #expect(Value(json: Value.string("v")) == .string("v"))
        #expect(Value(json: NSNumber(value: true)) == .bool(true))
        #expect(Value(json: NSNumber(value: 1)) == .number(1))
        #expect(Value(json: Date()) == .null)
        #expect(Value(json: ["n": 1, "m": 2] as [String: Int]) == .object(["n": .number(1), "m": .number(2)]))
        #expect(Value(json: [true, false]) == .array([.bool(true), .bool(false)]))
        #expect(Value(json: NSString(string: "ns")) == .string("ns"))
        #expect(Value(json: NSArray(array: [1, "x"])) == .array([.number(1), .string("x")]))
        #expect(Value(json: NSDictionary(dictionary: ["k": true])) == .object(["k": .bool(true)]))
    }

    @Test("subscript follows keys and indexes and gives null for anything missing")
    func subscriptPath() {
        let value = json(#"{"a": {"b": [10, {"c": "deep"}]}, "0": "key zero"}"#)
        #expect(value[["a", "b", "1", "c"]] == .string("deep"))
        #expect(value[["a", "b", "0"]] == .number(10))
        #expect(value[["0"]] == .string("key zero"))
        #expect(value[[]] == value)
        #expect(value[["a", "b", "2"]] == .null)
        #expect(value[["a", "b", "-1"]] == .null)
        #expect(value[["a", "b", "+1"]] == .null)
        #expect(value[["a", "b", "00"]] == .null)
        #expect(value[["a", "b", "99999999999999999999999"]] == .null)
        #expect(value[["a", "x", "y"]] == .null)
        #expect(value[["a", "b", "0", "z"]] == .null)
    }

    @Test("description is compact JSON with sorted keys")
    func description() {
        let value = Value.object([
            "b": .array([.number(1), .number(2.5), .number(-0.0), .number(1e20)]),
            "a": .string("quote \" backslash \\ newline \n tab \t bell \u{7}"),
            "c": .null, "d": .bool(false),
        ])
        #expect(value.description == #"{"a": "quote \" backslash \\ newline \n tab \t bell \u0007", "b": [1, 2.5, 0, 1e+20], "c": null, "d": false}"#)
    }

    @Test("Codable reads and writes plain JSON")
    func codable() throws {
        let text = #"{"a":true,"b":1.5,"c":[null,"s",2],"d":{"e":false}}"#
        let decoded = try JSONDecoder().decode(Value.self, from: Data(text.utf8))
        #expect(decoded == .object([
            "a": .bool(true), "b": .number(1.5),
            "c": .array([.null, .string("s"), .number(2)]), "d": .object(["e": .bool(false)]),
        ]))
        let encoder = JSONEncoder()
        encoder.outputFormatting = .sortedKeys
        let encoded = String(decoding: try encoder.encode(decoded), as: UTF8.self)
        #expect(encoded == #"{"a":true,"b":1.5,"c":[null,"s",2],"d":{"e":false}}"#)
        #expect(try JSONDecoder().decode(Value.self, from: Data("0".utf8)) == .number(0))
        #expect(try JSONDecoder().decode(Value.self, from: Data("false".utf8)) == .bool(false))
    }

    @Test("literals build values as JSON reads")
    func literals() throws {
        let context: [String: Value] = ["event": ["amount": 1200, "rate": 0.5, "tags": ["a", "b"], "ok": true, "none": .null]]
        #expect(context["event"] == .object([
            "amount": .number(1200), "rate": .number(0.5), "tags": .array([.string("a"), .string("b")]),
            "ok": .bool(true), "none": .null,
        ]))
        #expect(try Expression(#"event.amount > 1000 and "b" in event.tags and event.ok"#).isSatisfied(by: context))
    }

    @Test("Hashable: equal values hash alike, including 0 and -0")
    func hashable() {
        let set: Set<Value> = [.number(0), .number(-0.0), .string("a"), .array([.null])]
        #expect(set.count == 3)
    }
}
