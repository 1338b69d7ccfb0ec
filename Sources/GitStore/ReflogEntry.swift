/// One move of a reference, as its reflog recorded it.
public struct ReflogEntry: Sendable, Hashable {
    /// `nil` for the entry that created the reference.
    public let oldID: ObjectID?
    public let newID: ObjectID
    public let message: String
    public let committer: Signature

    public init(oldID: ObjectID?, newID: ObjectID, message: String, committer: Signature) {
        self.oldID = oldID
        self.newID = newID
        self.message = message
        self.committer = committer
    }
}
