public import Foundation
#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// How much history to keep (`jobctl.yaml`: `history: {keepRuns: N, keepDays: D}`).
///
/// A record stays when it is among the newest `keepRuns` records *and* finished within the last
/// `keepDays` days; either limit may be absent. The newest record of a job always stays, so the
/// scheduler still knows the job's last fire.
public struct RetentionPolicy: Sendable, Hashable {
    public var keepRuns: Int?
    public var keepDays: Int?

    public init(keepRuns: Int? = nil, keepDays: Int? = nil) {
        self.keepRuns = keepRuns
        self.keepDays = keepDays
    }

    /// No limits: compaction keeps every record.
    public var keepsEverything: Bool { keepRuns == nil && keepDays == nil }
}

/// Applies a ``RetentionPolicy`` to history files by rewriting them: the kept lines go to a
/// temporary file in the same folder, which is fsynced and renamed over the original (and the
/// folder fsynced), all while holding the file's `flock`. Appends wait for the lock and then
/// land in the new file (see ``FileRunRecorder``), so none is lost. Readers see the old file
/// or the new one. Torn and unreadable lines are dropped (and counted).
public struct HistoryCompactor: Sendable {
    public struct Result: Sendable, Hashable {
        public var job: String
        public var kept: Int
        public var removed: Int
        /// Unreadable or torn lines dropped.
        public var dropped: Int
        /// Whether the file was rewritten (false when nothing had to go).
        public var rewritten: Bool
    }

    public let folder: HistoryFolder
    public let durability: Durability

    public init(folder: HistoryFolder, durability: Durability = .synced) {
        self.folder = folder
        self.durability = durability
    }

    /// Compacts one job's file; `now` is the reference for `keepDays`.
    /// - Throws: ``HistoryError`` (`.invalidJobID`, `.io`).
    public func compact(job: String, policy: RetentionPolicy, now: Date) throws(HistoryError) -> Result {
        let path = try folder.file(forJob: job)
        guard SystemCalls.pathStatus(path) != nil else { return Result(job: job, kept: 0, removed: 0, dropped: 0, rewritten: false) }
        let file = HistoryFile(path: path)
        return try file.withExclusiveLock(durability: durability) { (_) throws(HistoryError) -> Result in
            // Pass 1: which lines are records, and when they finished.
            var finished: [Int64?] = []
            var torn = 0
            try ForwardLineReader.read(path: path, torn: { _, _, _ in torn = 1 }) { line in
                finished.append(RecordLineDecoder.summary(line.bytes)?.finishedAt)
                return true
            }
            let readable = finished.indices.filter { finished[$0] != nil }
            var keep = [Bool](repeating: false, count: finished.count)
            let oldest = policy.keepDays.map { RecordTime.milliseconds(now) - Int64($0) * 86_400_000 }
            let firstByCount = policy.keepRuns.map { max(0, readable.count - max(0, $0)) } ?? 0
            for (rank, index) in readable.enumerated() where rank >= firstByCount {
                if let oldest, finished[index]! < oldest { continue }
                keep[index] = true
            }
            if let newest = readable.last { keep[newest] = true }
            let kept = keep.count { $0 }
            let result = Result(job: job, kept: kept, removed: readable.count - kept, dropped: finished.count - readable.count + torn, rewritten: true)
            guard result.removed > 0 || result.dropped > 0 else {
                return Result(job: job, kept: kept, removed: 0, dropped: 0, rewritten: false)
            }
            // Pass 2: write the kept lines to a temporary file, then rename it over the original;
            // note the runs that go, whose log, report, event payload and notifications go too.
            var removedRuns: [String] = []
            var number = 0
            try file.rewrite(durability: durability) { line in
                defer { number += 1 }
                guard number < keep.count, keep[number] else {
                    if case .success(let record) = RecordLineDecoder.decode(line.bytes) { removedRuns.append(record.run) }
                    return false
                }
                return true
            }
            try EventLog(folder: folder).remove(runs: Set(removedRuns), job: job, durability: durability)
            for run in removedRuns {
                for artifact in HistoryFolder.Artifact.allCases {
                    if let file = try? folder.artifact(artifact, job: job, run: run) { unlink(file) }
                }
            }
            return result
        }
    }

    /// Compacts every job's file.
    public func compactAll(policy: RetentionPolicy, now: Date) throws(HistoryError) -> [Result] {
        guard !policy.keepsEverything else { return [] }
        return try folder.jobs().map { (job) throws(HistoryError) in try compact(job: job, policy: policy, now: now) }
    }
}
