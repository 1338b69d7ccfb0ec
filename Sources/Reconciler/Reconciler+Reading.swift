import Definitions
import Foundation
import GitStore
import Locks

/// Reading commits and the working tree for a comparison: summaries, config files, blobs.
extension Reconciler {
    /// Every file of a commit's `jobs/` parsed: the summary of a tree not in the cache.
    func buildSummary(of commit: CommitState, config: RepositoryConfig) throws -> (TreeSummary, [String: ParsedJob]) {
        var summary = TreeSummary()
        var files: [SourceFile] = []
        for entry in try repository.treeEntries(commit: commit.id, under: root.jobsPath) {
            let path = "jobs/" + entry.path
            if Self.isHidden(path) { continue }
            switch entry.kind {
            case .symlink: summary[path] = .init(kind: .symlink)
            case .submodule: summary[path] = .init(kind: .submodule)
            case .file:
                if SourceFile.isDefinitionFile(path) {
                    files.append(SourceFile(path: path, bytes: try repository.blob(entry.id)))
                } else {
                    summary[path] = .init(kind: .otherFile)
                }
            }
        }
        let parses = Self.parse(files, config: config)
        var parsed: [ParsedJob] = []
        var ownDiagnostics = 0
        for file in files {
            summary[file.path] = parses[file.path].map(TreeSummary.entry(for:)) ?? .init(kind: .invalidJob)
            if let job = parses[file.path] {
                parsed.append(job)
                ownDiagnostics += job.diagnostics.count
            }
        }
        let set = DefinitionLoader.assemble(config: config, configDiagnostics: [], parsed: parsed, ignoredFiles: [])
        summary.crossFileValid = set.diagnostics.count == ownDiagnostics
        return (summary, parses)
    }

    static func parse(_ files: [SourceFile], config: RepositoryConfig) -> [String: ParsedJob] {
        // A file over the size limit is not parsed; the caller reports it.
        let parsed = ParallelMap.map(files.filter { $0.bytes.count <= maximumFileBytes }) { file in
            DefinitionLoader.loadJob(file, config: config)
        }
        var out: [String: ParsedJob] = [:]
        out.reserveCapacity(parsed.count)
        for job in parsed { out[job.path] = job }
        return out
    }

    func configFile(of commit: CommitState) throws -> SourceFile? {
        var ignored: [Diagnostic] = []
        return try configFile(of: commit, diagnostics: &ignored)
    }

    func configFile(of commit: CommitState, diagnostics: inout [Diagnostic]) throws -> SourceFile? {
        guard let entry = commit.config else { return nil }
        guard entry.kind == .file else {
            diagnostics.append(Diagnostic(.error, "jobctl.yaml must be a regular file, not a symbolic link or submodule", at: SourceLocation(file: "jobctl.yaml", line: 1, column: 1)))
            return nil
        }
        return SourceFile(path: "jobctl.yaml", bytes: try repository.blob(entry.id))
    }

    func workingTreeConfig(diagnostics: inout [Diagnostic]) -> SourceFile? {
        guard let folder = root.folder else { return nil }
        let path = folder + "/jobctl.yaml"
        var info = stat()
        guard lstat(path, &info) == 0 else { return nil }
        guard info.st_mode & S_IFMT == S_IFREG, let data = FileManager.default.contents(atPath: path) else {
            diagnostics.append(Diagnostic(.error, "jobctl.yaml must be a regular file, not a symbolic link or folder", at: SourceLocation(file: "jobctl.yaml", line: 1, column: 1)))
            return nil
        }
        return SourceFile(path: "jobctl.yaml", bytes: [UInt8](data))
    }

    func blobContent(id: ObjectID, mode: FileMode) throws -> EntryContent {
        switch mode {
        case .symlink: .symlink(String(decoding: try repository.blob(id), as: UTF8.self))
        case .gitlink: .submodule
        default: .file(try repository.blob(id))
        }
    }

    /// A working-tree entry below the root, never following a symbolic link; `nil` when absent.
    func diskContent(_ path: String) -> EntryContent? {
        guard let folder = root.folder else { return nil }
        let full = folder + "/" + path
        var info = stat()
        guard lstat(full, &info) == 0 else { return nil }
        switch info.st_mode & S_IFMT {
        case S_IFLNK:
            return .symlink((try? FileManager.default.destinationOfSymbolicLink(atPath: full)) ?? "")
        case S_IFDIR:
            return .submodule
        case S_IFREG:
            guard let data = FileManager.default.contents(atPath: full) else { return nil }
            return .file([UInt8](data))
        default:
            return nil
        }
    }

    static func isHidden(_ path: String) -> Bool {
        let name = path.split(separator: "/").last.map(String.init) ?? path
        return name.hasPrefix(".") && !SourceFile.isDefinitionFile(name)
    }
}

/// Looks up blob ids of a commit's `jobs/` entries one path at a time.
struct LazyTreeIndex {
    let repository: GitRepository
    let commit: ObjectID?
    let prefix: String

    /// The blob id at `path` (`jobs/...`); `nil` when absent.
    func id(of path: String) throws -> ObjectID? {
        guard let commit else { return nil }
        let relative = path.hasPrefix("jobs/") ? String(path.dropFirst(5)) : path
        return try repository.entry(commit: commit, path: prefix + "/" + relative)?.id
    }
}
