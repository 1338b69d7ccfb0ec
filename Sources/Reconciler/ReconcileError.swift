import GitStore

/// Why a reconciler operation could not run at all. An invalid target is not an error: it is a
/// ``Plan`` whose ``Plan/isValid`` is false (and ``ApplyOutcome/refused(_:)`` for apply).
public struct ReconcileError: Error, Sendable, CustomStringConvertible {
    public struct Kind: Sendable, Hashable, CustomStringConvertible {
        public let description: String
        private init(_ description: String) { self.description = description }

        /// The root is not inside a git repository.
        public static let notARepository = Kind("not a repository")
        /// The revision to plan does not exist (includes a repository with no commits).
        public static let unknownRevision = Kind("unknown revision")
        /// Another apply moved the applied ref between our plan and our compare-and-swap.
        public static let appliedStateMoved = Kind("applied state moved")
        /// Neither the applied state nor the target has a `jobs/` folder at this root.
        public static let noJobsFolder = Kind("no jobs folder")
        /// The operation needs a working tree (status, diff) and the repository is bare.
        public static let bareRepository = Kind("bare repository")
        /// A git operation failed; the message carries libgit2's.
        public static let git = Kind("git")
        /// Writing a file (a hook) failed.
        public static let io = Kind("io")
        /// Fetching from the followed remote failed, or its branch does not exist there.
        public static let remote = Kind("remote")
    }

    public let kind: Kind
    public let message: String

    public init(_ kind: Kind, _ message: String) {
        self.kind = kind
        self.message = message
    }

    public var description: String { message }

    static func git(_ error: GitError) -> ReconcileError {
        ReconcileError(.git, error.message)
    }
}
