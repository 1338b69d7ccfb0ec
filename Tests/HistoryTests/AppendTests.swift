import Foundation
import Testing
@testable import History
import TestSupport

@Suite struct AppendTests {
    @Test func appendedRecordsReadBackInOrder() throws {
        let folder = try TemporaryFolder()
        let recorder = FileRunRecorder(folder: folder.history)
        let records = (0..<5).map { record("reports/paid-search", $0) }
        for r in records { try recorder.append(r) }
        // Job ids with '/' make folders.
        let text = folder.read("history/reports/paid-search.jsonl")
        #expect(text == records.map { $0.jsonLine + "\n" }.joined())
        let page = try HistoryReader(folder: folder.history).records(HistoryQuery(job: "reports/paid-search"))
        #expect(page.records == records)
        #expect(page.warnings.isEmpty)
        #expect(try recorder.contains(run: records[2].run, job: "reports/paid-search"))
        #expect(try !recorder.contains(run: "20261122T081500.000Z-zzzzzzzz", job: "reports/paid-search"))
    }

    @Test func onlyFinalRecordsOfValidJobsAreAppended() throws {
        let folder = try TemporaryFolder()
        let recorder = FileRunRecorder(folder: folder.history)
        var running = record("a", 0)
        running.status = .running
        #expect(throws: HistoryError(.invalidRecord, "run \(running.run) is running; only final records are appended to history")) { try recorder.append(running) }
        #expect(throws: HistoryError(.invalidJobID, "'../etc' is not a job id (lower-case letters, digits, '-', '_', segments joined by '/')")) { try recorder.append(record("../etc", 0)) }
        #expect(throws: HistoryError.self) { try recorder.append(record("a//b", 0)) }
        #expect(throws: HistoryError.self) { try recorder.append(record("A", 0)) }
        #expect(!FileManager.default.fileExists(atPath: folder.path + "/history"))
    }

    @Test func tornLastLineIsSkippedByReadersAndRepairedByTheWriter() throws {
        let folder = try TemporaryFolder()
        let recorder = FileRunRecorder(folder: folder.history)
        let warnings = WarningBox()
        let repairing = FileRunRecorder(folder: folder.history, warn: { warnings.add($0) })
        try recorder.append(record("a", 0))
        try recorder.append(record("a", 1))
        // A crash in the middle of the third write.
        let torn = String(record("a", 2).jsonLine.prefix(57))
        try folder.append("history/a.jsonl", torn)

        let reader = HistoryReader(folder: folder.history)
        let forward = try reader.records(HistoryQuery(job: "a"))
        #expect(forward.records.map(\.run) == [record("a", 0).run, record("a", 1).run])
        #expect(forward.warnings.map(\.description) == ["\(folder.path)/history/a.jsonl:3: warning: skipped an incomplete last line (57 bytes without a newline: a crash during a write, or a write in progress); the next append repairs it"])
        let backward = try reader.records(HistoryQuery(job: "a", last: 5))
        #expect(backward.records.map(\.run) == forward.records.map(\.run))
        #expect(backward.warnings.count == 1)
        let stats = try reader.stats(job: "a")
        #expect(stats.stats.total == 2)
        #expect(stats.warnings.count == 1)

        try repairing.append(record("a", 3))
        #expect(warnings.all.map(\.message) == ["cut off an incomplete last line (57 bytes, left by a crash during a write) before appending"])
        #expect(folder.read("history/a.jsonl") == [0, 1, 3].map { record("a", $0).jsonLine + "\n" }.joined())
        let after = try reader.records(HistoryQuery(job: "a"))
        #expect(after.warnings.isEmpty)
        #expect(after.records.count == 3)
    }

    @Test func aFileOfOnlyATornLineIsEmptiedBeforeTheAppend() throws {
        let folder = try TemporaryFolder()
        try folder.write("history/a.jsonl", "{\"v\":1,\"ru")
        #expect(try HistoryReader(folder: folder.history).records(HistoryQuery(job: "a", last: 3)).warnings.count == 1)
        try FileRunRecorder(folder: folder.history).append(record("a", 0))
        #expect(folder.read("history/a.jsonl") == record("a", 0).jsonLine + "\n")
    }

    @Test func unreadableLinesInTheMiddleAreSkippedWithTheirLineNumber() throws {
        let folder = try TemporaryFolder()
        try folder.write("history/a.jsonl", record("a", 0).jsonLine + "\nnot json\n\n" + record("a", 1).jsonLine + "\n")
        let page = try HistoryReader(folder: folder.history).records(HistoryQuery(job: "a"))
        #expect(page.records.count == 2)
        #expect(page.warnings.map(\.description) == ["\(folder.path)/history/a.jsonl:2: warning: skipped an unreadable line: not a JSON object"])
    }

    @Test func concurrentAppendsFromThreadsNeverInterleave() throws {
        let folder = try TemporaryFolder()
        let recorder = FileRunRecorder(folder: folder.history, durability: .unsynced)
        let big = String(repeating: "x", count: 20_000) // lines far larger than a pipe buffer or a page
        onThreads(8) { thread in
            for i in 0..<50 {
                var r = record("a", thread * 1000 + i, error: i % 5 == 0 ? big : nil)
                r.node = "thread-\(thread)"
                try! recorder.append(r)
            }
        }
        let text = folder.read("history/a.jsonl")
        let lines = text.split(separator: "\n", omittingEmptySubsequences: false)
        #expect(lines.count == 401 && lines.last == "")
        let page = try HistoryReader(folder: folder.history).records(HistoryQuery(job: "a"))
        #expect(page.records.count == 400)
        #expect(page.warnings.isEmpty)
        #expect(Set(page.records.map(\.run)).count == 400)
    }

    @Test func concurrentAppendsFromProcessesNeverInterleave() throws {
        let folder = try TemporaryFolder()
        let processes = try (0..<4).map { worker in
            try AppendWorker.start(folder: folder.history.path, job: "shared/job", count: 100, worker: worker)
        }
        for process in processes {
            process.waitUntilExit()
            #expect(process.terminationStatus == 0)
        }
        let page = try HistoryReader(folder: folder.history).records(HistoryQuery(job: "shared/job"))
        #expect(page.warnings.isEmpty)
        #expect(page.records.count == 400)
        #expect(Set(page.records.map(\.run)).count == 400)
        #expect(Set(page.records.compactMap(\.node)) == ["worker-0", "worker-1", "worker-2", "worker-3"])
    }

    /// Not a test by itself: the body of each process of
    /// `concurrentAppendsFromProcessesNeverInterleave`, which runs this test binary again with
    /// only this test selected and the worker's settings in the environment.
    @Test func appendWorker() throws {
        guard let settings = AppendWorker.settings else { return }
        let recorder = FileRunRecorder(folder: HistoryFolder(path: settings.folder))
        let filler = String(repeating: "y", count: 5000)
        for i in 0..<settings.count {
            var r = record(settings.job, settings.worker * 10_000 + i, error: i % 3 == 0 ? filler : nil)
            r.node = "worker-\(settings.worker)"
            try recorder.append(r)
        }
    }
}

final class WarningBox: @unchecked Sendable {
    private let lock = NSLock()
    private var warnings: [HistoryWarning] = []
    func add(_ warning: HistoryWarning) { lock.withLock { warnings.append(warning) } }
    var all: [HistoryWarning] { lock.withLock { warnings } }
}

/// Starts this test binary again as a worker that appends records (see `appendWorker`).
enum AppendWorker {
    struct Settings {
        var folder: String
        var job: String
        var count: Int
        var worker: Int
    }

    static var settings: Settings? {
        let environment = ProcessInfo.processInfo.environment
        guard let folder = environment["JOBCTL_HISTORY_WORKER_FOLDER"], let job = environment["JOBCTL_HISTORY_WORKER_JOB"],
              let count = environment["JOBCTL_HISTORY_WORKER_COUNT"].flatMap(Int.init), let worker = environment["JOBCTL_HISTORY_WORKER_ID"].flatMap(Int.init) else { return nil }
        return Settings(folder: folder, job: job, count: count, worker: worker)
    }

    static func start(folder: String, job: String, count: Int, worker: Int) throws -> Process {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/proc/self/exe").resolvingSymlinksInPath()
        process.arguments = ["--testing-library", "swift-testing", "--filter", "AppendTests/appendWorker"]
        var environment = ProcessInfo.processInfo.environment
        environment["JOBCTL_HISTORY_WORKER_FOLDER"] = folder
        environment["JOBCTL_HISTORY_WORKER_JOB"] = job
        environment["JOBCTL_HISTORY_WORKER_COUNT"] = String(count)
        environment["JOBCTL_HISTORY_WORKER_ID"] = String(worker)
        process.environment = environment
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        try ChildSpawn.start(process)
        return process
    }
}
