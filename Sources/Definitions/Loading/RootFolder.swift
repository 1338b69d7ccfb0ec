public import Foundation
#if canImport(Glibc)
import Glibc
#endif
import Locks

/// A jobs root on disk: the folder that holds `jobs/` and, optionally, `jobctl.yaml`.
public struct RootFolder: Sendable {
    public let path: String

    public init(path: String) {
        self.path = URL(fileURLWithPath: path).standardizedFileURL.path
    }

    public var jobsFolder: String { path + "/jobs" }
    public var configPath: String { path + "/jobctl.yaml" }

    public struct Scan: Sendable {
        public var configFile: SourceFile?
        public var jobFiles: [SourceFile]
        public var ignoredFiles: [String]
        /// Files that could not be read at all (too big, a symlink out of the root).
        public var diagnostics: [Diagnostic]
    }

    public struct Failure: Error, CustomStringConvertible {
        public var description: String
    }

    /// Reads `jobctl.yaml` and every file under `jobs/`.
    /// - Throws: `Failure` when the root does not exist or has no `jobs/` folder.
    public func scan(maximumBytes: Int = 1 << 20) throws(Failure) -> Scan {
        let files = FileManager.default
        var isDirectory: ObjCBool = false
        guard files.fileExists(atPath: path, isDirectory: &isDirectory), isDirectory.boolValue else {
            throw Failure(description: "\(path): no such folder")
        }
        var scan = Scan(configFile: nil, jobFiles: [], ignoredFiles: [], diagnostics: [])
        if files.fileExists(atPath: configPath) {
            scan.configFile = read(relative: "jobctl.yaml", maximumBytes: maximumBytes, diagnostics: &scan.diagnostics)
        }
        guard files.fileExists(atPath: jobsFolder, isDirectory: &isDirectory), isDirectory.boolValue else {
            throw Failure(description: "\(path): no jobs/ folder here; pass --root the folder that holds jobs/ (or run `jobctl init`)")
        }
        var pending = ["jobs"]
        var definitionFiles: [String] = []
        while let folder = pending.popLast() {
            for entry in Self.entries(of: path + "/" + folder) {
                let relative = folder + "/" + entry.name
                let full = path + "/" + relative
                switch entry.kind {
                case .folder:
                    pending.append(relative)
                    continue
                case .other:
                    scan.ignoredFiles.append(relative)
                    continue
                case .symlink:
                    let resolved = URL(fileURLWithPath: full).resolvingSymlinksInPath().path
                    guard resolved.hasPrefix(path + "/") else {
                        scan.diagnostics.append(Diagnostic(.error, "symbolic link points outside the root (\(resolved)); it is not followed", at: SourceLocation(file: relative, line: 1, column: 1)))
                        continue
                    }
                    var isFolder: ObjCBool = false
                    if files.fileExists(atPath: resolved, isDirectory: &isFolder), isFolder.boolValue {
                        scan.diagnostics.append(Diagnostic(.error, "symbolic link to a folder is not followed; move the jobs into jobs/", at: SourceLocation(file: relative, line: 1, column: 1)))
                        continue
                    }
                case .file:
                    break
                }
                guard SourceFile.isDefinitionFile(entry.name) else {
                    if !entry.name.hasPrefix(".") || entry.name == ".yaml" || entry.name == ".yml" { scan.ignoredFiles.append(relative) }
                    continue
                }
                definitionFiles.append(relative)
            }
        }
        // Read on every core: one open, fstat and read each, thousands of them.
        let read = ParallelMap.map(definitionFiles) { relative in
            var diagnostics: [Diagnostic] = []
            let file = self.read(relative: relative, maximumBytes: maximumBytes, diagnostics: &diagnostics)
            return (file, diagnostics)
        }
        for (file, diagnostics) in read {
            scan.diagnostics += diagnostics
            if let file { scan.jobFiles.append(file) }
        }
        scan.jobFiles.sort { $0.path < $1.path }
        scan.ignoredFiles.sort()
        return scan
    }

    private enum EntryKind { case file, folder, symlink, other }

    /// A folder's entries (without `.` and `..`), sorted by name; one `readdir` pass, no `stat` per file
    /// where the file system reports the type.
    private static func entries(of folder: String) -> [(name: String, kind: EntryKind)] {
        guard let directory = opendir(folder) else { return [] }
        defer { closedir(directory) }
        var result: [(String, EntryKind)] = []
        while let entry = readdir(directory) {
            let name = withUnsafePointer(to: entry.pointee.d_name) { pointer in
                pointer.withMemoryRebound(to: CChar.self, capacity: Int(NAME_MAX) + 1) { String(cString: $0) }
            }
            if name == "." || name == ".." { continue }
            var kind: EntryKind
            switch Int32(entry.pointee.d_type) {
            case Int32(DT_REG): kind = .file
            case Int32(DT_DIR): kind = .folder
            case Int32(DT_LNK): kind = .symlink
            case Int32(DT_UNKNOWN):
                var info = stat()
                guard lstat(folder + "/" + name, &info) == 0 else { continue }
                switch info.st_mode & S_IFMT {
                case S_IFREG: kind = .file
                case S_IFDIR: kind = .folder
                case S_IFLNK: kind = .symlink
                default: kind = .other
                }
            default: kind = .other
            }
            result.append((name, kind))
        }
        return result.sorted { $0.0 < $1.0 }
    }

    /// Reads a file with one `open`, `fstat` and `read` loop; refuses files over the size limit unread.
    private func read(relative: String, maximumBytes: Int, diagnostics: inout [Diagnostic]) -> SourceFile? {
        let location = SourceLocation(file: relative, line: 1, column: 1)
        let descriptor = open(path + "/" + relative, O_RDONLY | O_CLOEXEC)
        guard descriptor >= 0 else {
            diagnostics.append(Diagnostic(.error, "cannot read the file (\(String(cString: strerror(errno))))", at: location))
            return nil
        }
        defer { close(descriptor) }
        var info = stat()
        guard fstat(descriptor, &info) == 0 else {
            diagnostics.append(Diagnostic(.error, "cannot read the file (\(String(cString: strerror(errno))))", at: location))
            return nil
        }
        let size = Int(info.st_size)
        if size > maximumBytes {
            diagnostics.append(Diagnostic(.error, "file is \(size) bytes; job files are limited to \(maximumBytes) bytes (1 MiB)", at: location))
            return nil
        }
        var bytes = [UInt8](repeating: 0, count: size)
        var filled = 0
        while filled < size {
            let count = bytes.withUnsafeMutableBytes { buffer in
                Glibc.read(descriptor, buffer.baseAddress! + filled, size - filled)
            }
            if count < 0, errno == EINTR { continue }
            guard count > 0 else { break }
            filled += count
        }
        return SourceFile(path: relative, bytes: Array(bytes[..<filled]))
    }

    /// The working-tree version of one job, with the working tree's `jobctl.yaml`: what
    /// `jobctl run --draft JOB` runs and `jobctl fire-times JOB` previews, before it is committed.
    /// Reads `jobs/<id>.yaml` (or `.yml`) only, never through a symbolic link; checks across
    /// files are `validate`'s and `plan`'s business.
    ///
    /// - Returns: nil when there is no such file; otherwise a set with the job (valid or not: see
    ///   its diagnostics, which include the config's).
    public func draft(_ id: JobID) -> DefinitionSet? {
        var diagnostics: [Diagnostic] = []
        let configFile = FileManager.default.fileExists(atPath: configPath) ? read(relative: "jobctl.yaml", maximumBytes: 1 << 20, diagnostics: &diagnostics) : nil
        for suffix in [".yaml", ".yml"] {
            let relative = "jobs/" + id.rawValue + suffix
            var info = stat()
            guard lstat(path + "/" + relative, &info) == 0, info.st_mode & S_IFMT == S_IFREG else { continue }
            guard let file = read(relative: relative, maximumBytes: 1 << 20, diagnostics: &diagnostics) else { break }
            let (config, configDiagnostics) = DefinitionLoader.loadConfig(configFile)
            let parsed = DefinitionLoader.loadJob(file, config: config)
            return DefinitionSet(config: config, jobs: parsed.definition.map { [id: $0] } ?? [:],
                                 invalidJobs: parsed.definition == nil ? [id] : [],
                                 diagnostics: (configDiagnostics + parsed.diagnostics + diagnostics).sorted(), ignoredFiles: [])
        }
        return diagnostics.isEmpty ? nil : DefinitionSet(config: RepositoryConfig(), jobs: [:], invalidJobs: [id], diagnostics: diagnostics, ignoredFiles: [])
    }

    /// Loads the root as it is on disk (the working tree).
    public func load() throws(Failure) -> DefinitionSet {
        let scan = try scan()
        var set = DefinitionLoader.load(config: scan.configFile, jobFiles: scan.jobFiles, ignoredFiles: scan.ignoredFiles)
        set.diagnostics = (set.diagnostics + scan.diagnostics).sorted()
        return set
    }
}
