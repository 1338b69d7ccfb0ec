/// One path that differs between two trees, found by ``GitRepository/diffTrees(from:to:under:)``.
///
/// Renames are not detected: a moved file is a ``Status/deleted`` change of the old path and an
/// ``Status/added`` change of the new one.
public struct TreeChange: Sendable, Hashable {
    public enum Status: Sendable, Hashable {
        case added
        case deleted
        /// Same kind of entry, different content or executable bit.
        case modified
        /// The entry changed kind: file ↔ symlink ↔ submodule. The modes say which.
        case typeChanged
    }

    /// The path relative to the prefix of the diff, `/`-separated.
    public let path: String
    public let status: Status
    /// `nil` when ``status`` is ``Status/added``.
    public let oldID: ObjectID?
    /// `nil` when ``status`` is ``Status/deleted``.
    public let newID: ObjectID?
    public let oldMode: FileMode?
    public let newMode: FileMode?

    public init(path: String, status: Status, oldID: ObjectID?, newID: ObjectID?,
                oldMode: FileMode?, newMode: FileMode?) {
        self.path = path
        self.status = status
        self.oldID = oldID
        self.newID = newID
        self.oldMode = oldMode
        self.newMode = newMode
    }
}
