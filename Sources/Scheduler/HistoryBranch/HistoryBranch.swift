public import Foundation
public import GitStore
public import History

/// The layout of a published history branch: each job's records as append-only JSONL segments,
/// `<job id>/000001.jsonl`, `<job id>/000002.jsonl`, … in the order they were written. A segment
/// is closed once it holds ``segmentCap`` bytes; only the last one of a job grows. Reading a job
/// is concatenating its segments in order: the same lines as its history file.
public enum HistoryBranch {
    /// A segment is closed once it reaches this size (2 MiB).
    public static let segmentCap = 2 << 20

    /// `reports/daily/000012.jsonl` for segment 12 of job `reports/daily`.
    public static func segmentPath(job: String, number: Int) -> String {
        let digits = String(number)
        return job + "/" + String(repeating: "0", count: max(0, 6 - digits.count)) + digits + ".jsonl"
    }

    /// The job and segment number of a path of the branch; nil for anything else.
    public static func segment(ofPath path: String) -> (job: String, number: Int)? {
        guard let slash = path.lastIndex(of: "/") else { return nil }
        let name = path[path.index(after: slash)...]
        guard name.hasSuffix(".jsonl"), let number = Int(name.dropLast(6)), number > 0, name.count >= 12 else { return nil }
        let job = String(path[..<slash])
        return HistoryFolder.isValidJobID(job) ? (job, number) : nil
    }

    /// Every job's segments at `commit`, each job's in order.
    public static func segments(in repository: GitRepository, commit: ObjectID) throws(GitError) -> [String: [(number: Int, blob: ObjectID)]] {
        var jobs: [String: [(number: Int, blob: ObjectID)]] = [:]
        for entry in try repository.treeEntries(commit: commit, under: "") {
            guard case .file = entry.kind, let segment = segment(ofPath: entry.path) else { continue }
            jobs[segment.job, default: []].append((segment.number, entry.id))
        }
        for job in jobs.keys { jobs[job]!.sort { $0.number < $1.number } }
        return jobs
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
            for part in parts { bytes += try repository.blob(part.blob) }
            guard let path = try? folder.file(forJob: name) else { continue }
            try? FileManager.default.createDirectory(atPath: (path as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
            FileManager.default.createFile(atPath: path, contents: Data(bytes))
        }
        return commit
    }
}
