public import Foundation

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
        while let folder = pending.popLast() {
            let entries = (try? files.contentsOfDirectory(atPath: path + "/" + folder)) ?? []
            for name in entries.sorted() {
                let relative = folder + "/" + name
                let full = path + "/" + relative
                guard let attributes = try? files.attributesOfItem(atPath: full), let type = attributes[.type] as? FileAttributeType else { continue }
                if type == .typeSymbolicLink {
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
                } else if type == .typeDirectory {
                    pending.append(relative)
                    continue
                } else if type != .typeRegular {
                    scan.ignoredFiles.append(relative)
                    continue
                }
                guard SourceFile.isDefinitionFile(name) else {
                    if !name.hasPrefix(".") || name == ".yaml" || name == ".yml" { scan.ignoredFiles.append(relative) }
                    continue
                }
                if let file = read(relative: relative, maximumBytes: maximumBytes, diagnostics: &scan.diagnostics) {
                    scan.jobFiles.append(file)
                }
            }
        }
        scan.jobFiles.sort { $0.path < $1.path }
        scan.ignoredFiles.sort()
        return scan
    }

    private func read(relative: String, maximumBytes: Int, diagnostics: inout [Diagnostic]) -> SourceFile? {
        let full = path + "/" + relative
        let size = (try? FileManager.default.attributesOfItem(atPath: full)[.size] as? Int) ?? 0
        if size > maximumBytes {
            diagnostics.append(Diagnostic(.error, "file is \(size) bytes; job files are limited to \(maximumBytes) bytes (1 MiB)", at: SourceLocation(file: relative, line: 1, column: 1)))
            return nil
        }
        guard let data = FileManager.default.contents(atPath: full) else {
            diagnostics.append(Diagnostic(.error, "cannot read the file", at: SourceLocation(file: relative, line: 1, column: 1)))
            return nil
        }
        return SourceFile(path: relative, bytes: [UInt8](data))
    }

    /// Loads the root as it is on disk (the working tree).
    public func load() throws(Failure) -> DefinitionSet {
        let scan = try scan()
        var set = DefinitionLoader.load(config: scan.configFile, jobFiles: scan.jobFiles, ignoredFiles: scan.ignoredFiles)
        set.diagnostics = (set.diagnostics + scan.diagnostics).sorted()
        return set
    }
}
