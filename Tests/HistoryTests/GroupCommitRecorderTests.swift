import Foundation
import Synchronization
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

    /// Appends waiting for a lock another writer holds must not hold the cooperative pool: with
    /// more of them in flight than the pool has threads, a timer's task (on the test clock) still
    /// runs, and an append to another file still lands, before the lock is released. An ordering,
    /// never a wall-time bound: a watchdog releases the lock after a minute if the timer never ran,
    /// so a starved pool fails the test instead of hanging it.
    @Test func appendsWaitingForALockLeaveThePoolToTimersAndOtherFiles() async throws {
        let root = try TemporaryRoot()
        let folder = HistoryFolder(root: root.path)
        let recorder = GroupCommitRecorder(folder: folder)
        let ids = RunIDGenerator()
        let now = Date()
        let holder = try FileLock(path: try folder.file(forJob: "locked"))
        #expect(try holder.tryExclusive())
        let events = Events()
        let finished = DispatchSemaphore(value: 0)
        let blocked = 2 * ProcessInfo.processInfo.activeProcessorCount + 2
        let lockedRecords = (0..<blocked).map { _ in RunRecord(run: ids.next(at: now), job: "locked", trigger: .event, status: .filtered, finishedAt: now) }
        let freeRecord = RunRecord(run: ids.next(at: now), job: "free", trigger: .event, status: .filtered, finishedAt: now)
        let appends = Task {
            try await withThrowingTaskGroup(of: Void.self) { group in
                for record in lockedRecords {
                    group.addTask {
                        try await recorder.append(record)
                        events.list.withLock { $0.append("locked append") }
                    }
                }
                try await group.waitForAll()
            }
        }
        let watchdog = Thread {
            if finished.wait(timeout: .now() + 600) == .timedOut { holder.unlock() }
        }
        watchdog.start()
        let clock = ManualClock()
        let timer = Task {
            try await clock.sleep(until: clock.now().addingTimeInterval(1))
            events.list.withLock { $0.append("timer") }
            try await recorder.append(freeRecord)
            events.list.withLock { $0.append("free append") }
        }
        try await eventually { clock.sleeperCount == 1 }
        clock.advance(by: .seconds(1))
        try await timer.value
        finished.signal()
        holder.unlock()
        try await appends.value
        let order = events.list.withLock { $0 }
        #expect(Array(order.prefix(2)) == ["timer", "free append"], "\(order)")
        #expect(order.filter { $0 == "locked append" }.count == blocked)
        let reader = HistoryReader(folder: folder)
        var count = 0
        _ = try reader.forEachRecord(job: "locked") { _ in count += 1 }
        #expect(count == blocked)
    }

    final class Events: Sendable {
        let list = Mutex<[String]>([])
    }
}
