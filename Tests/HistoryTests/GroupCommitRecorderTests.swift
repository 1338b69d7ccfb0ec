import Foundation
import History
import Testing
import TestSupport

@Suite("Group commit of history appends")
struct GroupCommitRecorderTests {
    @Test func concurrentAppendsAllLandWholeInTheirFiles() async throws {
        let root = try TemporaryRoot()
        let folder = HistoryFolder(root: root.path)
        let recorder = GroupCommitRecorder(folder: folder)
        let ids = RunIDGenerator()
        let now = Date()
        try await withThrowingTaskGroup(of: Void.self) { group in
            for index in 0..<200 {
                let record = RunRecord(run: ids.next(at: now), job: index % 2 == 0 ? "a" : "deep/b", trigger: .event, status: .filtered, finishedAt: now)
                group.addTask { try await recorder.append(record) }
            }
            try await group.waitForAll()
        }
        let reader = HistoryReader(folder: folder)
        var counts: [String: Int] = [:]
        for job in ["a", "deep/b"] {
            let warnings = try reader.forEachRecord(job: job) { _ in counts[job, default: 0] += 1 }
            #expect(warnings.isEmpty)
        }
        #expect(counts == ["a": 100, "deep/b": 100])
        #expect(try await recorder.contains(run: try reader.lastRecord(job: "a")!.run, job: "a"))
        await #expect(throws: HistoryError.self) {
            try await recorder.append(RunRecord(run: ids.next(at: now), job: "a", trigger: .event, status: .running, finishedAt: now))
        }
    }
}
