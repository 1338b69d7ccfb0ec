public import Foundation
import Definitions
import GitStore
public import History

/// Where a root's history is, one rule for the daemon and every command that reads it.
///
/// A daemon writes where it started writing: it records that folder in
/// `.jobctl/history-folder`, and `history`, `check`, `logs` and `run` read it from there while
/// the pointer names an existing folder — so an apply that changes `history.folder` cannot split
/// what the daemon writes from what the commands read (the daemon keeps its folder until it is
/// restarted, and says so). Without a pointer: `history.folder` of the working tree's
/// `jobctl.yaml`, else `history`.
public enum HistoryLocation {
    /// The pointer file of a root.
    static func pointer(root: String) -> String {
        URL(fileURLWithPath: root).appendingPathComponent(".jobctl/history-folder").standardizedFileURL.path
    }

    /// The history folder of `root` (see the type's description).
    /// - Parameter problems: told about a `jobctl.yaml` with errors (its history folder, if it
    ///   could be read, is still used: reading history should not depend on the rest of it).
    public static func resolve(root: String, problems: (String) -> Void = { _ in }) -> HistoryFolder {
        source(root: root, problems: problems).folder
    }

    /// Where a root's history is, and why there.
    public struct Source: Sendable {
        public enum Origin: Sendable, Hashable {
            /// The folder a daemon announced in `.jobctl/history-folder`.
            case daemon
            /// `history.folder` of the working tree's `jobctl.yaml`, or its default `history`.
            case configured
        }

        public var folder: HistoryFolder
        public var origin: Origin

        /// "the folder the daemon writes (.jobctl/history-folder)" or "history.folder of jobctl.yaml".
        public var explanation: String {
            switch origin {
            case .daemon: "the folder the daemon writes, named in .jobctl/history-folder"
            case .configured: "history.folder of jobctl.yaml; no daemon has announced a folder here"
            }
        }
    }

    /// ``resolve(root:problems:)`` with the reason for its answer.
    public static func source(root: String, problems: (String) -> Void = { _ in }) -> Source {
        if let text = try? String(contentsOfFile: pointer(root: root), encoding: .utf8) {
            let path = text.trimmingCharacters(in: .whitespacesAndNewlines)
            var isFolder: ObjCBool = false
            if path.hasPrefix("/"), FileManager.default.fileExists(atPath: path, isDirectory: &isFolder), isFolder.boolValue {
                return Source(folder: HistoryFolder(path: path), origin: .daemon)
            }
        }
        return Source(folder: HistoryFolder(root: root, folder: configuredFolder(root: root, problems: problems)), origin: .configured)
    }

    /// When `file` (a history file) is committed to the git repository that holds it: its path in
    /// the repository and the commit that last holds it at HEAD — a snapshot, not what a daemon
    /// writes. Nil when it is not committed, or not in a repository.
    public static func committedSnapshot(of file: String) -> (path: String, commit: String)? {
        let absolute = URL(fileURLWithPath: file).standardizedFileURL.resolvingSymlinksInPath().path
        guard let repository = try? GitRepository.discover(from: (absolute as NSString).deletingLastPathComponent),
              let workdir = repository.workdir.map({ URL(fileURLWithPath: $0).standardizedFileURL.resolvingSymlinksInPath().path }),
              absolute.hasPrefix(workdir + "/"),
              let head = try? repository.headCommit() else { return nil }
        let relative = String(absolute.dropFirst(workdir.count + 1))
        guard (try? repository.entry(commit: head, path: relative)) ?? nil != nil else { return nil }
        return (relative, String(head.hex.prefix(7)))
    }

    /// `history.folder` of the working tree's `jobctl.yaml`, else `history`.
    public static func configuredFolder(root: String, problems: (String) -> Void = { _ in }) -> String {
        let folder = RootFolder(path: root)
        guard let data = FileManager.default.contents(atPath: folder.configPath) else { return "history" }
        let loaded = DefinitionLoader.loadConfig(SourceFile(path: "jobctl.yaml", bytes: [UInt8](data)))
        for diagnostic in loaded.diagnostics where diagnostic.severity == .error {
            problems("\(diagnostic) (history is read from '\(loaded.config.history.folder)')")
        }
        return loaded.config.history.folder
    }

    /// Records the folder a daemon writes to (creating it), for the commands to read.
    public static func announce(_ folder: HistoryFolder, root: String) throws {
        try FileManager.default.createDirectory(atPath: folder.path, withIntermediateDirectories: true)
        let pointer = pointer(root: root)
        try FileManager.default.createDirectory(atPath: (pointer as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
        try Data((folder.path + "\n").utf8).write(to: URL(fileURLWithPath: pointer), options: .atomic)
    }
}
