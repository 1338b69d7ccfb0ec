import Foundation
import Testing
@testable import History

@Suite struct ReadingTests {
    /// Records of varied length, some far longer than the chunk size.
    func writeVaried(_ folder: TemporaryFolder, count: Int) throws -> [RunRecord] {
        let recorder = FileRunRecorder(folder: folder.history, durability: .unsynced)
        var records: [RunRecord] = []
        for i in 0..<count {
            let error = i % 7 == 3 ? String(repeating: "e\(i)", count: 1 + (i * 37) % 900) : nil
            let r = record("a", i, status: i % 4 == 0 ? .failed : .completed, error: error)
            try recorder.append(r)
            records.append(r)
        }
        return records
    }

    @Test(arguments: [16, 100, 257, 4096])
    func lastRecordsAcrossChunkBoundaries(chunk: Int) throws {
        let folder = try TemporaryFolder()
        let records = try writeVaried(folder, count: 60)
        var reader = HistoryReader(folder: folder.history)
        reader.backwardChunkSize = chunk
        for n in [0, 1, 2, 7, 59, 60, 100] {
            let page = try reader.lastRecords(job: "a", count: n)
            #expect(page.records == Array(records.suffix(n)), "n=\(n) chunk=\(chunk)")
            #expect(page.warnings.isEmpty)
        }
        let failed = try reader.lastRecords(job: "a", count: 3, filter: RecordFilter(statuses: [.failed]))
        #expect(failed.records == Array(records.filter { $0.status == .failed }.suffix(3)))
    }

    @Test func lineLongerThanManyChunks() throws {
        let folder = try TemporaryFolder()
        let recorder = FileRunRecorder(folder: folder.history)
        let huge = record("a", 1, error: String(repeating: "0123456789", count: 30_000)) // 300 kB
        try recorder.append(record("a", 0))
        try recorder.append(huge)
        try recorder.append(record("a", 2))
        var reader = HistoryReader(folder: folder.history)
        reader.backwardChunkSize = 1000
        #expect(try reader.lastRecords(job: "a", count: 3).records == [record("a", 0), huge, record("a", 2)])
        #expect(try reader.records(HistoryQuery(job: "a")).records == [record("a", 0), huge, record("a", 2)])
        // Torn after a huge line: the huge line still reads.
        try folder.append("history/a.jsonl", String(huge.jsonLine.prefix(150_000)))
        let page = try reader.lastRecords(job: "a", count: 2)
        #expect(page.records == [huge, record("a", 2)])
        #expect(page.warnings.map(\.offset) == [Int64((record("a", 0).jsonLine + huge.jsonLine + record("a", 2).jsonLine).utf8.count + 3)])
    }

    @Test func firstLineWithoutAnythingBeforeIt() throws {
        let folder = try TemporaryFolder()
        try folder.write("history/a.jsonl", record("a", 0).jsonLine + "\n")
        var reader = HistoryReader(folder: folder.history)
        reader.backwardChunkSize = 16
        #expect(try reader.lastRecords(job: "a", count: 5).records == [record("a", 0)])
        #expect(try reader.lastRecords(job: "missing", count: 5).records.isEmpty)
        #expect(try reader.records(HistoryQuery(job: "missing")).records.isEmpty)
    }

    @Test func filtersByStatusAndTime() throws {
        let folder = try TemporaryFolder()
        let records = try writeVaried(folder, count: 40) // finished one minute apart
        let reader = HistoryReader(folder: folder.history)
        let since = at(30 * 60)
        let expected = records.filter { $0.finishedAt >= since && $0.status == .failed }
        let forward = try reader.records(HistoryQuery(job: "a", filter: RecordFilter(statuses: [.failed], since: since)))
        #expect(forward.records == expected)
        let backward = try reader.records(HistoryQuery(job: "a", filter: RecordFilter(statuses: [.failed], since: since), last: 100))
        #expect(backward.records == expected)
        let until = try reader.records(HistoryQuery(job: "a", filter: RecordFilter(until: at(60))))
        #expect(until.records == [records[0]])
    }

    @Test func allJobsMergedByTime() throws {
        let folder = try TemporaryFolder()
        let recorder = FileRunRecorder(folder: folder.history)
        for i in 0..<10 {
            try recorder.append(record(i % 2 == 0 ? "even" : "team/odd", i))
        }
        try folder.write("history/.hidden.jsonl", "x\n")
        try folder.write("history/team/odd/20261122T081500.000Z-aaaaaaaa.log", "log\n")
        #expect(folder.history.jobs() == ["even", "team/odd"])
        let reader = HistoryReader(folder: folder.history)
        let all = try reader.records(HistoryQuery())
        #expect(all.records.map(\.finishedAt) == (0..<10).map { at(Double($0) * 60) })
        let last3 = try reader.records(HistoryQuery(last: 3))
        #expect(last3.records.map(\.job) == ["team/odd", "even", "team/odd"])
        #expect(last3.records.map(\.finishedAt) == [7, 8, 9].map { at(Double($0) * 60) })
    }

    @Test func findsLogsUnderNestedJobFolders() throws {
        let folder = try TemporaryFolder()
        let run = "20261122T081500.000Z-aaaaaaaa"
        try folder.write("history/team/odd/\(run).log", "hello\n")
        #expect(folder.history.findLog(run: run)?.job == "team/odd")
        #expect(folder.history.findLog(run: "20261122T081500.000Z-bbbbbbbb") == nil)
        #expect(folder.history.findLog(run: "../../etc/passwd") == nil)
        #expect(try folder.history.relativeLogPath(job: "team/odd", run: run) == "history/team/odd/\(run).log")
    }
}

@Suite struct StatsTests {
    @Test func countsRatesPercentilesAndLastOutcomes() throws {
        let folder = try TemporaryFolder()
        let recorder = FileRunRecorder(folder: folder.history)
        // 20 completed runs of 1..20 s, 3 failed (21, 22, 23 s), a timeout, 2 skipped, 1 missed.
        var index = 0
        func add(_ status: RunStatus, _ ms: Int64?) throws {
            try recorder.append(record("a", index, status: status, durationMs: ms))
            index += 1
        }
        for s in 1...20 { try add(.completed, Int64(s) * 1000) }
        for s in 21...23 { try add(.failed, Int64(s) * 1000) }
        try add(.timedOut, 30_000)
        try add(.skipped, nil)
        try add(.skipped, nil)
        try add(.missed, nil)
        try add(.completed, 500)
        let (stats, warnings) = try HistoryReader(folder: folder.history).stats(job: "a")
        #expect(warnings.isEmpty)
        #expect(stats.total == 28)
        #expect(stats.counts == ["completed": 21, "failed": 3, "timed_out": 1, "skipped": 2, "missed": 1])
        #expect(stats.ran == 25)
        #expect(stats.successRate == 21.0 / 25.0)
        // 25 durations: 0.5 s, 1..23 s, 30 s. Nearest rank: p50 = 13th = 12 s; p95 = 24th = 23 s.
        #expect(stats.durations == HistoryStats.Durations(count: 25, p50Ms: 12_000, p95Ms: 23_000, maxMs: 30_000))
        #expect(stats.lastSuccess?.durationMs == 500)
        #expect(stats.lastFailure?.status == .timedOut)

        let recent = try HistoryReader(folder: folder.history).stats(job: "a", filter: RecordFilter(since: at(23 * 60))).stats
        #expect(recent.counts == ["timed_out": 1, "skipped": 2, "missed": 1, "completed": 1])
        #expect(recent.lastFailure?.status == .timedOut)
        let failures = try HistoryReader(folder: folder.history).stats(job: "a", filter: RecordFilter(statuses: [.failed])).stats
        #expect(failures.total == 3)
        #expect(failures.successRate == 0)
    }

    /// A file cut into parts scanned on every core gives the stats and warnings (with the file's
    /// line numbers) of one pass, whatever the cut points.
    @Test(arguments: [Int64(1), 97, 1000, 1 << 30])
    func statsOverPartsEqualOnePass(partBytes: Int64) throws {
        let folder = try TemporaryFolder()
        let records = try ReadingTests().writeVaried(folder, count: 300)
        try folder.append("history/a.jsonl", "not json\n\n")
        for i in 300..<310 { try FileRunRecorder(folder: folder.history, durability: .unsynced).append(record("a", i, status: .timedOut, durationMs: Int64(i))) }
        try folder.append("history/a.jsonl", "{\"v\":1,\"torn")
        var reader = HistoryReader(folder: folder.history)
        reader.forwardPartBytes = partBytes
        let (stats, warnings) = try reader.stats(job: "a")
        #expect(stats.total == 310)
        #expect(stats.count(.failed) == records.filter { $0.status == .failed }.count)
        #expect(stats.count(.timedOut) == 10)
        #expect(stats.lastFailure?.run == record("a", 309, status: .timedOut, durationMs: 309).run)
        #expect(stats.lastSuccess?.run == records.last { $0.status == .completed }?.run)
        #expect(warnings.map(\.line) == [301, 313])
        #expect(warnings[1].message.contains("incomplete last line"))
        if partBytes < 1000 {
            #expect(try ForwardLineReader.parts(path: reader.folder.file(forJob: "a"), count: 4, minimumBytes: partBytes).count == 4)
        }
    }

    @Test func emptyHistoryHasNoRates() throws {
        let folder = try TemporaryFolder()
        let stats = try HistoryReader(folder: folder.history).stats(job: "none").stats
        #expect(stats.total == 0)
        #expect(stats.successRate == nil)
        #expect(stats.durations == nil)
        #expect(stats.lastSuccess == nil)
    }

    @Test func statsOverAllJobs() throws {
        let folder = try TemporaryFolder()
        let recorder = FileRunRecorder(folder: folder.history)
        try recorder.append(record("a", 0, status: .completed, durationMs: 100))
        try recorder.append(record("b/c", 1, status: .failed, durationMs: 300))
        try recorder.append(record("a", 2, status: .completed, durationMs: 200))
        let stats = try HistoryReader(folder: folder.history).stats(job: nil).stats
        #expect(stats.total == 3)
        #expect(stats.durations == HistoryStats.Durations(count: 3, p50Ms: 200, p95Ms: 300, maxMs: 300))
        #expect(stats.lastSuccess?.run == record("a", 2, durationMs: 200).run)
        #expect(stats.lastFailure?.job == "b/c")
    }
}

@Suite struct CheckTests {
    let day: Int64 = 86_400_000

    func check(_ records: [RunRecord], _ check: HistoryCheck, now: Date) throws -> HistoryCheck.Outcome {
        let folder = try TemporaryFolder()
        let recorder = FileRunRecorder(folder: folder.history, durability: .unsynced)
        for r in records { try recorder.append(r) }
        return try check.evaluate(job: "a", reader: HistoryReader(folder: folder.history), now: now)
    }

    @Test func passesWhenASuccessIsRecentEnough() throws {
        let ok = record("a", 0)
        let outcome = try check([ok, record("a", 1, status: .skipped, durationMs: nil)], HistoryCheck(succeededWithinMs: 26 * 3_600_000), now: at(3 * 3600))
        #expect(outcome == HistoryCheck.Outcome(passed: true, reason: "pass: a succeeded 3h00m ago (run \(ok.run))", warnings: [], newest: at(60)))
    }

    @Test func failsWhenTheLastSuccessIsTooOld() throws {
        let ok = record("a", 0)
        let outcome = try check([ok, record("a", 1, status: .failed)], HistoryCheck(succeededWithinMs: 26 * 3_600_000), now: at(2 * 86_400))
        #expect(outcome.passed == false)
        #expect(outcome.reason == "fail: a has not succeeded within 1d2h (last success 2d ago, run \(ok.run))")
    }

    @Test func failsWithoutAnySuccess() throws {
        #expect(try check([], HistoryCheck(succeededWithinMs: day), now: at(0)).reason == "fail: a has not succeeded within 1d (no runs recorded)")
        #expect(try check([record("a", 0, status: .failed), record("a", 1, status: .timedOut)], HistoryCheck(succeededWithinMs: day), now: at(0)).reason
            == "fail: a has not succeeded within 1d (never succeeded in 2 recorded runs)")
    }

    @Test func countsConsecutiveFailuresSinceTheLastSuccess() throws {
        let records = [
            record("a", 0, status: .failed), record("a", 1), // success ends the older streak
            record("a", 2, status: .failed), record("a", 3, status: .skipped, durationMs: nil),
            record("a", 4, status: .timedOut), record("a", 5, status: .cancelled),
            record("a", 6, status: .interrupted, error: "jobctl stopped"),
        ]
        let failing = try check(records, HistoryCheck(maxConsecutiveFailures: 2), now: at(600))
        #expect(failing.passed == false)
        #expect(failing.reason == "fail: a has 3 consecutive failures (at most 2 allowed); latest interrupted, run \(records[6].run): jobctl stopped")
        let passing = try check(records, HistoryCheck(succeededWithinMs: day, maxConsecutiveFailures: 3), now: at(600))
        #expect(passing.reason == "pass: a succeeded 9m00s ago (run \(records[1].run)); 3 failures since")
        #expect(passing.passed)
    }
}

@Suite("History lines and request bodies are read by one JSON reader")
struct OneJSONReaderTests {
    @Test func aLoneSurrogateIsRefusedInAHistoryLineAsInARequest() {
        let line = #"{"v":1,"run":"20261122T081500.000Z-aaaaaaaa","job":"a","trigger":"manual","status":"completed","finishedAt":"2026-11-22T08:15:00.000Z","error":"\ud800"}"#
        #expect(throws: HistoryError.self) { try RunRecord(jsonLine: line) }
        let paired = line.replacingOccurrences(of: #"\ud800"#, with: #"\ud83d\ude00"#)
        #expect((try? RunRecord(jsonLine: paired))?.error == "😀")
        let leadingZero = line.replacingOccurrences(of: #","error":"\ud800""#, with: #","durationMs":012"#)
        #expect(throws: HistoryError.self) { try RunRecord(jsonLine: leadingZero) }
    }

    /// Integers are read from their digits without a String; at the edges of Int64 and past them
    /// the reader gives what `Int64(String)` and `Double(String)` give, and the summary scan
    /// (which skips unknown values) accepts and refuses the same lines as the full decode.
    @Test(arguments: [
        ("52791", Int64?(52791)), ("-7", -7), ("0", 0), ("999999999999999999", 999_999_999_999_999_999),
        ("-999999999999999999", -999_999_999_999_999_999), ("9223372036854775807", Int64.max), ("-9223372036854775808", Int64.min),
        ("9223372036854775808", nil), ("1e3", nil), ("1e999", nil), ("01", nil), ("-", nil),
    ])
    func integersAtTheEdges(text: String, expected: Int64?) {
        let line = #"{"v":1,"run":"20261122T081500.000Z-aaaaaaaa","job":"a","trigger":"manual","status":"completed","finishedAt":"2026-11-22T08:15:00.000Z","durationMs":"# + text + "}"
        let record = try? RunRecord(jsonLine: line)
        #expect(record?.durationMs == expected)
        let unknown = #"{"v":1,"run":"20261122T081500.000Z-aaaaaaaa","job":"a","trigger":"manual","status":"completed","finishedAt":"2026-11-22T08:15:00.000Z","later":"# + text + "}"
        let decoded = (try? RunRecord(jsonLine: unknown)) != nil
        let summarised = Array(unknown.utf8).withUnsafeBufferPointer { RecordLineDecoder.summary($0) } != nil
        #expect(decoded == summarised, "\(text)")
        #expect(decoded == !["1e999", "01", "-"].contains(text), "\(text)")
    }
}
