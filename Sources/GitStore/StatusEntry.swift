/// A path whose index or working-tree state differs from HEAD, found by
/// ``GitRepository/status(under:)``: what `git status --porcelain` prints, one line per path.
///
/// `index` compares HEAD with the index (staged changes); `workingTree` compares the index
/// with the working tree (unstaged changes, and untracked files as ``Change/added``).
/// Ignored files are never reported; renames are not detected.
public struct StatusEntry: Sendable, Hashable {
    public enum Change: Sendable, Hashable {
        /// New in the index (staged), or untracked in the working tree.
        case added
        case modified
        case deleted
        /// Changed kind: file ↔ symlink ↔ submodule.
        case typeChanged
    }

    /// The path relative to the prefix of the status, `/`-separated.
    public let path: String
    /// HEAD → index; `nil` when nothing is staged for this path.
    public let index: Change?
    /// Index → working tree; `nil` when the working tree matches the index.
    public let workingTree: Change?
    /// The path has an unresolved merge conflict.
    public let isConflicted: Bool

    public init(path: String, index: Change?, workingTree: Change?, isConflicted: Bool = false) {
        self.path = path
        self.index = index
        self.workingTree = workingTree
        self.isConflicted = isConflicted
    }

    /// Untracked: only in the working tree.
    public var isUntracked: Bool { index == nil && workingTree == .added }
}
