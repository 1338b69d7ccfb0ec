internal import CGit2

extension GitRepository {
    /// The commit a reference points at (symbolic references are followed), e.g.
    /// `refs/jobctl/applied`.
    ///
    /// - Returns: `nil` when the reference does not exist.
    /// - Throws: ``GitError`` for a malformed name or an unreadable reference.
    public func referenceTarget(_ name: String) throws(GitError) -> ObjectID? {
        var oid = git_oid()
        let result = git_reference_name_to_id(&oid, handle, name)
        if result == GIT_ENOTFOUND.rawValue { return nil }
        try check(result, "cannot read reference '\(name)'")
        return ObjectID(oid)
    }

    /// Moves `name` to `new` if, and only if, it still points at `old` — a compare-and-swap
    /// under the reference's lock file, so of two writers that read the same `old`, exactly one
    /// wins. With `old == nil` the reference is created and must not exist yet.
    ///
    /// Each successful update appends `message` to the reference's reflog, whatever
    /// `core.logAllRefUpdates` says (libgit2 only logs `refs/heads/` and a few others on its
    /// own, and nothing in a bare repository): for jobctl the reflog is the audit trail.
    ///
    /// ```swift
    /// let applied = try repository.referenceTarget("refs/jobctl/applied")
    /// try repository.updateReference("refs/jobctl/applied", to: head, expecting: applied,
    ///                                message: "jobctl apply: 3 changes")
    /// ```
    ///
    /// - Throws: ``GitError`` with ``GitError/isConcurrentUpdate`` when the reference no longer
    ///   points at `old` (or exists when `old` is `nil`, or is locked by another writer); any
    ///   other ``GitError`` when `name` is malformed or `new` is not in the repository.
    public func updateReference(_ name: String, to new: ObjectID, expecting old: ObjectID?, message: String) throws(GitError) {
        var valid: Int32 = 0
        try check(git_reference_name_is_valid(&valid, name), "cannot check reference name '\(name)'")
        guard valid == 1 else {
            throw GitError(kind: .invalidSpec, code: GIT_EINVALIDSPEC.rawValue,
                           message: "cannot update reference '\(name)': the name is not a valid reference name")
        }
        let libgit2WritesLog = try logsAllReferenceUpdates()
        if libgit2WritesLog {
            // With `core.logAllRefUpdates=true` libgit2 logs a ref outside refs/heads/ only when
            // its log file exists: make sure it does, so the update below logs under the lock.
            try check(git_reference_ensure_log(handle, name), "cannot create the reflog of '\(name)'")
        }

        var newOID = new.oid
        var reference: OpaquePointer?
        let result: Int32
        if let old {
            var oldOID = old.oid
            result = git_reference_create_matching(&reference, handle, name, &newOID, 1, &oldOID, message)
        } else {
            result = git_reference_create(&reference, handle, name, &newOID, 0, message)
        }
        if result < 0 {
            let (errorClass, detail) = GitError.lastDetail(code: result)
            let lostRace = result == GIT_EMODIFIED.rawValue || result == GIT_ELOCKED.rawValue
                || result == GIT_EEXISTS.rawValue || (result == GIT_ENOTFOUND.rawValue && old != nil)
            guard lostRace else {
                throw GitError(kind: GitError.Kind(code: result), code: result, errorClass: errorClass,
                               message: "cannot move '\(name)' to \(new.short): \(detail)")
            }
            let expected = old.map { "at \($0.short)" } ?? "absent"
            throw GitError(kind: .concurrentUpdate, code: result, errorClass: errorClass, message:
                "cannot move '\(name)' to \(new.short): expected it \(expected) but another writer changed it: \(detail)")
        }
        git_reference_free(reference)

        if !libgit2WritesLog {
            try appendToReflog(name, id: new, message: message)
        }
    }

    /// The reference's reflog, newest first; `[]` when it has none.
    public func reflog(_ name: String) throws(GitError) -> [ReflogEntry] {
        var log: OpaquePointer?
        try check(git_reflog_read(&log, handle, name), "cannot read the reflog of '\(name)'")
        defer { git_reflog_free(log) }
        return (0..<git_reflog_entrycount(log)).compactMap { index in
            guard let entry = git_reflog_entry_byindex(log, index) else { return nil }
            return ReflogEntry(
                oldID: ObjectID.nonZero(git_reflog_entry_id_old(entry)),
                newID: ObjectID(git_reflog_entry_id_new(entry)),
                message: git_reflog_entry_message(entry).map { String(cString: $0) } ?? "",
                committer: Signature(git_reflog_entry_committer(entry)))
        }
    }

    /// Whether libgit2 writes a reflog for a reference update once the log file exists:
    /// `core.logAllRefUpdates` true or `always`, or unset in a non-bare repository.
    private func logsAllReferenceUpdates() throws(GitError) -> Bool {
        var config: OpaquePointer?
        try check(git_repository_config_snapshot(&config, handle), "cannot read the repository's config")
        defer { git_config_free(config) }
        var value: UnsafePointer<CChar>?
        guard git_config_get_string(&value, config, "core.logAllRefUpdates") == 0, let value else {
            return !isBare
        }
        if String(cString: value).lowercased() == "always" { return true }
        var enabled: Int32 = 0
        return git_config_parse_bool(&enabled, value) == 0 && enabled == 1
    }

    /// Appends one entry by hand, for repositories where libgit2 does not log updates.
    private func appendToReflog(_ name: String, id: ObjectID, message: String) throws(GitError) {
        var log: OpaquePointer?
        try check(git_reflog_read(&log, handle, name), "cannot read the reflog of '\(name)'")
        defer { git_reflog_free(log) }
        var signature: UnsafeMutablePointer<git_signature>?
        if git_signature_default(&signature, handle) < 0 {
            try check(git_signature_now(&signature, "jobctl", "jobctl@localhost"), "cannot make a reflog signature")
        }
        defer { git_signature_free(signature) }
        var oid = id.oid
        try check(git_reflog_append(log, &oid, signature, message), "cannot append to the reflog of '\(name)'")
        try check(git_reflog_write(log), "cannot write the reflog of '\(name)'")
    }
}
