/// A file, symlink or submodule as the working tree has it now, found by
/// ``GitRepository/workingTreeEntries(under:)``: the draft state of a folder.
public struct WorkingTreeEntry: Sendable, Hashable {
    /// The path relative to the prefix the entries were listed under, `/`-separated.
    public let path: String
    /// As in a tree; a symlink's target is read from the link, never followed.
    public let kind: TreeEntry.Kind
    /// The blob id git would store for it now (a submodule's pinned commit).
    public let id: ObjectID
    public let mode: FileMode
    /// Identical in HEAD, the index and the working tree: its bytes are `blob(id)`. When
    /// `false` the entry is a draft (untracked, modified or staged) and its bytes are on disk.
    public let isCommitted: Bool

    public init(path: String, kind: TreeEntry.Kind, id: ObjectID, mode: FileMode, isCommitted: Bool) {
        self.path = path
        self.kind = kind
        self.id = id
        self.mode = mode
        self.isCommitted = isCommitted
    }
}
