import Foundation
@testable import History

/// A fresh temporary folder, removed when released.
final class TemporaryFolder: Sendable {
    let path: String

    init() throws {
        path = FileManager.default.temporaryDirectory.appendingPathComponent("jobctl-history-\(UUID().uuidString)").resolvingSymlinksInPath().path
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
    }

    deinit { try? FileManager.default.removeItem(atPath: path) }

    var history: HistoryFolder { HistoryFolder(root: path) }

    func read(_ relative: String) -> String {
        FileManager.default.contents(atPath: path + "/" + relative).map { String(decoding: $0, as: UTF8.self) } ?? ""
    }

    func write(_ relative: String, _ text: String) throws {
        let url = URL(fileURLWithPath: path + "/" + relative)
        try FileManager.default.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
        try Data(text.utf8).write(to: url)
    }

    func append(_ relative: String, _ text: String) throws {
        let handle = try FileHandle(forWritingTo: URL(fileURLWithPath: path + "/" + relative))
        try handle.seekToEnd()
        try handle.write(contentsOf: Data(text.utf8))
        try handle.close()
    }
}

/// A fixed instant: 2026-11-22T08:15:00Z.
let baseTime = Date(timeIntervalSince1970: 1_795_335_300)

func at(_ seconds: Double) -> Date { baseTime.addingTimeInterval(seconds) }

/// A record finished `seconds` after `baseTime`.
func record(_ job: String = "reports/daily", _ index: Int, status: RunStatus = .completed, seconds: Double? = nil, durationMs: Int64? = 1000, scheduled: Double? = nil, error: String? = nil) -> RunRecord {
    let finished = at(seconds ?? Double(index) * 60)
    return RunRecord(
        run: RunID.make(milliseconds: RecordTime.milliseconds(finished) - (durationMs ?? 0), random: UInt64(index)),
        job: job, trigger: .schedule, status: status,
        scheduledFor: scheduled.map(at), startedAt: durationMs.map { finished.addingTimeInterval(-Double($0) / 1000) },
        finishedAt: finished, durationMs: durationMs, exitCode: status == .completed ? 0 : 1, attempt: 1,
        error: error
    )
}

/// Runs `body` on `count` threads at once and waits for all of them.
func onThreads(_ count: Int, _ body: @escaping @Sendable (Int) -> Void) {
    let group = DispatchGroup()
    for index in 0..<count {
        group.enter()
        Thread.detachNewThread {
            body(index)
            group.leave()
        }
    }
    group.wait()
}
