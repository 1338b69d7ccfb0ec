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
    /// The reflog is written while the reference is locked, so concurrent writers never lose
    /// each other's entries.
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
        var newOID = new.oid
        guard try objectExists(&newOID) else {
            throw GitError(kind: .notFound, code: GIT_ENOTFOUND.rawValue,
                           message: "cannot move '\(name)' to \(new.short): no such object in the repository")
        }
        let context = "cannot move '\(name)' to \(new.short)"
        if try logsAllReferenceUpdates() {
            try compareAndSwap(name, to: new, expecting: old, message: message, context: context)
        } else {
            try compareAndSwapWritingReflog(name, to: new, expecting: old, message: message, context: context)
        }
    }

    /// The plain libgit2 compare-and-swap, for repositories where libgit2 logs the update
    /// itself once the reflog file exists.
    private func compareAndSwap(_ name: String, to new: ObjectID, expecting old: ObjectID?,
                                message: String, context: String) throws(GitError) {
        // With `core.logAllRefUpdates=true` libgit2 logs a ref outside refs/heads/ only when
        // its log file exists: make sure it does, so the update logs under the lock.
        try check(git_reference_ensure_log(handle, name), "cannot create the reflog of '\(name)'")
        var newOID = new.oid
        var reference: OpaquePointer?
        let result: Int32
        if let old {
            var oldOID = old.oid
            // Fails with GIT_EMODIFIED when the value differs, GIT_ENOTFOUND when the reference
            // is gone, GIT_ELOCKED when another writer holds the lock.
            result = git_reference_create_matching(&reference, handle, name, &newOID, 1, &oldOID, message)
        } else {
            // Fails with GIT_EEXISTS when it exists, GIT_ELOCKED when another writer holds the lock.
            result = git_reference_create(&reference, handle, name, &newOID, 0, message)
        }
        if result < 0 {
            let lostRace = result == GIT_EMODIFIED.rawValue || result == GIT_ELOCKED.rawValue
                || result == GIT_EEXISTS.rawValue || (result == GIT_ENOTFOUND.rawValue && old != nil)
            throw lostRace
                ? concurrentUpdateError(code: result, expected: old, context: context)
                : GitError.last(code: result, context: context)
        }
        git_reference_free(reference)
    }

    /// The compare-and-swap as a libgit2 transaction that also writes the reflog, for
    /// repositories where libgit2 would not log (bare, or `core.logAllRefUpdates=false`).
    /// Holding the reference's lock while reading, comparing and writing both the reference and
    /// its reflog keeps it as atomic as ``compareAndSwap(_:to:expecting:message:context:)``.
    private func compareAndSwapWritingReflog(_ name: String, to new: ObjectID, expecting old: ObjectID?,
                                             message: String, context: String) throws(GitError) {
        var transaction: OpaquePointer?
        try check(git_transaction_new(&transaction, handle), "\(context): cannot start a transaction")
        defer { git_transaction_free(transaction) }   // releases the lock if not committed
        let locked = git_transaction_lock_ref(transaction, name)
        if locked == GIT_ELOCKED.rawValue {
            throw concurrentUpdateError(code: locked, expected: old, context: context)
        }
        try check(locked, context)

        // Nobody else can move it while we hold the lock.
        let current = try referenceTarget(name)
        guard current == old else {
            throw GitError(kind: .concurrentUpdate, code: GIT_EMODIFIED.rawValue, message:
                "\(context): expected it \(old.map { "at \($0.short)" } ?? "absent") but another writer "
                + "changed it: it is \(current.map { "at \($0.short)" } ?? "absent")")
        }

        var log: OpaquePointer?
        try check(git_reflog_read(&log, handle, name), "cannot read the reflog of '\(name)'")
        defer { git_reflog_free(log) }
        let signature = try reflogSignature()
        defer { git_signature_free(signature) }
        var newOID = new.oid
        try check(git_reflog_append(log, &newOID, signature, message), "cannot append to the reflog of '\(name)'")
        try check(git_transaction_set_reflog(transaction, name, log), context)
        try check(git_transaction_set_target(transaction, name, &newOID, signature, message), context)
        try check(git_transaction_commit(transaction), context)
    }

    private func objectExists(_ oid: inout git_oid) throws(GitError) -> Bool {
        var database: OpaquePointer?
        try check(git_repository_odb(&database, handle), "cannot open the object database")
        defer { git_odb_free(database) }
        return git_odb_exists(database, &oid) == 1
    }

    private func concurrentUpdateError(code: Int32, expected old: ObjectID?, context: String) -> GitError {
        let (errorClass, detail) = GitError.lastDetail(code: code)
        let what = code == GIT_ELOCKED.rawValue
            ? "another writer holds its lock"
            : "expected it \(old.map { "at \($0.short)" } ?? "absent") but another writer changed it"
        return GitError(kind: .concurrentUpdate, code: code, errorClass: errorClass,
                        message: "\(context): \(what): \(detail)")
    }

    /// The configured identity (`user.name`, `user.email`), else "jobctl".
    private func reflogSignature() throws(GitError) -> UnsafeMutablePointer<git_signature>? {
        var signature: UnsafeMutablePointer<git_signature>?
        if git_signature_default(&signature, handle) < 0 {
            try check(git_signature_now(&signature, "jobctl", "jobctl@localhost"), "cannot make a reflog signature")
        }
        return signature
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
}

extension GitRepository {
    /// Whether git accepts `name` as a reference name (`refs/heads/agent/x`), by libgit2's rule.
    public static func isValidReferenceName(_ name: String) -> Bool {
        Libgit2.ensureInitialized()
        var valid: Int32 = 0
        return git_reference_name_is_valid(&valid, name) == 0 && valid == 1
    }
}

extension GitRepository {
    /// The local branches (`refs/heads/*`) and the commits they point at, by name without
    /// `refs/heads/`.
    public func localBranches() throws(GitError) -> [(name: String, tip: ObjectID)] {
        var iterator: OpaquePointer?
        try check(git_reference_iterator_glob_new(&iterator, handle, "refs/heads/*"), "cannot list the branches")
        defer { git_reference_iterator_free(iterator) }
        var branches: [(name: String, tip: ObjectID)] = []
        var reference: OpaquePointer?
        while git_reference_next(&reference, iterator) == 0 {
            defer { git_reference_free(reference) }
            let name = String(cString: git_reference_name(reference))
            var resolved: OpaquePointer?
            if git_reference_resolve(&resolved, reference) == 0, let target = git_reference_target(resolved) {
                branches.append((String(name.dropFirst("refs/heads/".count)), ObjectID(target.pointee)))
            }
            git_reference_free(resolved)
        }
        return branches.sorted { $0.name < $1.name }
    }

    /// `user.name` and `user.email` of the repository's git configuration, when both are set.
    public func configuredIdentity() -> (name: String, email: String)? {
        var signature: UnsafeMutablePointer<git_signature>?
        guard git_signature_default(&signature, handle) == 0, let signature else { return nil }
        defer { git_signature_free(signature) }
        return (String(cString: signature.pointee.name), String(cString: signature.pointee.email))
    }
}
