public import Foundation
import Definitions
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
        if let text = try? String(contentsOfFile: pointer(root: root), encoding: .utf8) {
            let path = text.trimmingCharacters(in: .whitespacesAndNewlines)
            var isFolder: ObjCBool = false
            if path.hasPrefix("/"), FileManager.default.fileExists(atPath: path, isDirectory: &isFolder), isFolder.boolValue {
                return HistoryFolder(path: path)
            }
        }
        return HistoryFolder(root: root, folder: configuredFolder(root: root, problems: problems))
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
