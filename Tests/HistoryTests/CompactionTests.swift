import Foundation
import Testing
@testable import History

@Suite struct CompactionTests {
    @Test func keepRunsKeepsTheNewest() throws {
        let folder = try TemporaryFolder()
        let recorder = FileRunRecorder(folder: folder.history)
        for i in 0..<10 { try recorder.append(record("a", i)) }
        let result = try HistoryCompactor(folder: folder.history).compact(job: "a", policy: RetentionPolicy(keepRuns: 3), now: at(3600))
        #expect(result == HistoryCompactor.Result(job: "a", kept: 3, removed: 7, dropped: 0, rewritten: true))
        #expect(folder.read("history/a.jsonl") == (7..<10).map { record("a", $0).jsonLine + "\n" }.joined())
        let again = try HistoryCompactor(folder: folder.history).compact(job: "a", policy: RetentionPolicy(keepRuns: 3), now: at(3600))
        #expect(again.rewritten == false)
        #expect(try FileManager.default.contentsOfDirectory(atPath: folder.path + "/history") == ["a.jsonl"])
    }

    @Test func aRemovedRecordTakesItsLogReportEventAndNotificationsWithIt() throws {
        let folder = try TemporaryFolder()
        let recorder = FileRunRecorder(folder: folder.history)
        for i in 0..<4 {
            let r = record("a/b", i)
            try recorder.append(r)
            for artifact in HistoryFolder.Artifact.allCases { try folder.history.write(Array("x".utf8), as: artifact, job: "a/b", run: r.run) }
            _ = try EventLog(folder: folder.history).append(Array("{\"n\": \(i)}\n".utf8), job: "a/b", run: r.run)
        }
        let other = "20260101T000000.000Z-zzzzzzzz" // a file of no record stays: only what a removed record names goes
        try folder.history.write(Array("x".utf8), as: .log, job: "a/b", run: other)
        let result = try HistoryCompactor(folder: folder.history).compact(job: "a/b", policy: RetentionPolicy(keepRuns: 1), now: at(3600))
        #expect(result.removed == 3)
        let left = try FileManager.default.contentsOfDirectory(atPath: folder.path + "/history/a/b").sorted()
        let kept = record("a/b", 3).run
        #expect(left == ([".events.jsonl", other + ".log"] + ["event.json", "log", "notify.jsonl", "report.md"].map { kept + "." + $0 }).sorted())
        // The event log keeps the kept run's line only.
        #expect(folder.read("history/a/b/.events.jsonl") == "{\"run\":\"\(kept)\",\"payload\":{\"n\": 3}}\n")
        #expect(try EventLog(folder: folder.history).payload(job: "a/b", run: kept) == Array("{\"n\": 3}\n".utf8))
        #expect(try EventLog(folder: folder.history).payload(job: "a/b", run: record("a/b", 0).run) == nil)
    }

    @Test func keepDaysAndKeepRunsTogetherAndTheNewestAlwaysStays() throws {
        let folder = try TemporaryFolder()
        let recorder = FileRunRecorder(folder: folder.history)
        let day = 86_400.0
        for i in 0..<10 { try recorder.append(record("a", i, seconds: Double(i) * day)) }
        let compactor = HistoryCompactor(folder: folder.history)
        // Within 3 days of day 10: days 7, 8, 9; and only the newest 2 of those.
        let both = try compactor.compact(job: "a", policy: RetentionPolicy(keepRuns: 2, keepDays: 3), now: at(10 * day))
        #expect(both.kept == 2)
        #expect(try HistoryReader(folder: folder.history).records(HistoryQuery(job: "a")).records.map(\.finishedAt) == [at(8 * day), at(9 * day)])
        // Everything is older than a day a year later, but the newest record stays.
        let late = try compactor.compact(job: "a", policy: RetentionPolicy(keepDays: 1), now: at(365 * day))
        #expect(late.kept == 1)
        #expect(try HistoryReader(folder: folder.history).records(HistoryQuery(job: "a")).records.map(\.finishedAt) == [at(9 * day)])
    }

    @Test func unreadableAndTornLinesAreDropped() throws {
        let folder = try TemporaryFolder()
        try folder.write("history/a.jsonl", record("a", 0).jsonLine + "\ngarbage\n" + record("a", 1).jsonLine + "\n{\"v\":1,")
        let result = try HistoryCompactor(folder: folder.history).compact(job: "a", policy: RetentionPolicy(), now: at(0))
        #expect(result == HistoryCompactor.Result(job: "a", kept: 2, removed: 0, dropped: 2, rewritten: true))
        #expect(folder.read("history/a.jsonl") == record("a", 0).jsonLine + "\n" + record("a", 1).jsonLine + "\n")
    }

    @Test func compactionNeverLosesAConcurrentAppend() throws {
        let folder = try TemporaryFolder()
        let recorder = FileRunRecorder(folder: folder.history, durability: .unsynced)
        let compactor = HistoryCompactor(folder: folder.history, durability: .unsynced)
        let old = -40.0 * 86_400
        // Writers append a fresh record and an old one alternately; the compactor keeps removing
        // the old ones (keepDays: 7), rewriting the file again and again while they write. The
        // writers go on past their 150 pairs until the compactor has rewritten the file 3 times,
        // however the threads are scheduled on a loaded machine.
        let done = ManagedFlag()
        let group = DispatchGroup()
        group.enter()
        Thread.detachNewThread {
            while !done.value {
                if (try? compactor.compact(job: "a", policy: RetentionPolicy(keepDays: 7), now: at(3600)))?.rewritten == true { done.count += 1 }
            }
            group.leave()
        }
        let written = ManagedFlag()
        onThreads(4) { thread in
            var i = 0
            // (At most 40,000 pairs: a compactor that never rewrites fails the test below.)
            while i < 150 || (done.count < 3 && i < 40_000) {
                var fresh = record("a", thread * 100_000 + i, seconds: Double(i % 500))
                fresh.node = "fresh"
                try! recorder.append(fresh)
                try! recorder.append(record("a", thread * 100_000 + 50_000 + i, seconds: old + Double(i % 500)))
                i += 1
            }
            written.add(i)
        }
        done.value = true
        group.wait()
        let page = try HistoryReader(folder: folder.history).records(HistoryQuery(job: "a"))
        #expect(page.warnings.isEmpty)
        let fresh = page.records.filter { $0.node == "fresh" }
        #expect(written.count >= 600)
        #expect(fresh.count == written.count)
        #expect(Set(fresh.map(\.run)).count == written.count)
        #expect(done.count >= 3)
    }
}

final class ManagedFlag: @unchecked Sendable {
    private let lock = NSLock()
    private var flag = false
    private var number = 0
    var value: Bool {
        get { lock.withLock { flag } }
        set { lock.withLock { flag = newValue } }
    }
    var count: Int {
        get { lock.withLock { number } }
        set { lock.withLock { number = newValue } }
    }

    func add(_ amount: Int) {
        lock.withLock { number += amount }
    }
}
