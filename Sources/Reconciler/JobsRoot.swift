public import GitStore
import Foundation

/// A jobs root inside a git repository: the repository, the root's folder inside it, and the
/// ref that holds its applied state.
///
/// ```swift
/// let root = try JobsRoot.open("examples/quickstart")
/// root.prefix            // "examples/quickstart"
/// root.appliedReference  // "refs/jobctl/roots/examples%2Fquickstart"
/// ```
public final class JobsRoot {
    public let repository: GitRepository
    /// The root's folder inside the repository, `/`-separated; `""` for the top.
    public let prefix: String
    /// The root's folder on disk; `nil` in a bare repository.
    public let folder: String?
    /// The ref that holds the applied state, see ``AppliedReference``.
    public let appliedReference: String

    /// Opens the repository that contains `root` (a folder, relative to `currentDirectory`,
    /// by default the process's).
    ///
    /// In a bare repository `root` is a path inside the repository's tree, given relative to the
    /// bare repository's folder: `--root .` is the top, `--root examples/quickstart` a sub-root;
    /// the folder need not exist on disk. In a working tree the folder need not exist either
    /// (it may have been deleted), but it must lie inside the working tree.
    ///
    /// - Throws: ``ReconcileError`` ``ReconcileError/Kind/notARepository`` when no repository
    ///   contains `root`, or when `root` lies outside the repository's working tree.
    public static func open(_ root: String, currentDirectory: String? = nil) throws(ReconcileError) -> JobsRoot {
        let absolute = URL(fileURLWithPath: root, relativeTo: URL(fileURLWithPath: currentDirectory ?? FileManager.default.currentDirectoryPath, isDirectory: true))
            .standardizedFileURL.path
        // Discover from the nearest folder that exists; keep what is missing to append back.
        var existing = absolute
        var missing: [String] = []
        while existing != "/" && !FileManager.default.fileExists(atPath: existing) {
            missing.insert((existing as NSString).lastPathComponent, at: 0)
            existing = (existing as NSString).deletingLastPathComponent
        }
        let repository: GitRepository
        do {
            repository = try GitRepository.discover(from: existing)
        } catch {
            throw ReconcileError(.notARepository, "\(absolute) is not in a git repository; status, diff, plan and apply need one (validate works anywhere)")
        }
        let resolved = ([resolve(existing)] + missing).joined(separator: "/").replacingOccurrences(of: "//", with: "/")
        let base = resolve(repository.workdir ?? repository.gitDirectory)
        let prefix: String
        if resolved == base {
            prefix = ""
        } else if resolved.hasPrefix(base + "/") {
            prefix = String(resolved.dropFirst(base.count + 1))
        } else {
            throw ReconcileError(.notARepository, "\(absolute) is not inside the working tree of the repository at \(base)")
        }
        if repository.workdir == nil, prefix == ".git" || prefix.hasPrefix(".git/") {
            throw ReconcileError(.notARepository, "\(absolute) is inside a git directory, not a working tree")
        }
        return JobsRoot(repository: repository, prefix: prefix, folder: repository.workdir == nil ? nil : resolved)
    }

    init(repository: GitRepository, prefix: String, folder: String?) {
        self.repository = repository
        self.prefix = prefix
        self.folder = folder
        appliedReference = AppliedReference.name(forRoot: prefix)
    }

    /// `jobs` below the root, as a path inside the repository.
    public var jobsPath: String { join("jobs") }
    /// `jobctl.yaml` below the root, as a path inside the repository.
    public var configPath: String { join("jobctl.yaml") }
    /// How the root is named to people: `.` for the top, else its path.
    public var displayName: String { prefix.isEmpty ? "." : prefix }

    /// A root-relative path (`jobs/a.yaml`) as a path inside the repository.
    public func repositoryPath(_ rootRelative: String) -> String { join(rootRelative) }

    func join(_ name: String) -> String { prefix.isEmpty ? name : prefix + "/" + name }

    private static func resolve(_ path: String) -> String {
        URL(fileURLWithPath: path).resolvingSymlinksInPath().path
    }
}
