/// A file to load: its path relative to the root (`jobs/reports/x.yaml`, `jobctl.yaml`) and its bytes,
/// read from a folder or from a git tree.
public struct SourceFile: Sendable {
    public var path: String
    public var bytes: [UInt8]

    public init(path: String, bytes: [UInt8]) {
        self.path = path
        self.bytes = bytes
    }

    /// The job id a path under `jobs/` stands for, or the problem with it.
    public static func jobID(forPath path: String, jobsFolder: String = "jobs") -> Result<JobID, InvalidJobPath> {
        var relative = path
        if relative.hasPrefix(jobsFolder + "/") { relative.removeFirst(jobsFolder.count + 1) }
        for suffix in [".yaml", ".yml"] where relative.hasSuffix(suffix) {
            relative.removeLast(suffix.count)
            break
        }
        if let id = JobID(relative) { return .success(id) }
        let suggestion = JobID.suggestion(for: relative)
        let rename = suggestion.isEmpty ? "" : "; rename it to \(jobsFolder)/\(suggestion).yaml"
        return .failure(InvalidJobPath(message: "\(JobID.problem(with: relative)!)\(rename)"))
    }

    public static func isDefinitionFile(_ path: String) -> Bool {
        path.hasSuffix(".yaml") || path.hasSuffix(".yml")
    }
}

/// A file under jobs/ whose name is not a valid job id.
public struct InvalidJobPath: Error, Sendable {
    public var message: String
}
