import Foundation
import History
import Testing
import TestSupport

@Suite("Run summaries: what the dashboard shows, kept as records are appended")
struct RunSummariesTests {
    static func record(_ job: String, _ status: RunStatus, ms: Int64?, at second: Int) -> RunRecord {
        var record = RunRecord(run: "20260101T000000.000Z-\(String(format: "%08d", second))", job: job, trigger: .manual, status: status,
                               finishedAt: Date(timeIntervalSince1970: 1_780_000_000 + Double(second)))
        record.durationMs = ms
        return record
    }

    @Test func successRateAndNearestRankPercentilesCoverOnlyRunsThatRan() throws {
        let summaries = RunSummaries(window: 100)
        #expect(summaries.summary(of: "a") == nil)
        for i in 1...20 { summaries.observe(Self.record("a", i <= 15 ? .completed : .failed, ms: Int64(i * 10), at: i)) }
        summaries.observe(Self.record("a", .skipped, ms: nil, at: 21))
        summaries.observe(Self.record("b", .completed, ms: 5, at: 1))
        let a = try #require(summaries.summary(of: "a"))
        #expect(a.records == 21 && a.ran == 20 && a.completed == 15)
        #expect(a.successRate == 0.75)
        #expect(a.p50Ms == 100 && a.p95Ms == 190)
        #expect(a.recent.count == RunSummaries.stripLength && a.recent.last == .skipped && a.recent.first == .completed)
        #expect(summaries.summary(of: "b")?.p50Ms == 5)
    }

    @Test func theWindowKeepsTheMostRecentRecordsAndSeedingReadsThemFromTheFiles() throws {
        let root = try TemporaryRoot()
        let folder = HistoryFolder(path: root.path + "/history")
        let writer = FileRunRecorder(folder: folder, durability: .unsynced)
        for i in 1...30 { try writer.append(Self.record("job", i <= 20 ? .failed : .completed, ms: 1000, at: i)) }
        let summaries = RunSummaries(window: 10)
        summaries.seed(from: folder)
        let summary = try #require(summaries.summary(of: "job"))
        #expect(summary.records == 10 && summary.successRate == 1.0, "only the last 10 records, all completed")
        summaries.observe(Self.record("job", .failed, ms: 1000, at: 31))
        #expect(summaries.summary(of: "job")?.successRate == 0.9)
    }
}
