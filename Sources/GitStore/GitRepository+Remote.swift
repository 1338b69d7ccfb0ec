internal import CGit2
import Foundation

/// How to authenticate to a remote over HTTPS: basic auth with a token as the password (what
/// GitHub, GitLab and Gitea accept for a personal or deploy token). A user name written in the
/// URL (`https://ci@forge.example/jobs.git`) takes the place of ``username``.
public struct RemoteCredentials: Sendable {
    public var username: String
    public var token: String

    public init(username: String = "x-access-token", token: String) {
        self.username = username
        self.token = token
    }
}

extension GitRepository {
    /// Opens the bare repository at `path`, creating it (and its folders) when nothing is there.
    public static func openOrCreateBare(at path: String) throws(GitError) -> GitRepository {
        Libgit2.ensureInitialized()
        if FileManager.default.fileExists(atPath: path + "/HEAD") {
            return try GitRepository(path: path)
        }
        var handle: OpaquePointer?
        try check(git_repository_init(&handle, path, 1), "cannot create a bare repository at '\(path)'")
        git_repository_free(handle)
        return try GitRepository(path: path)
    }

    /// Fetches `refspecs` (e.g. `+refs/heads/main:refs/remotes/origin/main`) from `url` into this
    /// repository with an anonymous remote: nothing is written to the repository's config, and
    /// only the refs the refspecs name are updated (never a mirror refspec, so refs of our own
    /// such as `refs/jobctl/*` are never pruned). Tags are not fetched.
    ///
    /// URLs: `file://` and plain paths, `http://` and `https://` (with `credentials`, a token as
    /// basic auth). Other schemes are refused before libgit2 sees them.
    ///
    /// Blocking network I/O: call it from a dedicated thread, never the cooperative pool.
    ///
    /// - Throws: ``GitError`` with libgit2's message ("cannot fetch from 'URL': ...").
    public func fetch(from url: String, refspecs: [String], credentials: RemoteCredentials? = nil) throws(GitError) {
        let context = "cannot fetch from '\(Self.redacted(url))'"
        let remote = try anonymousRemote(url, context: context)
        defer { git_remote_free(remote) }

        var options = git_fetch_options()
        try check(git_fetch_options_init(&options, UInt32(GIT_FETCH_OPTIONS_VERSION)), context)
        options.download_tags = GIT_REMOTE_DOWNLOAD_TAGS_NONE
        options.prune = GIT_FETCH_NO_PRUNE
        let box = CredentialBox(credentials)
        let payload = Unmanaged.passRetained(box)
        defer { payload.release() }
        options.callbacks.payload = payload.toOpaque()
        options.callbacks.credentials = credentialCallback
        let result = try withStrArray(refspecs) { (array) -> Int32 in
            git_remote_fetch(remote, &array, &options, "jobctl fetch")
        }
        if result < 0 { throw remoteError(result, box: box, context: context) }
    }

    /// An anonymous remote for `url` (nothing written to the config), after checking its scheme;
    /// the caller frees it.
    func anonymousRemote(_ url: String, context: String) throws(GitError) -> OpaquePointer? {
        guard Self.supportsURL(url) else {
            throw GitError(kind: .other, code: -1, message: "\(context): only file://, http:// and https:// remotes (or a local path) are supported")
        }
        var remote: OpaquePointer?
        try check(git_remote_create_anonymous(&remote, handle, url), context)
        return remote
    }

    /// The error of a failed fetch or push: what the credential callback saw when it refused,
    /// else libgit2's message (libgit2 leaves none of its own when a callback refuses).
    func remoteError(_ result: Int32, box: CredentialBox, context: String) -> GitError {
        switch box.trouble {
        case .noCredentials:
            return GitError(kind: .authentication, code: result, message: "\(context): the remote asks for credentials; give it a token (serve --remote-token-secret NAME)")
        case .refused:
            return GitError(kind: .authentication, code: result, message: "\(context): the remote refused the token (user '\(box.username ?? "")')")
        case nil:
            let error = GitError.last(code: result, context: context)
            return GitError(kind: error.kind, code: error.code, errorClass: error.errorClass, message: Self.redacted(error.message))
        }
    }

    /// Whether `commit` has `ancestor` in its history (or is it): a fast-forward from
    /// `ancestor` to `commit`.
    public func isFastForward(from ancestor: ObjectID, to commit: ObjectID) throws(GitError) -> Bool {
        if ancestor == commit { return true }
        var commitOID = commit.oid
        var ancestorOID = ancestor.oid
        let result = git_graph_descendant_of(handle, &commitOID, &ancestorOID)
        try check(result, "cannot compare the history of \(commit.short) and \(ancestor.short)")
        return result == 1
    }

    /// Whether ``fetch(from:refspecs:credentials:)`` takes `url`.
    public static func supportsURL(_ url: String) -> Bool {
        let lowered = url.lowercased()
        if lowered.hasPrefix("file://") || lowered.hasPrefix("http://") || lowered.hasPrefix("https://") { return true }
        return url.hasPrefix("/") || url.hasPrefix(".")
    }

    /// `url` without a password or token written into it (`https://user:secret@host` → `https://user:***@host`).
    public static func redacted(_ text: String) -> String {
        guard let scheme = text.range(of: "://") else { return text }
        let rest = text[scheme.upperBound...]
        guard let at = rest.firstIndex(of: "@"), let colon = rest[..<at].firstIndex(of: ":"),
              !rest[..<at].contains("/") else { return text }
        return String(text[..<rest.index(after: colon)]) + "***" + String(text[at...])
    }
}

/// libgit2's credential callback: basic auth with the token in ``CredentialBox`` (read through
/// the payload pointer), once; a second ask means the remote refused it.
let credentialCallback: git_credential_acquire_cb = { out, _, usernameFromURL, allowed, payload in
    guard let payload, let out else { return GIT_PASSTHROUGH.rawValue }
    let box = Unmanaged<CredentialBox>.fromOpaque(payload).takeUnretainedValue()
    guard let credentials = box.credentials, allowed & GIT_CREDENTIAL_USERPASS_PLAINTEXT.rawValue != 0 else {
        box.trouble = .noCredentials
        return GIT_EAUTH.rawValue
    }
    guard box.attempts == 0 else {
        box.trouble = .refused
        return GIT_EAUTH.rawValue
    }
    box.attempts += 1
    let username = usernameFromURL.map { String(cString: $0) }.flatMap { $0.isEmpty ? nil : $0 } ?? credentials.username
    box.username = username
    return git_credential_userpass_plaintext_new(out, username, credentials.token)
}

/// What the remote callbacks read and write through libgit2's payload pointer.
final class CredentialBox {
    enum Trouble { case noCredentials, refused }
    let credentials: RemoteCredentials?
    var attempts = 0
    var username: String?
    var trouble: Trouble?
    /// The remote's reason for refusing a pushed reference.
    var rejection: String?
    init(_ credentials: RemoteCredentials?) { self.credentials = credentials }
}
