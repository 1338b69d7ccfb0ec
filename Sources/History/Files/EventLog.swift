import Foundation
#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// The event payloads kept for a job's runs and filtered events: one file per job,
/// `history/<job>/.events.jsonl`, a line per payload, `{"run":"<run id>","payload":<JSON>}`.
///
/// One file per job rather than one per event: a burst of events appends lines to a file that
/// exists instead of creating (and syncing the folder of) a file each, which cost more than the
/// rest of an event's handling. The line is written with the same single `write(2)` under
/// `flock` as a record; it is made durable by the record that names it (``RunRecorder``s sync
/// the log before the record, see ``companionFiles(of:)``). Retention rewrites it without the
/// lines of the runs it removes. The name starts with a dot so that it can never be taken for
/// the history file of a job (`history/<job>/events.jsonl` would be job `<job>/events`).
///
/// Payloads kept by earlier versions as `history/<job>/<run>.event.json` are still read.
public struct EventLog: Sendable {
    public static let fileName = ".events.jsonl"
    public let folder: HistoryFolder

    public init(folder: HistoryFolder) {
        self.folder = folder
    }

    /// `history/<job>/.events.jsonl`, absolute.
    public func path(job: String) throws(HistoryError) -> String {
        try HistoryFolder.checkJobID(job)
        return folder.path + "/" + job + "/" + Self.fileName
    }

    /// `history/<job>/.events.jsonl`, relative to the root: what a record's `event` names.
    public func relativePath(job: String) throws(HistoryError) -> String {
        try HistoryFolder.checkJobID(job)
        return folder.relativePath + "/" + job + "/" + Self.fileName
    }

    /// Appends `payload` (JSON text, see `EventPayload`) for `run`, not yet synced.
    /// - Returns: the log relative to the root, for the record.
    public func append(_ payload: [UInt8], job: String, run: String) throws(HistoryError) -> String {
        try HistoryFolder.checkRunID(run)
        var body = payload
        while let last = body.last, last == UInt8(ascii: "\n") || last == UInt8(ascii: " ") { body.removeLast() }
        guard !body.contains(UInt8(ascii: "\n")) else { throw HistoryError(.io, "an event payload must be one line of JSON") }
        var line = Self.prefix(run: run)
        line += body
        line.append(UInt8(ascii: "}"))
        // The log's first line also makes its name durable; later ones are synced by their record.
        let path = try path(job: job)
        _ = try HistoryFile(path: path).append(line, durability: SystemCalls.pathStatus(path) == nil ? .synced : .unsynced)
        return try relativePath(job: job)
    }

    /// The payload kept for `run` (JSON text ending with a newline), or nil when none is kept
    /// (no event triggered it, or retention removed it). Reads the log from its end, where recent
    /// runs are; then the file an earlier version kept.
    public func payload(job: String, run: String) throws(HistoryError) -> [UInt8]? {
        try HistoryFolder.checkRunID(run)
        let prefix = Self.prefix(run: run)
        var found: [UInt8]?
        try BackwardLineReader.read(path: path(job: job)) { line in
            guard line.bytes.count > prefix.count, line.bytes.last == UInt8(ascii: "}"),
                  line.bytes.starts(with: prefix) else { return true }
            found = Array(line.bytes[prefix.count..<(line.bytes.count - 1)]) + [UInt8(ascii: "\n")]
            return false
        }
        if let found { return found }
        let legacy = try folder.artifact(.event, job: job, run: run)
        return FileManager.default.contents(atPath: legacy).map(Array.init)
    }

    /// Rewrites the log without the lines of `runs` (retention), under its lock.
    func remove(runs: Set<String>, job: String, durability: Durability) throws(HistoryError) {
        let path = try path(job: job)
        guard !runs.isEmpty, SystemCalls.pathStatus(path) != nil else { return }
        let file = HistoryFile(path: path)
        try file.withExclusiveLock(durability: durability) { (_) throws(HistoryError) in
            try file.rewrite(durability: durability) { line in
                guard let run = Self.run(of: line.bytes) else { return true }
                return !runs.contains(run)
            }
        }
    }

    /// The files a record names that must be durable before it is: its event log, when the
    /// payload was appended to one. Both recorders sync them first.
    static func companionFiles(of record: RunRecord, folder: HistoryFolder) -> [String] {
        guard let event = record.event, event.hasSuffix("/" + fileName),
              let path = try? EventLog(folder: folder).path(job: record.job) else { return [] }
        return [path]
    }

    private static func prefix(run: String) -> [UInt8] {
        Array("{\"run\":\"\(run)\",\"payload\":".utf8)
    }

    private static func run(of line: UnsafeBufferPointer<UInt8>) -> String? {
        let start = Array("{\"run\":\"".utf8)
        guard line.starts(with: start), let end = line[start.count...].firstIndex(of: UInt8(ascii: "\"")) else { return nil }
        return String(decoding: line[start.count..<end], as: UTF8.self)
    }
}
