internal import CGit2

extension GitRepository {
    /// What changed below `prefix` between two commits (or trees): one entry per file,
    /// symlink or submodule that was added, deleted, modified or changed kind, with paths
    /// relative to `prefix`. Changes outside `prefix` are not looked at.
    ///
    /// Only the two `prefix` subtrees are compared, and unchanged subtrees are skipped by id,
    /// so the cost follows the size of the change, not of the repository. No rename detection:
    /// a moved file is a deletion plus an addition.
    ///
    /// - Parameters:
    ///   - old: the earlier commit; `nil` compares against nothing (everything is added).
    ///   - new: the later commit.
    ///   - prefix: a folder such as `jobs` or `examples/quickstart/jobs`; `""` for the whole tree.
    ///     A prefix absent from one side counts as an empty folder there.
    public func diffTrees(from old: ObjectID?, to new: ObjectID, under prefix: String) throws(GitError) -> [TreeChange] {
        // Equal subtree ids mean nothing changed: answer without loading either tree.
        let newTreeID = try subtreeOID(of: new, at: prefix)
        let oldTreeID = try old.flatMap { (old) throws(GitError) in try subtreeOID(of: old, at: prefix) }
        if oldTreeID.map(ObjectID.init) == newTreeID.map(ObjectID.init) { return [] }

        var oldTree: OpaquePointer?
        if var oid = oldTreeID {
            try check(git_tree_lookup(&oldTree, handle, &oid), "cannot read '\(prefix)' in \(old?.short ?? "")")
        }
        defer { git_tree_free(oldTree) }
        var newTree: OpaquePointer?
        if var oid = newTreeID {
            try check(git_tree_lookup(&newTree, handle, &oid), "cannot read '\(prefix)' in \(new.short)")
        }
        defer { git_tree_free(newTree) }

        var options = git_diff_options()
        try check(git_diff_options_init(&options, UInt32(GIT_DIFF_OPTIONS_VERSION)),
                  "cannot initialise diff options")
        options.flags = GIT_DIFF_INCLUDE_TYPECHANGE.rawValue
        var diff: OpaquePointer?
        try check(git_diff_tree_to_tree(&diff, handle, oldTree, newTree, &options),
                  "cannot diff '\(prefix)' from \(old?.short ?? "nothing") to \(new.short)")
        defer { git_diff_free(diff) }

        let count = git_diff_num_deltas(diff)
        var changes: [TreeChange] = []
        changes.reserveCapacity(count)
        for index in 0..<count {
            guard let delta = git_diff_get_delta(diff, index)?.pointee else { continue }
            let status: TreeChange.Status
            switch delta.status {
            case GIT_DELTA_ADDED: status = .added
            case GIT_DELTA_DELETED: status = .deleted
            case GIT_DELTA_MODIFIED: status = .modified
            case GIT_DELTA_TYPECHANGE: status = .typeChanged
            default: continue   // unmodified, ignored, untracked: not produced by a tree diff
            }
            let hasOld = status != .added
            let hasNew = status != .deleted
            let side = hasNew ? delta.new_file : delta.old_file
            changes.append(TreeChange(
                path: String(cString: side.path),
                status: status,
                oldID: hasOld ? ObjectID(delta.old_file.id) : nil,
                newID: hasNew ? ObjectID(delta.new_file.id) : nil,
                oldMode: hasOld ? FileMode(rawValue: UInt32(delta.old_file.mode)) : nil,
                newMode: hasNew ? FileMode(rawValue: UInt32(delta.new_file.mode)) : nil))
        }
        return changes
    }

    /// The index and working-tree status of the paths below `prefix`, as `git status` reports
    /// it: staged and unstaged changes against HEAD, and untracked files (each file inside an
    /// untracked folder), without ignored files or submodule contents. Paths are relative to
    /// `prefix`. In a repository with no commits, everything is compared with an empty HEAD.
    ///
    /// - Throws: ``GitError`` (kind ``GitError/Kind/bareRepository``) for a bare repository.
    public func status(under prefix: String) throws(GitError) -> [StatusEntry] {
        let relative = normalizedTreePath(prefix)
        var options = git_status_options()
        try check(git_status_options_init(&options, UInt32(GIT_STATUS_OPTIONS_VERSION)),
                  "cannot initialise status options")
        options.show = GIT_STATUS_SHOW_INDEX_AND_WORKDIR
        options.flags = GIT_STATUS_OPT_INCLUDE_UNTRACKED.rawValue
            | GIT_STATUS_OPT_RECURSE_UNTRACKED_DIRS.rawValue
            | GIT_STATUS_OPT_EXCLUDE_SUBMODULES.rawValue
            | GIT_STATUS_OPT_DISABLE_PATHSPEC_MATCH.rawValue

        var list: OpaquePointer?
        try withStrArray(relative.isEmpty ? [] : [relative]) { (pathspec) throws(GitError) in
            options.pathspec = pathspec
            try check(git_status_list_new(&list, handle, &options),
                      "cannot read the status of '\(relative.isEmpty ? "." : relative)'")
        }
        defer { git_status_list_free(list) }

        let count = git_status_list_entrycount(list)
        var entries: [StatusEntry] = []
        entries.reserveCapacity(count)
        for index in 0..<count {
            guard let entry = git_status_byindex(list, index)?.pointee else { continue }
            let flags = entry.status.rawValue
            let delta = entry.index_to_workdir ?? entry.head_to_index
            guard let file = delta?.pointee, let pathPointer = file.new_file.path ?? file.old_file.path
            else { continue }
            let fullPath = String(cString: pathPointer)
            // The pathspec already limits the walk; this also keeps a sibling such as
            // `jobs-old/` out should a libgit2 version match by string prefix.
            guard relative.isEmpty || fullPath.hasPrefix(relative + "/") else { continue }
            entries.append(StatusEntry(
                path: path(fullPath, relativeTo: relative),
                index: Self.change(flags, new: GIT_STATUS_INDEX_NEW, modified: GIT_STATUS_INDEX_MODIFIED,
                                   deleted: GIT_STATUS_INDEX_DELETED, typeChange: GIT_STATUS_INDEX_TYPECHANGE,
                                   renamed: GIT_STATUS_INDEX_RENAMED),
                workingTree: Self.change(flags, new: GIT_STATUS_WT_NEW, modified: GIT_STATUS_WT_MODIFIED,
                                         deleted: GIT_STATUS_WT_DELETED, typeChange: GIT_STATUS_WT_TYPECHANGE,
                                         renamed: GIT_STATUS_WT_RENAMED),
                isConflicted: flags & GIT_STATUS_CONFLICTED.rawValue != 0))
        }
        return entries
    }

    private static func change(
        _ flags: UInt32, new: git_status_t, modified: git_status_t, deleted: git_status_t,
        typeChange: git_status_t, renamed: git_status_t
    ) -> StatusEntry.Change? {
        if flags & new.rawValue != 0 { return .added }
        if flags & deleted.rawValue != 0 { return .deleted }
        if flags & typeChange.rawValue != 0 { return .typeChanged }
        if flags & (modified.rawValue | renamed.rawValue) != 0 { return .modified }
        return nil
    }
}
