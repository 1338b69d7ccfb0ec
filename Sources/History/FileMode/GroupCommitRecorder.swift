
import Dispatch
import Foundation
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// History appends with group commit: the same durability as ``FileRunRecorder``'s `.synced`
/// (when `append` returns, the record is on disk), but records appended while a sync is under
/// way share the next `fdatasync(2)` instead of paying one each.
///
/// Each record is written at once (one `write(2)` under `flock`, O_APPEND, as `FileRunRecorder`
/// writes it; when another writer holds the lock, the wait for it runs on a thread of its own), then `append` suspends until a sync that started after the write has finished.
/// Syncs run on their own thread, one at a time, so the caller (the scheduler actor) is free to
/// take other requests meanwhile: under a burst of events the daemon makes one sync per batch
/// rather than one per record. A new file's folder is synced too.
public final class GroupCommitRecorder: RunRecorder {
    public let folder: HistoryFolder
    private let writer: FileRunRecorder
    private let syncer = Syncer()

    public init(folder: HistoryFolder, warn: @escaping @Sendable (HistoryWarning) -> Void = { _ in }) {
        self.folder = folder
        self.writer = FileRunRecorder(folder: folder, durability: .unsynced, warn: warn)
    }

    public func append(_ record: RunRecord) async throws {
        try await append(contentsOf: [record])
    }

    /// Writes the records in order, then waits for the syncs of the files they went to (shared
    /// with any other appends under way): a batch costs one sync per file, not one per record.
    public func append(contentsOf records: [RunRecord]) async throws {
        var syncs: [String: (folder: String?, companions: [String])] = [:]
        for record in records {
            let path = try folder.file(forJob: record.job)
            if syncs[path] == nil {
                syncs[path] = (access(path, F_OK) != 0 ? (path as NSString).deletingLastPathComponent : nil, [])
            }
            // The write itself is short; waiting for a lock another writer holds (a compaction,
            // another process) is not, so that wait happens on a thread of its own, never on the
            // cooperative pool, where it would hold back timers and other runs.
            if try !writer.append(record, waitingForTheLock: false) {
                let writer = self.writer
                try await DedicatedThread.run { () throws(HistoryError) in try writer.append(record) }
            }
            syncs[path]?.companions += EventLog.companionFiles(of: record, folder: folder)
        }
        let syncer = self.syncer
        try await withThrowingTaskGroup(of: Void.self) { group in
            for (path, sync) in syncs {
                group.addTask { try await syncer.sync(path: path, folder: sync.folder, companions: sync.companions) }
            }
            try await group.waitForAll()
        }
    }

    public func contains(run: String, job: String) async throws -> Bool {
        try writer.contains(run: run, job: job)
    }

    /// Batches sync requests: whoever asks while a sync runs is served by the next one.
    actor Syncer {
        private var paths: Set<String> = []
        private var folders: Set<String> = []
        /// Synced before `paths`: what the records name (their event logs).
        private var companions: Set<String> = []
        private var waiters: [CheckedContinuation<Void, any Error>] = []
        private var syncing = false
        private let queue = DispatchQueue(label: "jobctl.history.sync")

        func sync(path: String, folder: String?, companions: [String]) async throws {
            paths.insert(path)
            self.companions.formUnion(companions)
            if let folder { folders.insert(folder) }
            try await withCheckedThrowingContinuation { continuation in
                waiters.append(continuation)
                if !syncing { startBatch() }
            }
        }

        private func startBatch() {
            syncing = true
            let batch = (paths: paths, folders: folders, companions: companions, waiters: waiters)
            paths = []
            folders = []
            companions = []
            waiters = []
            queue.async {
                var failure: (any Error)?
                for path in batch.companions.sorted() + batch.paths.sorted() + batch.folders.sorted() {
                    do throws(HistoryError) { try SystemCalls.dataSync(path: path) } catch { failure = error }
                }
                Task { await self.finished(batch.waiters, failure: failure) }
            }
        }

        private func finished(_ batch: [CheckedContinuation<Void, any Error>], failure: (any Error)?) {
            for waiter in batch {
                if let failure { waiter.resume(throwing: failure) } else { waiter.resume() }
            }
            if waiters.isEmpty {
                syncing = false
            } else {
                startBatch()
            }
        }
    }
}
