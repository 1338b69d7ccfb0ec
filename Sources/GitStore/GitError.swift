internal import CGit2

/// A failed libgit2 call: libgit2's return code and class, and its message prefixed with what
/// jobctl was doing, e.g. `cannot resolve revision 'foo': revspec 'foo' not found`.
///
/// Match on ``kind`` (or ``isNotFound`` / ``isConcurrentUpdate``) rather than on the message.
public struct GitError: Error, Sendable, Equatable, CustomStringConvertible {
    /// What went wrong, in the terms callers branch on. New kinds may be added; `switch` with a
    /// `default`, or compare with `==`.
    public struct Kind: Sendable, Hashable, CustomStringConvertible {
        public let description: String
        private init(_ description: String) { self.description = description }

        /// The object, reference, revision or path does not exist.
        public static let notFound = Kind("not found")
        /// Something with that name already exists.
        public static let exists = Kind("already exists")
        /// A short id or revision matches more than one object.
        public static let ambiguous = Kind("ambiguous")
        /// A reference changed, appeared, vanished or was locked between reading it and
        /// updating it: another writer won the compare-and-swap. Read again and retry.
        public static let concurrentUpdate = Kind("concurrent update")
        /// The operation needs a working tree and the repository is bare.
        public static let bareRepository = Kind("bare repository")
        /// HEAD names a branch that has no commit yet.
        public static let unbornBranch = Kind("unborn branch")
        /// A reference name or revision spec is malformed.
        public static let invalidSpec = Kind("invalid spec")
        /// The repository is owned by another user (git's `safe.directory` check).
        public static let notOwned = Kind("not owned by current user")
        /// A remote asked for credentials that were not given, or refused the ones given.
        public static let authentication = Kind("authentication")
        /// Anything else: see ``GitError/code`` and ``GitError/message``.
        public static let other = Kind("error")

        init(code: Int32) {
            switch code {
            case GIT_ENOTFOUND.rawValue: self = .notFound
            case GIT_EEXISTS.rawValue: self = .exists
            case GIT_EAMBIGUOUS.rawValue: self = .ambiguous
            case GIT_EMODIFIED.rawValue, GIT_ELOCKED.rawValue: self = .concurrentUpdate
            case GIT_EBAREREPO.rawValue: self = .bareRepository
            case GIT_EUNBORNBRANCH.rawValue: self = .unbornBranch
            case GIT_EINVALIDSPEC.rawValue: self = .invalidSpec
            case GIT_EOWNER.rawValue: self = .notOwned
            case GIT_EAUTH.rawValue: self = .authentication
            default: self = .other
            }
        }
    }

    public let kind: Kind
    /// libgit2's return code (`GIT_ENOTFOUND` is -3, `GIT_EMODIFIED` -15, ...).
    public let code: Int32
    /// libgit2's error class (`GIT_ERROR_REFERENCE`, ...), 0 when libgit2 set none.
    public let errorClass: Int32
    /// What we were doing, then libgit2's own message.
    public let message: String

    public init(kind: Kind, code: Int32, errorClass: Int32 = 0, message: String) {
        self.kind = kind
        self.code = code
        self.errorClass = errorClass
        self.message = message
    }

    public var description: String { message }

    public var isNotFound: Bool { kind == .notFound }
    public var isConcurrentUpdate: Bool { kind == .concurrentUpdate }
}

extension GitError {
    /// Builds the error from `git_error_last()`; call it right after the failing call.
    static func last(code: Int32, context: String, kind: Kind? = nil) -> GitError {
        let (errorClass, detail) = lastDetail(code: code)
        return GitError(kind: kind ?? Kind(code: code), code: code, errorClass: errorClass,
                        message: "\(context): \(detail)")
    }

    /// libgit2's class and message for the thread's last error.
    static func lastDetail(code: Int32) -> (errorClass: Int32, message: String) {
        guard let error = git_error_last() else { return (0, "libgit2 error \(code)") }
        return (error.pointee.klass, error.pointee.message.map { String(cString: $0) } ?? "libgit2 error \(code)")
    }
}
