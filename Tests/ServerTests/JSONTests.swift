import Expressions
import Foundation
@testable import Server
import Testing

@Suite("JSON reading and writing of the hot paths")
struct JSONTests {
    @Test func parsesWhatJSONSerializationParses() throws {
        let documents = [
            #"{"type": "order.created", "payload": {"amount": 1500.5, "tags": ["a", "b"], "ok": true, "none": null, "n": -0.5e3}}"#,
            #"{"s": "quote \" backslash \\ slash \/ tab \t nl \n u \u00e9 pair \ud83d\ude00 ctl \u0001"}"#,
            #"[1, 2.5, -3, 0, 1E2, 12345678901234]"#, #""text""#, "  true ", "null", "{}", "[]",
        ]
        for document in documents {
            let expected = Value(json: try JSONSerialization.jsonObject(with: Data(document.utf8), options: [.fragmentsAllowed]))
            #expect(try JSONParser.parse(Array(document.utf8)) == expected, "\(document)")
        }
    }

    @Test func refusesWhatIsNotJSON() {
        let bad = ["", "{", "[1,]", "{\"a\" 1}", "{\"a\":1,}", "01", "1.", "-", "tru", "\"\u{01}\"", "\"\\x\"", "\"\\ud800\"", "{} {}",
                   "nan", "1e999", String(repeating: "[", count: 300) + String(repeating: "]", count: 300), "'x'", "{a: 1}"]
        for document in bad {
            #expect(throws: JSONParser.Failure.self, "\(document)") { try JSONParser.parse(Array(document.utf8)) }
        }
        let invalidUTF8: [UInt8] = [0x22, 0xFF, 0x22]
        #expect(throws: JSONParser.Failure.self) { try JSONParser.parse(invalidUTF8) }
    }

    @Test func theEventsAnswerIsWhatJSONEncoderWrites() throws {
        let dispatched = EventRoutes.Dispatched(type: "order.\"created\"\n", decisions: [
            .init(outcome: "started", job: "a/b", runs: ["r1", "r2"]),
            .init(outcome: "filtered", job: "c", runs: ["r3"]),
            .init(outcome: "refused", job: "d", runs: [], error: .init(code: "concurrency", message: "run x\\y \u{01} is in progress", runInProgress: "x")),
        ], started: ["r1", "r2"], filtered: ["r3"])
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        let expected = try JSONSerialization.jsonObject(with: try encoder.encode(dispatched)) as? NSDictionary
        let written = try JSONSerialization.jsonObject(with: Data(dispatched.json)) as? NSDictionary
        #expect(written == expected)
        #expect(String(decoding: dispatched.json, as: UTF8.self) == String(decoding: try encoder.encode(dispatched), as: UTF8.self))
    }
}
