import Foundation

/// ``RunRecorder`` over `history/<job>.jsonl`: each record is one line, written by one
/// `write(2)` on a descriptor opened with O_APPEND while holding `flock(LOCK_EX)` on the file,
/// then `fdatasync(2)` (see ``Durability``). A torn last line left by a crash is cut off before
/// the next append. Safe to use from several threads and several processes at once.
public final class FileRunRecorder: RunRecorder {
    public let folder: HistoryFolder
    public let durability: Durability
    private let warn: @Sendable (HistoryWarning) -> Void

    /// - Parameter warn: told when an append repaired a torn last line.
    public init(folder: HistoryFolder, durability: Durability = .synced, warn: @escaping @Sendable (HistoryWarning) -> Void = { _ in }) {
        self.folder = folder
        self.durability = durability
        self.warn = warn
    }

    /// Appends `record` to its job's file, creating the file and its folders when needed.
    /// - Throws: ``HistoryError``: `.invalidRecord` for a status that is not final,
    ///   `.invalidJobID`, or `.io`.
    public func append(_ record: RunRecord) throws(HistoryError) {
        _ = try append(record, waitingForTheLock: true)
    }

    /// Appends `record` as ``append(_:)`` does, or — when `waitingForTheLock` is false and another
    /// writer (a compaction, another process) holds the file's lock — writes nothing and returns
    /// false, so a caller on the cooperative pool can wait for the lock on a thread of its own.
    public func append(_ record: RunRecord, waitingForTheLock: Bool) throws(HistoryError) -> Bool {
        guard record.status.isFinal else {
            throw HistoryError(.invalidRecord, "run \(record.run) is \(record.status.rawValue); only final records are appended to history")
        }
        try HistoryFolder.checkRunID(record.run)
        let path = try folder.file(forJob: record.job)
        if durability == .synced {
            for companion in EventLog.companionFiles(of: record, folder: folder) { try SystemCalls.dataSync(path: companion) }
        }
        guard let repaired = try HistoryFile(path: path).append(RecordLineEncoder.encode(record), durability: durability, waiting: waitingForTheLock) else {
            return false
        }
        if repaired > 0 {
            warn(HistoryWarning(path: path, line: nil, offset: -1, message: "cut off an incomplete last line (\(repaired) bytes, left by a crash during a write) before appending"))
        }
        return true
    }

    public func contains(run: String, job: String) throws(HistoryError) -> Bool {
        try HistoryReader(folder: folder).contains(run: run, job: job)
    }
}
