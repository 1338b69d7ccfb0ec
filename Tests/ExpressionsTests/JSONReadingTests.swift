import Expressions
import Foundation
import Testing

@Suite("One JSON reader: request bodies and events become Values")
struct JSONReadingTests {
    @Test func readsWhatJSONSerializationReads() throws {
        let documents = [
            #"{"type": "order.created", "payload": {"amount": 1500.5, "tags": ["a", "b"], "ok": true, "none": null, "n": -0.5e3}}"#,
            #"{"s": "quote \" backslash \\ slash \/ tab \t nl \n u \u00e9 pair \ud83d\ude00 ctl \u0001"}"#,
            #"[1, 2.5, -3, 0, 1E2, 12345678901234]"#, #""text""#, "  true ", "null", "{}", "[]",
        ]
        for document in documents {
            let expected = Value(json: try JSONSerialization.jsonObject(with: Data(document.utf8), options: [.fragmentsAllowed]))
            #expect(try Value(parsingJSON: Array(document.utf8)) == expected, "\(document)")
        }
    }

    @Test func refusesWhatIsNotJSON() {
        let bad = ["", "{", "[1,]", "{\"a\" 1}", "{\"a\":1,}", "01", "1.", "-", "tru", "\"\u{01}\"", "\"\\x\"", "\"\\ud800\"", "\"\\udc00x\"", "{} {}",
                   "nan", "1e999", "1e", "-.5", String(repeating: "[", count: 300) + String(repeating: "]", count: 300), "'x'", "{a: 1}"]
        for document in bad {
            #expect(throws: JSONParseError.self, "\(document)") { try Value(parsingJSON: Array(document.utf8)) }
        }
        let invalidUTF8: [UInt8] = [0x22, 0xFF, 0x22]
        #expect(throws: JSONParseError.self) { try Value(parsingJSON: invalidUTF8) }
        #expect(throws: JSONParseError(offset: 2, message: "a string is not valid (UTF-8, escapes, surrogates)")) { try Value(parsingJSON: Array(#"[ "\ud800" ]"#.utf8)) }
    }
}
