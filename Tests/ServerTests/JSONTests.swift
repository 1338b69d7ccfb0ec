import Expressions
import Foundation
@testable import Server
import Testing

@Suite("JSON writing of the hot paths")
struct JSONTests {
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
