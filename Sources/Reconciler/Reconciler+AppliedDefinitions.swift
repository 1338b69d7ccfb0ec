public import Foundation
public import Definitions
public import GitStore

/// The applied state in full, for the scheduler: every job of the applied commit, parsed.
extension Reconciler {
    public struct AppliedDefinitions: Sendable {
        public var commit: ObjectID
        public var definitions: DefinitionSet
        /// When the ref last moved (its newest reflog entry), or nil without a reflog.
        public var appliedAt: Date?
    }

    /// The applied commit's definitions; nil before the first apply.
    public func appliedDefinitions() throws(ReconcileError) -> AppliedDefinitions? {
        guard let commit = try appliedCommit() else { return nil }
        let definitions = try definitions(at: commit)
        let appliedAt = (try? repository.reflog(root.appliedReference))?.first?.committer.date
        return AppliedDefinitions(commit: commit, definitions: definitions, appliedAt: appliedAt)
    }

    /// Every job of `commit` under this root, parsed and checked as `validate` does.
    /// Symbolic links and submodules under `jobs/` are not job files and are not read.
    public func definitions(at commit: ObjectID) throws(ReconcileError) -> DefinitionSet {
        do {
            var files: [SourceFile] = []
            var ignored: [String] = []
            for entry in try repository.treeEntries(commit: commit, under: root.jobsPath) {
                let path = "jobs/" + entry.path
                guard case .file = entry.kind, SourceFile.isDefinitionFile(entry.path) else {
                    ignored.append(path)
                    continue
                }
                files.append(SourceFile(path: path, bytes: try repository.blob(entry.id)))
            }
            var config: SourceFile?
            if let entry = try repository.entry(commit: commit, path: root.configPath), case .file = entry.kind {
                config = SourceFile(path: "jobctl.yaml", bytes: try repository.blob(entry.id))
            }
            return DefinitionLoader.load(config: config, jobFiles: files, ignoredFiles: ignored)
        } catch {
            throw .git(error)
        }
    }
}
