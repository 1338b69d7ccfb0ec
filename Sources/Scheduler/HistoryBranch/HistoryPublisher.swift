public import Foundation
public import GitStore
public import History

/// Publishes a history folder to a branch (``HistoryBranch``'s layout) by building trees in
/// memory with libgit2: no checkout, and the parent of each commit is the branch's tip, so a
/// publish writes only the segments that grew or are new — its cost grows with the new records,
/// not with the history's size.
///
/// What is already published is read from the branch itself (the last line of each job's last
/// segment), never from a state file of ours: a restart, a crash between a push and anything
/// after it, or a wiped state folder can neither lose nor double a record. Only the JSONL
/// records are published; logs, reports and event payloads never are.
///
/// Not `Sendable`: it owns libgit2 handles; use it from one serial queue.
public final class HistoryPublisher {
    /// Where the branch goes: pushed to a remote, or kept in the repository itself.
    public enum Destination: Sendable {
        case remote(url: String, credentials: RemoteCredentials?)
        case local
    }

    public struct Outcome: Sendable, Equatable {
        /// The new tip; nil when there was nothing new.
        public var commit: ObjectID?
        public var records: Int
        public var segments: Int
        public var jobs: Int
    }

    public struct Failure: Error, Sendable, CustomStringConvertible {
        public var message: String
        public var description: String { message }
    }

    public let repository: GitRepository
    public let history: HistoryFolder
    public let branch: String
    public let destination: Destination
    /// The branch tip the per-job state below was read from.
    private var base: ObjectID?
    private var known: [String: JobSegment] = [:]
    private var loaded = false

    /// Where each job's records stand on the branch: its open segment.
    struct JobSegment {
        var number: Int
        var blob: ObjectID
        var size: Int
        var lastRun: String?
        /// Records in the open segment.
        var records: Int
    }

    public init(repository: GitRepository, history: HistoryFolder, branch: String, destination: Destination) {
        self.repository = repository
        self.history = history
        self.branch = branch
        self.destination = destination
    }

    /// The local ref that holds the branch's tip as this publisher last saw or made it.
    public var trackingReference: String {
        switch destination {
        case .local: "refs/heads/" + branch
        case .remote: "refs/jobctl/published/" + branch
        }
    }

    /// Publishes every record written since the last publish, and drops the closed segments
    /// that `retention` (the root's `history.keepRuns` and `keepDays`) no longer keeps.
    /// - Throws: ``Failure`` when the branch cannot be read, the commit cannot be made, the push
    ///   fails or is rejected (another writer moved the branch): nothing is lost, the next
    ///   publish starts again from the branch's tip.
    public func publish(retention: RetentionPolicy = RetentionPolicy(), now: Date = Date()) throws(Failure) -> Outcome {
        do {
            if case .remote(let url, let credentials) = destination {
                try repository.fetch(from: url, refspecs: ["+refs/heads/\(branch):\(trackingReference)"], credentials: credentials)
            }
            let tip = try repository.referenceTarget(trackingReference)
            if !loaded || tip != base { try load(tip) }
            var files: [(path: String, blob: ObjectID)] = []
            var removed: [String] = []
            var closed: [String: [HistoryBranch.Segment]] = [:]
            var records = 0
            var jobs = 0
            var updated = known
            for job in history.jobs().sorted() {
                let lines: [[UInt8]]
                do { lines = try HistoryReader(folder: history).lines(after: known[job]?.lastRun, job: job) } catch {
                    throw Failure(message: "cannot read the history of \(job): \(error)")
                }
                guard !lines.isEmpty else { continue }
                jobs += 1
                records += lines.count
                var pending: [UInt8] = []
                var count = 0
                var number = 1
                if let old = known[job] {
                    number = old.number
                    pending = try repository.blob(old.blob)
                    count = old.records
                }
                /// Closes the pending segment under its closed name (it was open under the plain one).
                func close() throws {
                    let last = pending.split(separator: 0x0A).last.flatMap { RunRecord(line: Array($0)) }
                    let path = HistoryBranch.closedSegmentPath(job: job, number: number, records: count,
                                                               lastFinishedAt: last.map { RecordTime.milliseconds($0.finishedAt) } ?? 0)
                    files.append((path, try repository.writeBlob(pending)))
                    closed[job, default: []].append(HistoryBranch.segment(ofPath: path)!)
                    if known[job]?.number == number { removed.append(HistoryBranch.segmentPath(job: job, number: number)) }
                    number += 1
                    pending = []
                    count = 0
                }
                if pending.count >= HistoryBranch.segmentCap { try close() }
                for line in lines {
                    if !pending.isEmpty && pending.count + line.count > HistoryBranch.segmentCap { try close() }
                    pending += line
                    count += 1
                }
                let blob = try repository.writeBlob(pending)
                files.append((HistoryBranch.segmentPath(job: job, number: number), blob))
                let last = lines.reversed().lazy.compactMap { RunRecord(line: Array($0.dropLast())) }.first
                updated[job] = JobSegment(number: number, blob: blob, size: pending.count, lastRun: last?.run ?? known[job]?.lastRun, records: count)
            }
            if !files.isEmpty, !retention.keepsEverything {
                var listed = try tip.map { try HistoryBranch.segments(in: repository, commit: $0) } ?? [:]
                let existing = Set(listed.values.joined().map(\.path))
                for (job, segments) in closed { listed[job, default: []] += segments }
                for (job, segments) in listed {
                    let gone = Set(HistoryBranch.expired(segments, openRecords: updated[job]?.records ?? 0, policy: retention, now: now).map(\.path))
                    removed += gone.filter(existing.contains)
                    files.removeAll { gone.contains($0.path) }
                }
            }
            guard !files.isEmpty else { return Outcome(commit: nil, records: 0, segments: 0, jobs: 0) }
            let baseTree = try tip.map { try repository.commitInfo($0).treeID }
            let tree = try repository.tree(updating: baseTree, files: files, removed: removed.filter { path in !files.contains { $0.path == path } })
            let commit = try repository.commit(tree: tree, parents: tip.map { [$0] } ?? [],
                                               message: "jobctl history: \(records) record\(records == 1 ? "" : "s") of \(jobs) job\(jobs == 1 ? "" : "s")")
            switch destination {
            case .local:
                try repository.updateReference(trackingReference, to: commit, expecting: tip, message: "jobctl history publish")
            case .remote(let url, let credentials):
                let outgoing = "refs/jobctl/publishing/" + branch
                try repository.setReference(outgoing, to: commit)
                if let rejection = try repository.push(to: url, refspec: "\(outgoing):refs/heads/\(branch)", credentials: credentials) {
                    loaded = false
                    throw Failure(message: "the remote rejected the history push to \(branch) (\(rejection)): another writer moved it; nothing is lost, the next publish starts from its tip")
                }
                try repository.updateReference(trackingReference, to: commit, expecting: tip, message: "jobctl history publish")
            }
            base = commit
            known = updated
            return Outcome(commit: commit, records: records, segments: files.count, jobs: jobs)
        } catch let error as GitError {
            loaded = false
            throw Failure(message: error.message)
        } catch let error as Failure {
            throw error
        } catch {
            throw Failure(message: "\(error)")
        }
    }

    /// Reads where each job stands from the branch at `tip`: its last segment and the run of
    /// that segment's last line.
    private func load(_ tip: ObjectID?) throws {
        known = [:]
        if let tip {
            for (job, parts) in try HistoryBranch.segments(in: repository, commit: tip) {
                guard let last = parts.last else { continue }
                guard let blob = last.blob else { continue }
                let bytes = try repository.blob(blob)
                let lines = bytes.split(separator: 0x0A)
                let lastRun = lines.last.flatMap { RunRecord(line: Array($0)) }?.run
                if last.isClosed {
                    // Its open segment was dropped (or never written): the next records start a new one.
                    known[job] = JobSegment(number: last.number + 1, blob: try repository.writeBlob([]), size: 0, lastRun: lastRun, records: 0)
                } else {
                    known[job] = JobSegment(number: last.number, blob: blob, size: bytes.count, lastRun: lastRun, records: lines.count)
                }
            }
        }
        base = tip
        loaded = true
    }
}
