internal import CGit2
import Foundation

extension GitRepository {
    /// Every file, symlink and submodule below `prefix` as the working tree has it now, with
    /// paths relative to `prefix`: HEAD's entries, minus what was deleted, plus what is
    /// untracked, modified or staged (ignored files excluded), sorted by path.
    ///
    /// Only the paths that ``status(under:)`` reports are read from disk and hashed; every
    /// other entry keeps HEAD's blob id, so a parse cache keyed by blob id works for drafts too.
    /// Symlinks are reported with their target text and never followed.
    ///
    /// - Throws: ``GitError`` (kind ``GitError/Kind/bareRepository``) for a bare repository.
    public func workingTreeEntries(under prefix: String) throws(GitError) -> [WorkingTreeEntry] {
        let relative = normalizedTreePath(prefix)
        let changes = try status(under: relative)
        guard let workdir else {
            throw GitError(kind: .bareRepository, code: GIT_EBAREREPO.rawValue,
                           message: "cannot list the working tree of '\(relative)': the repository is bare")
        }
        var entries: [String: WorkingTreeEntry] = [:]
        if let head = try headCommit() {
            for entry in try treeEntries(commit: head, under: relative) {
                entries[entry.path] = WorkingTreeEntry(
                    path: entry.path, kind: entry.kind, id: entry.id, mode: entry.mode, isCommitted: true)
            }
        }
        let base = relative.isEmpty ? workdir : workdir + "/" + relative
        for change in changes {
            entries[change.path] = nil
            let repositoryPath = relative.isEmpty ? change.path : relative + "/" + change.path
            let absolute = base + "/" + change.path
            if let target = try? FileManager.default.destinationOfSymbolicLink(atPath: absolute) {
                entries[change.path] = WorkingTreeEntry(
                    path: change.path, kind: .symlink(target: target),
                    id: try workingTreeBlobID(repositoryPath), mode: .symlink, isCommitted: false)
            } else if let attributes = try? FileManager.default.attributesOfItem(atPath: absolute),
                      attributes[.type] as? FileAttributeType == .typeRegular {
                let permissions = (attributes[.posixPermissions] as? NSNumber)?.uint16Value ?? 0
                entries[change.path] = WorkingTreeEntry(
                    path: change.path, kind: .file, id: try workingTreeBlobID(repositoryPath),
                    mode: permissions & 0o111 != 0 ? .executable : .file, isCommitted: false)
            }
            // Absent from disk (deleted), or not a file: not part of the working tree.
        }
        return entries.values.sorted { $0.path < $1.path }
    }

    /// The bytes of the working-tree file at `path` (relative to ``workdir``), as on disk.
    /// A symlink is not followed: its bytes are its target text, as git stores it.
    ///
    /// - Returns: `nil` when there is no such file.
    /// - Throws: ``GitError`` when the repository is bare.
    public func workingTreeFile(_ path: String) throws(GitError) -> [UInt8]? {
        guard let workdir else {
            throw GitError(kind: .bareRepository, code: GIT_EBAREREPO.rawValue,
                           message: "cannot read '\(path)': the repository is bare")
        }
        let absolute = workdir + "/" + normalizedTreePath(path)
        if let target = try? FileManager.default.destinationOfSymbolicLink(atPath: absolute) {
            return Array(target.utf8)
        }
        return FileManager.default.contents(atPath: absolute).map { [UInt8]($0) }
    }

    /// The blob id git would give the working-tree file at `path` (relative to ``workdir``):
    /// the content after clean filters (line endings per `.gitattributes`), or for a symlink
    /// its target text, which is never followed. Compare it with a ``TreeEntry/id`` to know
    /// whether a file changed without reading it.
    ///
    /// - Throws: ``GitError`` when the repository is bare or the file cannot be read.
    public func workingTreeBlobID(_ path: String) throws(GitError) -> ObjectID {
        guard let workdir else {
            throw GitError(kind: .bareRepository, code: GIT_EBAREREPO.rawValue,
                           message: "cannot hash '\(path)': the repository is bare")
        }
        let relative = normalizedTreePath(path)
        let absolute = workdir + "/" + relative
        var oid = git_oid()
        if let target = try? FileManager.default.destinationOfSymbolicLink(atPath: absolute) {
            let bytes = Array(target.utf8)
            let result = bytes.withUnsafeBytes { raw in
                git_odb_hash(&oid, raw.baseAddress, raw.count, GIT_OBJECT_BLOB)
            }
            try check(result, "cannot hash symlink '\(relative)'")
        } else {
            try check(git_repository_hashfile(&oid, handle, absolute, GIT_OBJECT_BLOB, relative),
                      "cannot hash '\(relative)'")
        }
        return ObjectID(oid)
    }
}
