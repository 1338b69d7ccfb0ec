internal import CGit2
import Foundation

/// An open git repository: the one owner of a libgit2 `git_repository` handle.
///
/// Not `Sendable`: libgit2 objects must not be shared between threads. Open one
/// `GitRepository` per task or thread; several instances over the same repository are safe,
/// and reference updates between them are compare-and-swap
/// (``updateReference(_:to:expecting:message:)``).
///
/// ```swift
/// let repository = try GitRepository.discover(from: FileManager.default.currentDirectoryPath)
/// let head = try repository.resolveCommit("HEAD")
/// let jobs = try repository.treeEntries(commit: head, under: "jobs")
/// ```
///
/// Every throwing method throws ``GitError`` carrying libgit2's message.
public final class GitRepository {
    let handle: OpaquePointer

    /// Opens the repository whose working tree or git directory is exactly `path`
    /// (bare repositories too).
    ///
    /// - Throws: ``GitError`` (kind ``GitError/Kind/notFound``) when `path` is not a repository.
    public init(path: String) throws(GitError) {
        Libgit2.ensureInitialized()
        var handle: OpaquePointer?
        try check(git_repository_open(&handle, path), "cannot open repository at '\(path)'")
        self.handle = handle!
    }

    /// Finds the repository that contains `path` (any folder inside a working tree, or a git
    /// directory) by walking up from it, the way `git` itself does, and opens it.
    ///
    /// - Throws: ``GitError`` (kind ``GitError/Kind/notFound``) when no folder at or above
    ///   `path` is in a repository.
    public static func discover(from path: String) throws(GitError) -> GitRepository {
        Libgit2.ensureInitialized()
        var buffer = git_buf()
        defer { git_buf_dispose(&buffer) }
        try check(git_repository_discover(&buffer, path, 0, nil),
                  "no git repository at or above '\(path)'")
        return try GitRepository(path: String(cString: buffer.ptr))
    }

    deinit {
        git_repository_free(handle)
    }

    // MARK: - Layout

    /// The working tree's root, without a trailing `/`; `nil` for a bare repository.
    public var workdir: String? {
        git_repository_workdir(handle).map(directoryPath)
    }

    /// The git directory (`.git`, or the bare repository itself), without a trailing `/`.
    public var gitDirectory: String {
        directoryPath(git_repository_path(handle))
    }

    /// The directory shared by all worktrees (equal to ``gitDirectory`` outside linked worktrees).
    public var commonDirectory: String {
        directoryPath(git_repository_commondir(handle))
    }

    /// Where git runs hooks from: `core.hooksPath` when set (relative to the working tree, or
    /// to the git directory when bare), else `hooks` in the common directory.
    public var hooksDirectory: String {
        var config: OpaquePointer?
        if git_repository_config_snapshot(&config, handle) == 0 {
            defer { git_config_free(config) }
            var buffer = git_buf()
            defer { git_buf_dispose(&buffer) }
            if git_config_get_path(&buffer, config, "core.hooksPath") == 0, let pointer = buffer.ptr {
                let configured = String(cString: pointer)
                if configured.hasPrefix("/") { return configured }
                return (workdir ?? gitDirectory) + "/" + configured
            }
        }
        return commonDirectory + "/hooks"
    }

    public var isBare: Bool { git_repository_is_bare(handle) == 1 }

    // MARK: - HEAD

    /// HEAD names a branch that has no commit yet (a new repository, or an orphan branch).
    public var isHeadUnborn: Bool { git_repository_head_unborn(handle) == 1 }

    /// No commits yet: HEAD is unborn and no reference exists at all.
    ///
    /// Unlike `git_repository_is_empty`, this does not depend on HEAD naming the configured
    /// `init.defaultBranch`.
    public var isEmpty: Bool {
        guard isHeadUnborn else { return false }
        var iterator: OpaquePointer?
        guard git_reference_iterator_new(&iterator, handle) == 0 else { return false }
        defer { git_reference_iterator_free(iterator) }
        var name: UnsafePointer<CChar>?
        return git_reference_next_name(&name, iterator) == GIT_ITEROVER.rawValue
    }

    /// HEAD points straight at a commit instead of naming a branch.
    public var isHeadDetached: Bool { git_repository_head_detached(handle) == 1 }

    /// The commit HEAD points at; `nil` when HEAD's branch is unborn.
    public func headCommit() throws(GitError) -> ObjectID? {
        var reference: OpaquePointer?
        let result = git_repository_head(&reference, handle)
        if result == GIT_EUNBORNBRANCH.rawValue || result == GIT_ENOTFOUND.rawValue { return nil }
        try check(result, "cannot read HEAD")
        defer { git_reference_free(reference) }
        var commit: OpaquePointer?
        try check(git_reference_peel(&commit, reference, GIT_OBJECT_COMMIT), "HEAD is not a commit")
        defer { git_object_free(commit) }
        return ObjectID(git_object_id(commit))
    }

    /// The branch HEAD names (`main`, also when it has no commit yet); `nil` when detached.
    public func headBranchName() -> String? {
        var reference: OpaquePointer?
        guard git_reference_lookup(&reference, handle, "HEAD") == 0 else { return nil }
        defer { git_reference_free(reference) }
        guard git_reference_type(reference) == GIT_REFERENCE_SYMBOLIC,
              let target = git_reference_symbolic_target(reference)
        else { return nil }
        let name = String(cString: target)
        let heads = "refs/heads/"
        return name.hasPrefix(heads) ? String(name.dropFirst(heads.count)) : name
    }
}

/// Handles are confined to the thread that uses them.
@available(*, unavailable)
extension GitRepository: Sendable {}
