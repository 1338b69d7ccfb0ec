internal import CGit2
import Foundation

extension GitRepository {
    /// Stores `bytes` as a blob; returns its id.
    public func writeBlob(_ bytes: [UInt8]) throws(GitError) -> ObjectID {
        var oid = git_oid()
        let result = bytes.withUnsafeBytes { buffer in
            git_blob_create_from_buffer(&oid, handle, buffer.baseAddress, buffer.count)
        }
        try check(result, "cannot write a blob")
        return ObjectID(oid)
    }

    /// A tree built in memory from `base` (the empty tree when nil) with `files` (path inside
    /// the tree → blob id) added or replaced and `removed` paths taken out; intermediate trees
    /// are made as needed. Nothing is checked out; the cost grows with the changed paths.
    public func tree(updating base: ObjectID?, files: [(path: String, blob: ObjectID)], removed: [String] = []) throws(GitError) -> ObjectID {
        var baseline: OpaquePointer?
        if let base {
            var oid = base.oid
            try check(git_tree_lookup(&baseline, handle, &oid), "cannot read tree \(base.short)")
        } else {
            var builder: OpaquePointer?
            try check(git_treebuilder_new(&builder, handle, nil), "cannot start an empty tree")
            defer { git_treebuilder_free(builder) }
            var empty = git_oid()
            try check(git_treebuilder_write(&empty, builder), "cannot write an empty tree")
            try check(git_tree_lookup(&baseline, handle, &empty), "cannot read the empty tree")
        }
        defer { git_tree_free(baseline) }
        let paths = files.map { strdup(normalizedTreePath($0.path)) } + removed.map { strdup(normalizedTreePath($0)) }
        defer { paths.forEach { free($0) } }
        var updates: [git_tree_update] = []
        for (index, file) in files.enumerated() {
            updates.append(git_tree_update(action: GIT_TREE_UPDATE_UPSERT, id: file.blob.oid, filemode: GIT_FILEMODE_BLOB, path: paths[index]))
        }
        for index in removed.indices {
            updates.append(git_tree_update(action: GIT_TREE_UPDATE_REMOVE, id: git_oid(), filemode: GIT_FILEMODE_BLOB, path: paths[files.count + index]))
        }
        var out = git_oid()
        try check(git_tree_create_updated(&out, handle, baseline, updates.count, updates), "cannot build a tree")
        return ObjectID(out)
    }

    /// Makes a commit of `tree` with `parents`, authored and committed by `name <email>` now;
    /// moves no reference.
    public func commit(tree: ObjectID, parents: [ObjectID], message: String,
                       name: String = "jobctl", email: String = "jobctl@localhost") throws(GitError) -> ObjectID {
        var treeOID = tree.oid
        var treeObject: OpaquePointer?
        try check(git_tree_lookup(&treeObject, handle, &treeOID), "cannot read tree \(tree.short)")
        defer { git_tree_free(treeObject) }
        var parentObjects: [OpaquePointer?] = []
        defer { parentObjects.forEach { git_commit_free($0) } }
        for parent in parents {
            var oid = parent.oid
            var object: OpaquePointer?
            try check(git_commit_lookup(&object, handle, &oid), "cannot read commit \(parent.short)")
            parentObjects.append(object)
        }
        var signature: UnsafeMutablePointer<git_signature>?
        try check(git_signature_now(&signature, name, email), "cannot make a signature")
        defer { git_signature_free(signature) }
        var out = git_oid()
        let result = parentObjects.withUnsafeMutableBufferPointer { buffer in
            buffer.baseAddress!.withMemoryRebound(to: OpaquePointer?.self, capacity: max(buffer.count, 1)) { pointer in
                git_commit_create(&out, handle, nil, signature, signature, nil, message, treeObject, buffer.count, pointer)
            }
        }
        try check(result, "cannot make a commit")
        return ObjectID(out)
    }

    /// Points `name` at `target`, whatever it pointed at before (for refs of our own that only
    /// stage a push).
    public func setReference(_ name: String, to target: ObjectID) throws(GitError) {
        var oid = target.oid
        var reference: OpaquePointer?
        try check(git_reference_create(&reference, handle, name, &oid, 1, nil), "cannot set '\(name)' to \(target.short)")
        git_reference_free(reference)
    }

    /// Pushes `refspec` (`<local ref>:<remote ref>`; no `+`: a non-fast-forward is rejected by
    /// the remote) to `url`.
    ///
    /// - Returns: nil when the remote took the update, else the remote's reason for refusing it
    ///   (e.g. `non-fast-forward`, `fetch first`).
    /// - Throws: ``GitError`` when the push could not be made at all (connection, credentials).
    public func push(to url: String, refspec: String, credentials: RemoteCredentials? = nil) throws(GitError) -> String? {
        let context = "cannot push to '\(Self.redacted(url))'"
        let remote = try anonymousRemote(url, context: context)
        defer { git_remote_free(remote) }
        var options = git_push_options()
        try check(git_push_options_init(&options, UInt32(GIT_PUSH_OPTIONS_VERSION)), context)
        let box = CredentialBox(credentials)
        let payload = Unmanaged.passRetained(box)
        defer { payload.release() }
        options.callbacks.payload = payload.toOpaque()
        options.callbacks.credentials = credentialCallback
        options.callbacks.push_update_reference = { _, status, payload in
            if let status, let payload {
                Unmanaged<CredentialBox>.fromOpaque(payload).takeUnretainedValue().rejection = String(cString: status)
            }
            return 0
        }
        let result = try withStrArray([refspec]) { (array) -> Int32 in
            git_remote_push(remote, &array, &options)
        }
        if result < 0 { throw remoteError(result, box: box, context: context) }
        return box.rejection
    }
}
