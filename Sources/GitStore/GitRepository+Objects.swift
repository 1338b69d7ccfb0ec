internal import CGit2
import Foundation

extension GitRepository {
    /// The commit a revision names: anything `git rev-parse` accepts (`HEAD`, `main~2`,
    /// `v1.0`, a short or full id, `refs/jobctl/applied`), peeled through tags to a commit.
    ///
    /// - Throws: ``GitError`` "cannot resolve revision 'x': ..." (kind ``GitError/Kind/notFound``,
    ///   ``GitError/Kind/ambiguous`` or ``GitError/Kind/invalidSpec``), or when it names a tree
    ///   or blob.
    public func resolveCommit(_ revision: String) throws(GitError) -> ObjectID {
        var object: OpaquePointer?
        try check(git_revparse_single(&object, handle, revision),
                  "cannot resolve revision '\(revision)'")
        defer { git_object_free(object) }
        var commit: OpaquePointer?
        try check(git_object_peel(&commit, object, GIT_OBJECT_COMMIT),
                  "revision '\(revision)' is not a commit")
        defer { git_object_free(commit) }
        return ObjectID(git_object_id(commit))
    }

    /// A commit's summary, message, author, committer, tree and parents.
    public func commitInfo(_ id: ObjectID) throws(GitError) -> CommitInfo {
        var oid = id.oid
        var commit: OpaquePointer?
        try check(git_commit_lookup(&commit, handle, &oid), "cannot read commit \(id.short)")
        defer { git_commit_free(commit) }
        let parents = (0..<git_commit_parentcount(commit)).map { ObjectID(git_commit_parent_id(commit, $0)) }
        return CommitInfo(
            id: id,
            treeID: ObjectID(git_commit_tree_id(commit)),
            parentIDs: parents,
            summary: git_commit_summary(commit).map { String(cString: $0) } ?? "",
            message: git_commit_message(commit).map { String(cString: $0) } ?? "",
            author: Signature(git_commit_author(commit)),
            committer: Signature(git_commit_committer(commit)))
    }

    /// A blob's bytes, exactly as stored (no filters applied).
    public func blob(_ id: ObjectID) throws(GitError) -> [UInt8] {
        var oid = id.oid
        var blob: OpaquePointer?
        try check(git_blob_lookup(&blob, handle, &oid), "cannot read blob \(id.short)")
        defer { git_blob_free(blob) }
        let size = Int(git_blob_rawsize(blob))
        guard size > 0, let content = git_blob_rawcontent(blob) else { return [] }
        return [UInt8](UnsafeRawBufferPointer(start: content, count: size))
    }

    /// A blob decoded as UTF-8; `nil` when it is not valid UTF-8.
    public func blobText(_ id: ObjectID) throws(GitError) -> String? {
        String(validating: try blob(id), as: UTF8.self)
    }

    // MARK: - Trees

    /// The id of the tree at `path` in a commit (or tree): e.g. the `jobs` folder, so that
    /// "nothing changed under jobs/" is one comparison of two ids. `""` is the root tree.
    ///
    /// - Returns: `nil` when `path` does not exist at that commit or is not a folder.
    public func treeID(commit: ObjectID, path: String) throws(GitError) -> ObjectID? {
        try subtreeOID(of: commit, at: path).map(ObjectID.init)
    }

    /// The file, symlink or submodule at `path` in a commit (or tree), e.g. `jobctl.yaml`,
    /// read without listing its folder: one lookup, whatever the size of the tree.
    ///
    /// - Returns: `nil` when nothing is at `path`, or when it is a folder.
    public func entry(commit: ObjectID, path: String) throws(GitError) -> TreeEntry? {
        let relative = normalizedTreePath(path)
        guard !relative.isEmpty, let root = try subtree(of: commit, at: "") else { return nil }
        defer { git_tree_free(root) }
        var entry: OpaquePointer?
        let result = git_tree_entry_bypath(&entry, root, relative)
        if result == GIT_ENOTFOUND.rawValue { return nil }
        try check(result, "cannot read '\(relative)' in \(commit.short)")
        defer { git_tree_entry_free(entry) }
        guard git_tree_entry_type(entry) != GIT_OBJECT_TREE else { return nil }
        let id = ObjectID(git_tree_entry_id(entry))
        let mode = FileMode(rawValue: git_tree_entry_filemode(entry).rawValue)
        let kind: TreeEntry.Kind
        switch mode {
        case .symlink: kind = .symlink(target: String(decoding: try blob(id), as: UTF8.self))
        case .gitlink: kind = .submodule
        default: kind = .file
        }
        return TreeEntry(path: relative, kind: kind, id: id, mode: mode)
    }

    /// Every file, symlink and submodule below `prefix` at a commit (or tree), recursively,
    /// in git's order, with paths relative to `prefix`. Folders are not listed.
    ///
    /// Symlinks come back as ``TreeEntry/Kind/symlink(target:)`` with their target text and
    /// are never followed.
    ///
    /// - Returns: `[]` when `prefix` does not exist at that commit or is not a folder.
    public func treeEntries(commit: ObjectID, under prefix: String) throws(GitError) -> [TreeEntry] {
        guard let tree = try subtree(of: commit, at: prefix) else { return [] }
        defer { git_tree_free(tree) }

        final class Collector {
            var entries: [(path: String, id: git_oid, mode: UInt32)] = []
        }
        let collector = Collector()
        let visit: git_treewalk_cb = { root, entry, payload in
            guard let entry, let payload, let root else { return -1 }
            if git_tree_entry_type(entry) == GIT_OBJECT_TREE { return 0 }
            let collector = Unmanaged<Collector>.fromOpaque(payload).takeUnretainedValue()
            let path = String(cString: root) + String(cString: git_tree_entry_name(entry))
            collector.entries.append((path, git_tree_entry_id(entry).pointee,
                                      git_tree_entry_filemode(entry).rawValue))
            return 0
        }
        try withExtendedLifetime(collector) { () throws(GitError) in
            try check(git_tree_walk(tree, GIT_TREEWALK_PRE, visit,
                                    Unmanaged.passUnretained(collector).toOpaque()),
                      "cannot walk the tree '\(prefix)' of \(commit.short)")
        }

        var entries: [TreeEntry] = []
        entries.reserveCapacity(collector.entries.count)
        for raw in collector.entries {
            let id = ObjectID(raw.id)
            let mode = FileMode(rawValue: raw.mode)
            let kind: TreeEntry.Kind
            switch mode {
            case .symlink:
                kind = .symlink(target: String(decoding: try blob(id), as: UTF8.self))
            case .gitlink:
                kind = .submodule
            default:
                kind = .file
            }
            entries.append(TreeEntry(path: raw.path, kind: kind, id: id, mode: mode))
        }
        return entries
    }

    /// The tree at `path` in the commit or tree `id`, owned by the caller; `nil` when absent
    /// or not a folder.
    func subtree(of id: ObjectID, at path: String) throws(GitError) -> OpaquePointer? {
        guard var oid = try subtreeOID(of: id, at: path) else { return nil }
        var tree: OpaquePointer?
        try check(git_tree_lookup(&tree, handle, &oid),
                  "cannot read tree '\(normalizedTreePath(path))' in \(id.short)")
        return tree
    }

    /// The id of the tree at `path` in the commit or tree `id`, read from its parent's entry
    /// without loading the tree itself (a folder of 10,000 jobs is a 500 kB object, and
    /// libgit2 does not cache trees over 4 kB); `nil` when absent or not a folder.
    func subtreeOID(of id: ObjectID, at path: String) throws(GitError) -> git_oid? {
        var oid = id.oid
        var object: OpaquePointer?
        try check(git_object_lookup(&object, handle, &oid, GIT_OBJECT_ANY), "cannot read \(id.short)")
        defer { git_object_free(object) }

        let relative = normalizedTreePath(path)
        if relative.isEmpty {
            if git_object_type(object) == GIT_OBJECT_COMMIT {
                return git_commit_tree_id(object).pointee
            }
        }
        var root: OpaquePointer?
        try check(git_object_peel(&root, object, GIT_OBJECT_TREE), "\(id.short) has no tree")
        defer { git_object_free(root) }
        if relative.isEmpty { return git_object_id(root).pointee }

        var entry: OpaquePointer?
        let result = git_tree_entry_bypath(&entry, root, relative)
        if result == GIT_ENOTFOUND.rawValue { return nil }
        try check(result, "cannot read '\(relative)' in \(id.short)")
        defer { git_tree_entry_free(entry) }
        guard git_tree_entry_type(entry) == GIT_OBJECT_TREE else { return nil }
        return git_tree_entry_id(entry).pointee
    }
}

extension Signature {
    init(_ signature: UnsafePointer<git_signature>) {
        let value = signature.pointee
        self.init(
            name: value.name.map { String(cString: $0) } ?? "",
            email: value.email.map { String(cString: $0) } ?? "",
            date: Date(timeIntervalSince1970: TimeInterval(value.when.time)),
            timeZoneOffsetMinutes: Int(value.when.offset))
    }
}
