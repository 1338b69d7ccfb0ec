/// A non-directory entry of a tree at a commit, found by ``GitRepository/treeEntries(commit:under:)``.
public struct TreeEntry: Sendable, Hashable {
    public enum Kind: Sendable, Hashable {
        /// A regular file (``TreeEntry/mode`` tells whether it is executable).
        case file
        /// A symbolic link and the target text it stores. It is never followed: the target may
        /// point anywhere, including outside the jobs root.
        case symlink(target: String)
        /// A submodule: ``TreeEntry/id`` is the commit it pins, which is not in this repository.
        case submodule
    }

    /// The path relative to the prefix the entries were listed under, `/`-separated.
    public let path: String
    public let kind: Kind
    /// The blob id (the submodule's commit id for ``Kind/submodule``).
    public let id: ObjectID
    public let mode: FileMode

    public init(path: String, kind: Kind, id: ObjectID, mode: FileMode) {
        self.path = path
        self.kind = kind
        self.id = id
        self.mode = mode
    }
}
