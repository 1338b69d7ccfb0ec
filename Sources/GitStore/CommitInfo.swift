/// A commit's metadata: what `git log` shows, without the diff.
public struct CommitInfo: Sendable, Hashable {
    public let id: ObjectID
    /// The root tree of the commit.
    public let treeID: ObjectID
    public let parentIDs: [ObjectID]
    /// The first paragraph of the message, on one line.
    public let summary: String
    /// The full message.
    public let message: String
    public let author: Signature
    public let committer: Signature

    public init(id: ObjectID, treeID: ObjectID, parentIDs: [ObjectID], summary: String,
                message: String, author: Signature, committer: Signature) {
        self.id = id
        self.treeID = treeID
        self.parentIDs = parentIDs
        self.summary = summary
        self.message = message
        self.author = author
        self.committer = committer
    }
}
