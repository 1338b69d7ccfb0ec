import Definitions
import Foundation
import GitStore
import Reconciler

/// What is in force: the applied commit's jobs, with the blob id of each file (for the
/// embeddings cache and for comparing drafts).
struct AppliedJobs {
    var commit: CommitInfo
    var definitions: DefinitionSet
    /// `jobs/...` → blob id at the applied commit.
    var blobs: [String: ObjectID]

    /// nil before the first apply.
    static func load(_ root: JobsRoot) throws(ToolFailure) -> AppliedJobs? {
        let reconciler = Reconciler(root: root)
        guard let applied = try JobsRootAccess.run({ () throws(ReconcileError) in try reconciler.appliedDefinitions() }) else { return nil }
        return try JobsRootAccess.git { () throws(GitError) in
            var blobs: [String: ObjectID] = [:]
            for entry in try root.repository.treeEntries(commit: applied.commit, under: root.jobsPath) where entry.kind == .file {
                blobs["jobs/" + entry.path] = entry.id
            }
            return AppliedJobs(commit: try root.repository.commitInfo(applied.commit), definitions: applied.definitions, blobs: blobs)
        }
    }

    /// The jobs a caller may see, by id.
    func visible(to caller: ToolCaller) -> [JobDefinition] {
        definitions.jobs.values.filter { caller.covers($0.id.rawValue) }.sorted { $0.id.rawValue < $1.id.rawValue }
    }
}
