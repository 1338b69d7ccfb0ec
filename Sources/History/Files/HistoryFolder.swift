import Foundation

/// The history folder of a root: `history/<job>.jsonl` per job (job ids with `/` make
/// sub-folders: `history/reports/x.jsonl`) and `history/<job>/<run>.log` per run.
public struct HistoryFolder: Sendable, Hashable {
    /// Absolute path of the folder.
    public let path: String
    /// The folder as written in records' `log` (relative to the root), e.g. `history`.
    public let relativePath: String

    /// - Parameters:
    ///   - root: the jobs root.
    ///   - folder: the history folder relative to the root (`jobctl.yaml` `history.folder`).
    public init(root: String, folder: String = "history") {
        let rootURL = URL(fileURLWithPath: root).standardizedFileURL
        let trimmed = folder.hasSuffix("/") ? String(folder.dropLast()) : folder
        self.path = rootURL.appendingPathComponent(trimmed).standardizedFileURL.path
        self.relativePath = trimmed
    }

    /// A history folder given by its absolute path; records' `log` paths are then relative to
    /// its parent.
    public init(path: String) {
        let url = URL(fileURLWithPath: path).standardizedFileURL
        self.path = url.path
        self.relativePath = url.lastPathComponent
    }

    /// `history/<job>.jsonl`, absolute.
    /// - Throws: ``HistoryError`` `.invalidJobID` for an id that cannot name a file.
    public func file(forJob job: String) throws(HistoryError) -> String {
        try Self.checkJobID(job)
        return path + "/" + job + ".jsonl"
    }

    /// `history/<job>/<run>.log`, relative to the root: what a record's `log` holds.
    public func relativeLogPath(job: String, run: String) throws(HistoryError) -> String {
        try Self.checkJobID(job)
        try Self.checkRunID(run)
        return relativePath + "/" + job + "/" + run + ".log"
    }

    /// `history/<job>/<run>.log`, absolute.
    public func logFile(job: String, run: String) throws(HistoryError) -> String {
        try Self.checkJobID(job)
        try Self.checkRunID(run)
        return path + "/" + job + "/" + run + ".log"
    }

    /// What a run leaves beside its record, in `history/<job>/`: retention removes them with it.
    public enum Artifact: String, Sendable, CaseIterable {
        /// `<run>.log`: its steps' output.
        case log = "log"
        /// `<run>.report.md`: its report (an agent step's output).
        case report = "report.md"
        /// `<run>.event.json`: the event payload that triggered it (or that its filter refused), as
        /// earlier versions kept it; payloads are now lines of the job's ``EventLog``.
        case event = "event.json"
        /// `<run>.notify.jsonl`: one line per notification attempt.
        case notifications = "notify.jsonl"
    }

    /// `history/<job>/<run>.<artifact>`, absolute.
    public func artifact(_ artifact: Artifact, job: String, run: String) throws(HistoryError) -> String {
        try Self.checkJobID(job)
        try Self.checkRunID(run)
        return path + "/" + job + "/" + run + "." + artifact.rawValue
    }

    /// `history/<job>/<run>.<artifact>`, relative to the root: what a record names.
    public func relativeArtifact(_ artifact: Artifact, job: String, run: String) throws(HistoryError) -> String {
        try Self.checkJobID(job)
        try Self.checkRunID(run)
        return relativePath + "/" + job + "/" + run + "." + artifact.rawValue
    }

    /// Writes `history/<job>/<run>.<artifact>` atomically (a temporary file, fsync, rename), the
    /// job's folder created when missing.
    /// - Returns: the file relative to the root, as a record names it.
    @discardableResult
    public func write(_ bytes: [UInt8], as artifact: Artifact, job: String, run: String) throws(HistoryError) -> String {
        let file = try self.artifact(artifact, job: job, run: run)
        try SystemCalls.createFolders((file as NSString).deletingLastPathComponent)
        try SystemCalls.writeAtomically(bytes, to: file)
        return try relativeArtifact(artifact, job: job, run: run)
    }

    /// Appends one line (a newline is added) to `history/<job>/<run>.<artifact>` in one `write(2)`
    /// with `O_APPEND`, the job's folder created when missing: for `.notify.jsonl`, a line per
    /// notification attempt.
    public func appendLine(_ bytes: [UInt8], to artifact: Artifact, job: String, run: String) throws(HistoryError) {
        let file = try self.artifact(artifact, job: job, run: run)
        try SystemCalls.createFolders((file as NSString).deletingLastPathComponent)
        let fd = try SystemCalls.open(file, O_WRONLY | O_CREAT | O_APPEND, 0o644)
        defer { close(fd) }
        try SystemCalls.writeAll(fd, bytes + [UInt8(ascii: "\n")], path: file)
    }

    /// Every job with a history file, sorted.
    public func jobs() -> [String] {
        var found: [String] = []
        var pending = [""]
        let files = FileManager.default
        while let folder = pending.popLast() {
            let absolute = folder.isEmpty ? path : path + "/" + folder
            guard let entries = try? files.contentsOfDirectory(atPath: absolute) else { continue }
            for name in entries where !name.hasPrefix(".") {
                let relative = folder.isEmpty ? name : folder + "/" + name
                var isDirectory: ObjCBool = false
                guard files.fileExists(atPath: path + "/" + relative, isDirectory: &isDirectory) else { continue }
                if isDirectory.boolValue {
                    pending.append(relative)
                } else if name.hasSuffix(".jsonl") {
                    let job = String(relative.dropLast(6))
                    if Self.isValidJobID(job) { found.append(job) }
                }
            }
        }
        return found.sorted()
    }

    /// Finds `<run>.log` anywhere under the folder; returns the job (its folder) and the absolute path.
    public func findLog(run: String) -> (job: String, path: String)? {
        guard RunID.isValid(run) else { return nil }
        let target = run + ".log"
        var pending = [""]
        let files = FileManager.default
        while let folder = pending.popLast() {
            let absolute = folder.isEmpty ? path : path + "/" + folder
            guard let entries = try? files.contentsOfDirectory(atPath: absolute) else { continue }
            if !folder.isEmpty, entries.contains(target) {
                return (folder, absolute + "/" + target)
            }
            for name in entries where !name.hasPrefix(".") && !name.contains(".") {
                var isDirectory: ObjCBool = false
                if files.fileExists(atPath: absolute + "/" + name, isDirectory: &isDirectory), isDirectory.boolValue {
                    pending.append(folder.isEmpty ? name : folder + "/" + name)
                }
            }
        }
        return nil
    }

    /// Job ids: segments of lower-case letters, digits, `-` and `_`, joined by `/`.
    public static func isValidJobID(_ job: String) -> Bool {
        guard !job.isEmpty, job.utf8.count <= 512 else { return false }
        var previousSlash = true
        for c in job.utf8 {
            if c == UInt8(ascii: "/") {
                if previousSlash { return false }
                previousSlash = true
            } else if (c >= 97 && c <= 122) || (c >= 48 && c <= 57) || c == UInt8(ascii: "-") || c == UInt8(ascii: "_") {
                previousSlash = false
            } else {
                return false
            }
        }
        return !previousSlash
    }

    static func checkJobID(_ job: String) throws(HistoryError) {
        guard isValidJobID(job) else {
            throw HistoryError(.invalidJobID, "'\(job)' is not a job id (lower-case letters, digits, '-', '_', segments joined by '/')")
        }
    }

    static func checkRunID(_ run: String) throws(HistoryError) {
        guard RunID.isValid(run) else {
            throw HistoryError(.invalidRunID, "'\(run)' is not a run id")
        }
    }
}
