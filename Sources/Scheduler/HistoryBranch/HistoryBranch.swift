public import Foundation
public import GitStore
public import History

/// The layout of a published history branch: each job's records as append-only JSONL segments in
/// the order they were written — `<job id>/000003.jsonl` for the open one, the only one that
/// grows, and `<job id>/000001-<records>-<last finishedAt, Unix ms>.jsonl` for the closed ones
/// (closed once they hold ``segmentCap`` bytes; their names let retention drop whole segments
/// without reading them). Reading a job is concatenating its segments by number: the same lines
/// as its history file.
public enum HistoryBranch {
    /// A segment is closed once it reaches this size (2 MiB).
    public static let segmentCap = 2 << 20

    /// `reports/daily/000012.jsonl` for segment 12 of job `reports/daily`.
    public static func segmentPath(job: String, number: Int) -> String {
        let digits = String(number)
        return job + "/" + String(repeating: "0", count: max(0, 6 - digits.count)) + digits + ".jsonl"
    }

    /// `reports/daily/000012-4100-1796112000250.jsonl`: a closed segment, its record count and
    /// the `finishedAt` of its last record.
    public static func closedSegmentPath(job: String, number: Int, records: Int, lastFinishedAt: Int64) -> String {
        String(segmentPath(job: job, number: number).dropLast(6)) + "-\(records)-\(lastFinishedAt).jsonl"
    }

    /// One segment of a job on the branch.
    public struct Segment: Sendable, Hashable {
        public var job: String
        public var number: Int
        public var path: String
        public var blob: ObjectID?
        /// For a closed segment: how many records it holds, and when its last one finished.
        public var records: Int?
        public var lastFinishedAt: Int64?

        public var isClosed: Bool { records != nil }

        public init(job: String, number: Int, path: String, blob: ObjectID? = nil, records: Int? = nil, lastFinishedAt: Int64? = nil) {
            self.job = job
            self.number = number
            self.path = path
            self.blob = blob
            self.records = records
            self.lastFinishedAt = lastFinishedAt
        }
    }

    /// The segment a path of the branch is; nil for anything else.
    public static func segment(ofPath path: String) -> Segment? {
        guard let slash = path.lastIndex(of: "/") else { return nil }
        let name = path[path.index(after: slash)...]
        guard name.hasSuffix(".jsonl") else { return nil }
        let parts = name.dropLast(6).split(separator: "-", omittingEmptySubsequences: false)
        guard parts[0].count >= 6, let number = Int(parts[0]), number > 0 else { return nil }
        let job = String(path[..<slash])
        guard HistoryFolder.isValidJobID(job) else { return nil }
        switch parts.count {
        case 1: return Segment(job: job, number: number, path: path)
        case 3:
            guard let records = Int(parts[1]), let last = Int64(parts[2]) else { return nil }
            return Segment(job: job, number: number, path: path, records: records, lastFinishedAt: last)
        default: return nil
        }
    }

    /// Every job's segments at `commit`, each job's in order.
    public static func segments(in repository: GitRepository, commit: ObjectID) throws(GitError) -> [String: [Segment]] {
        var jobs: [String: [Segment]] = [:]
        for entry in try repository.treeEntries(commit: commit, under: "") {
            guard case .file = entry.kind, var segment = segment(ofPath: entry.path) else { continue }
            segment.blob = entry.id
            jobs[segment.job, default: []].append(segment)
        }
        for job in jobs.keys { jobs[job]!.sort { $0.number < $1.number } }
        return jobs
    }

    /// The closed segments of one job that `policy` drops whole: those all of whose records are
    /// older than `keepDays`, or that only hold records beyond the newest `keepRuns` (counting
    /// `openRecords`, the records of the job's open segment). The open segment always stays, as
    /// the newest record of a job does in its file.
    public static func expired(_ segments: [Segment], openRecords: Int, policy: RetentionPolicy, now: Date) -> [Segment] {
        guard !policy.keepsEverything else { return [] }
        let cutoff = policy.keepDays.map { RecordTime.milliseconds(now) - Int64($0) * 86_400_000 }
        var newer = openRecords
        var dropped: [Segment] = []
        for segment in segments.filter(\.isClosed).sorted(by: { $0.number > $1.number }) {
            let tooOld = cutoff.map { segment.lastFinishedAt! < $0 } ?? false
            let beyondCount = policy.keepRuns.map { newer >= $0 } ?? false
            if tooOld || beyondCount { dropped.append(segment) }
            newer += segment.records!
        }
        return dropped
    }

    /// Writes the records of `revision` (a ref such as `origin/jobctl/history`, read without a
    /// checkout) into `folder` as history files, one per job (only `job` when given), so that
    /// every reader of history files (`history`, `check`, `--stats`) reads a published branch
    /// the same way as a daemon's folder.
    /// - Returns: the commit read.
    @discardableResult
    public static func materialize(_ repository: GitRepository, revision: String, job: String?, into folder: HistoryFolder) throws(GitError) -> ObjectID {
        let commit = try repository.resolveCommit(revision)
        let all = try segments(in: repository, commit: commit)
        try? FileManager.default.createDirectory(atPath: folder.path, withIntermediateDirectories: true)
        for (name, parts) in all where job == nil || name == job {
            var bytes: [UInt8] = []
            for part in parts { if let blob = part.blob { bytes += try repository.blob(blob) } }
            guard let path = try? folder.file(forJob: name) else { continue }
            try? FileManager.default.createDirectory(atPath: (path as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
            FileManager.default.createFile(atPath: path, contents: Data(bytes))
        }
        return commit
    }
}
