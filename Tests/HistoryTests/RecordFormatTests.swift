import Foundation
import Testing
@testable import History

@Suite struct RecordFormatTests {
    static let full = RunRecord(
        run: "20261122T081500.004Z-7k2m9q4x", job: "reports/paid-search", trigger: .schedule, status: .failed,
        scheduledFor: RecordTime.parse("2026-11-22T08:15:00Z"), startedAt: RecordTime.parse("2026-11-22T08:15:00.004Z"),
        finishedAt: RecordTime.parse("2026-11-22T08:15:12.310Z")!, durationMs: 12306, exitCode: 2, attempt: 2,
        params: ["market": .string("NL"), "days": .integer(7), "ratio": .number(0.5), "dry": .bool(false)],
        fanout: Fanout(index: 1, of: 3, key: "market=NL"), commit: "5f0c7e2",
        steps: [StepRecord(name: "extract", status: .completed, exitCode: 0, durationMs: 12001), StepRecord(name: "post", status: .failed, exitCode: 2)],
        error: "step post exited 2:\n\"quoted\" \\ tab\t bell\u{7} é 🚀", warnings: ["slow", "retried"],
        log: "history/reports/paid-search/20261122T081500.004Z-7k2m9q4x.log", node: "host-1"
    )

    @Test func fullRecordLineHasTheDocumentedKeyOrderAndReadsBack() throws {
        let line = Self.full.jsonLine
        #expect(line.hasPrefix(#"{"v":1,"run":"20261122T081500.004Z-7k2m9q4x","job":"reports/paid-search","trigger":"schedule","status":"failed","scheduledFor":"2026-11-22T08:15:00.000Z","startedAt":"2026-11-22T08:15:00.004Z","finishedAt":"2026-11-22T08:15:12.310Z","durationMs":12306,"exitCode":2,"attempt":2,"params":{"days":7,"dry":false,"market":"NL","ratio":0.5},"fanout":{"index":1,"of":3,"key":"market=NL"},"commit":"5f0c7e2","steps":[{"name":"extract","status":"completed","exitCode":0,"durationMs":12001},{"name":"post","status":"failed","exitCode":2}],"error":"step post exited 2:\n\"quoted\" \\ tab\t bell\u0007 é 🚀","warnings":["slow","retried"],"log":"history/reports/paid-search/"#))
        #expect(!line.contains("\n"))
        #expect(try RunRecord(jsonLine: line) == Self.full)
        // Keys in the order the schema lists them.
        let object = try JSONSerialization.jsonObject(with: Data(line.utf8)) as! [String: Any]
        let order = RunRecordSchema.keys.filter { object[$0] != nil }
        let positions = order.map { line.range(of: "\"\($0)\":")!.lowerBound }
        #expect(positions == positions.sorted())
        #expect(Set(object.keys).isSubset(of: Set(RunRecordSchema.keys)))
    }

    @Test func minimalRecordOmitsOptionalFields() throws {
        let record = RunRecord(run: "r1", job: "a", trigger: .manual, status: .skipped, finishedAt: RecordTime.parse("2026-01-01T00:00:00Z")!, warnings: ["run r0 still in progress"])
        #expect(record.jsonLine == #"{"v":1,"run":"r1","job":"a","trigger":"manual","status":"skipped","finishedAt":"2026-01-01T00:00:00.000Z","warnings":["run r0 still in progress"]}"#)
        #expect(try RunRecord(jsonLine: record.jsonLine) == record)
    }

    @Test func missedRecordCarriesItsRange() throws {
        let record = RunRecord(run: "r2", job: "a", trigger: .catchup, status: .missed, finishedAt: at(0), count: 604_800, firstScheduledFor: at(-604_800), lastScheduledFor: at(-1))
        let line = record.jsonLine
        #expect(line.hasSuffix(#""count":604800,"firstScheduledFor":"2026-11-15T08:15:00.000Z","lastScheduledFor":"2026-11-22T08:14:59.000Z"}"#))
        #expect(try RunRecord(jsonLine: line) == record)
    }

    @Test func codableAgreesWithTheLineFormat() throws {
        let decoded = try JSONDecoder().decode(RunRecord.self, from: Data(Self.full.jsonLine.utf8))
        #expect(decoded == Self.full)
        let encoder = JSONEncoder()
        encoder.outputFormatting = .sortedKeys
        let reencoded = String(decoding: try encoder.encode(Self.full), as: UTF8.self)
        #expect(try RunRecord(jsonLine: reencoded) == Self.full)
    }

    @Test func readerIgnoresUnknownKeysAndAcceptsOffsets() throws {
        let line = #"{"future":{"a":[1,2,{"b":null}]},"v":1,"run":"x","job":"a/b","trigger":"api","status":"completed","finishedAt":"2026-11-22T09:15:00.5+01:00","startedAt":"2026-11-22T08:14:59.999999Z"}"#
        let record = try RunRecord(jsonLine: line)
        #expect(record.finishedAt == RecordTime.parse("2026-11-22T08:15:00.500Z"))
        #expect(RecordTime.string(record.startedAt!) == "2026-11-22T08:14:59.999Z")
    }

    @Test(arguments: [
        (#"{"v":2,"run":"x","job":"a","trigger":"api","status":"completed","finishedAt":"2026-11-22T08:15:00Z"}"#, "record format version 2; this jobctl reads version 1"),
        (#"{"v":1,"run":"x","job":"a","trigger":"api","status":"running","finishedAt":"2026-11-22T08:15:00Z"}"#, "\"status\" must be a final run status"),
        (#"{"v":1,"run":"x","job":"a","trigger":"cron","status":"completed","finishedAt":"2026-11-22T08:15:00Z"}"#, "\"trigger\" must be one of schedule, manual, api, event, dependency, retry, catchup, rerun"),
        (#"{"v":1,"run":"x","job":"a","trigger":"api","status":"completed"}"#, "no \"finishedAt\""),
        (#"{"v":1,"run":"x","job":"a","trigger":"api","status":"completed","finishedAt":"2026-11-22 08:15"}"#, "\"finishedAt\" must be an RFC 3339 date-time"),
        (#"{"v":1,"run":"x","job":"a","trigger":"api","status":"comp"#, "\"status\" must be a final run status"),
        (#"{"v":1,"run":"x","job":"a","trigger":"api","status":"completed","finishedAt":"2026-11-22T08:15:00Z""#, "malformed JSON (an incomplete line?)"),
        (#"{"v":1,"run":"x","job":"a","trigger":"api","status":"completed","finishedAt":"2026-11-22T08:15:00Z"} x"#, "text after the JSON object"),
        ("\0\0\0\0", "not a JSON object"),
    ])
    func unreadableLinesSayWhy(line: String, message: String) {
        #expect(throws: HistoryError(.unreadableRecord, message)) { try RunRecord(jsonLine: line) }
    }

    @Test func timesRoundTripToTheMillisecond() {
        for text in ["1970-01-01T00:00:00.000Z", "2000-02-29T23:59:59.999Z", "2026-03-29T01:00:00.001Z", "1969-12-31T23:59:59.500Z", "9999-12-31T23:59:59.999Z"] {
            #expect(RecordTime.string(RecordTime.parse(text)!) == text)
        }
        #expect(RecordTime.parse("2026-02-29T00:00:00Z") == nil)
        #expect(RecordTime.parse("2026-11-22T08:15:00") == nil)
        #expect(RecordTime.parse("2026-11-22T08:15:00+0100") == nil)
        #expect(RecordTime.parse("2026-11-22t08:15:00z") == RecordTime.parse("2026-11-22T08:15:00Z"))
        #expect(RecordTime.parse("2026-11-22T10:15:00+02:00") == RecordTime.parse("2026-11-22T08:15:00Z"))
    }

    @Test func runIDsSortByStartTimeAndIncreaseWithinAProcess() {
        let generator = RunIDGenerator()
        let t = RecordTime.parse("2026-11-22T08:15:00.123Z")!
        let first = generator.next(at: t)
        #expect(first.hasPrefix("20261122T081500.123Z-"))
        #expect(first.count == 29)
        #expect(RunID.startTime(of: first) == t)
        var previous = first
        for _ in 0..<1000 {
            let id = generator.next(at: t) // same millisecond
            #expect(id > previous)
            previous = id
        }
        #expect(generator.next(at: t.addingTimeInterval(-5)) > previous) // clock stepped back
        #expect(generator.next(at: t.addingTimeInterval(0.001)) > previous)
        #expect(RunIDGenerator().next(at: t.addingTimeInterval(1)) > first)
        #expect(RunID.isValid(first))
        #expect(!RunID.isValid("../x"))
        #expect(!RunID.isValid(".hidden"))
    }

    @Test func schemaIsGeneratedFromTheModel() throws {
        let schema = RunRecordSchema.schema()
        let properties = schema["properties"] as! [String: Any]
        #expect(Set(properties.keys) == Set(RecordLineEncoder.keyOrder))
        #expect(RunRecordSchema.keys == RecordLineEncoder.keyOrder)
        let status = properties["status"] as! [String: Any]
        #expect(status["enum"] as? [String] == ["completed", "failed", "timed_out", "cancelled", "skipped", "filtered", "rate_limited", "missed", "blocked", "interrupted"])
        #expect(schema["required"] as? [String] == ["v", "run", "job", "trigger", "status", "finishedAt"])
        _ = try JSONSerialization.jsonObject(with: Data(RunRecordSchema.render().utf8))
    }

    @Test func durationsReadLikeAPersonWouldWriteThem() {
        #expect(RecordFormatting.duration(milliseconds: 850) == "850ms")
        #expect(RecordFormatting.duration(milliseconds: 12_340) == "12.3s")
        #expect(RecordFormatting.duration(milliseconds: 12_000) == "12s")
        #expect(RecordFormatting.duration(milliseconds: 245_000) == "4m05s")
        #expect(RecordFormatting.duration(milliseconds: 11_520_000) == "3h12m")
        #expect(RecordFormatting.duration(milliseconds: 187_200_000) == "2d4h")
        #expect(RecordFormatting.duration(milliseconds: 172_800_000) == "2d")
    }
}
