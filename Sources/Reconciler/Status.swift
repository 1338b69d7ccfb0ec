public import Definitions
public import Foundation
import GitStore

/// Each job of a root with its state (DESIGN.md §4), its next fire time and the applied commit.
public struct StatusReport: Sendable, Encodable {
    public var root: String
    public var reference: String
    /// The applied commit; `nil` before the first apply.
    public var applied: CommitSummary?
    /// HEAD's commit; `nil` in a repository with no commits.
    public var head: CommitSummary?
    /// The branch HEAD names; `nil` when detached.
    public var branch: String?
    public var detached: Bool
    public var jobs: [JobStatus]
    /// Problems in the working tree's definitions.
    public var diagnostics: [Diagnostic]
    public var ignored: [IgnoredEntry]
}

/// One job in ``StatusReport``.
public struct JobStatus: Sendable, Encodable {
    public enum State: String, Sendable, Encodable, CaseIterable {
        /// Applied, and the working tree agrees.
        case inForce = "in force"
        /// Only in the working tree or index, not in the applied commit.
        case draftNew = "draft: new"
        /// Changed in the working tree or index.
        case draftModified = "draft: modified"
        /// Deleted in the working tree or index; still applied.
        case draftDeleted = "draft: deleted"
        /// Committed, not applied yet.
        case pendingNew = "pending: new"
        case pendingModified = "pending: modified"
        case pendingDeleted = "pending: deleted"
    }

    /// The id; the path stands in when the file name is not a valid id.
    public var id: String
    public var file: String
    public var state: State
    /// The working tree's version has errors: it could not be applied.
    public var invalid: Bool
    /// The next fire of the applied version (the one that runs); `nil` when not applied,
    /// disabled, unscheduled or past its end.
    public var nextFire: Date?
    public var timeZone: String?
}

extension Reconciler {
    /// The state of every job: in force, draft (working tree or index differs from the
    /// applied commit and from HEAD), pending (committed, not applied), and invalid.
    ///
    /// Reads the whole applied tree (for next fire times); the working tree's files are read
    /// only where git says they differ.
    ///
    /// - Throws: ``ReconcileError/Kind/bareRepository`` in a bare repository.
    public func status() throws(ReconcileError) -> StatusReport {
        let (comparison, base, head) = try workingTreeComparison()
        let drafts: Set<String>
        do {
            drafts = Set(try repository.status(under: root.jobsPath).map { "jobs/" + $0.path })
        } catch { throw .git(error) }
        var configDraft = false
        if comparison.configChanged, let folder = root.folder {
            var ignored: [Diagnostic] = []
            let disk = FileManager.default.contents(atPath: folder + "/jobctl.yaml").map { [UInt8]($0) }
            let headConfig: [UInt8]?
            do { headConfig = try head.flatMap { try configFile(of: $0, diagnostics: &ignored) }?.bytes } catch { headConfig = nil }
            configDraft = disk != headConfig
        }

        // The applied definitions, for next fire times.
        var appliedJobs: [JobID: JobDefinition] = [:]
        if let base {
            do {
                let config = DefinitionLoader.loadConfig(try configFile(of: base)).config
                let (_, parses) = try buildSummary(of: base, config: config)
                for parsed in parses.values {
                    if let id = parsed.id, let definition = parsed.definition { appliedJobs[id] = definition }
                }
            } catch let error as GitError {
                throw .git(error)
            } catch {
                throw ReconcileError(.io, "\(error)")
            }
        }

        let errorFiles = Set(comparison.plan.diagnostics.filter { $0.severity == .error }.map(\.file))
        var paths = Set<String>()
        comparison.baseSummary.forEach(kinds: [.validJob, .invalidJob]) { path, _ in paths.insert(path) }
        comparison.targetSummary.forEach(kinds: [.validJob, .invalidJob]) { path, _ in paths.insert(path) }
        let instant = now()
        var jobs: [JobStatus] = []
        for path in paths {
            let inBase = comparison.baseSummary[path]?.isJob == true
            let inTarget = comparison.targetSummary[path]?.isJob == true
            let state: JobStatus.State
            if !comparison.changedPaths.contains(path) {
                state = .inForce
            } else if drafts.contains(path) || configDraft {
                state = !inBase ? .draftNew : (inTarget ? .draftModified : .draftDeleted)
            } else {
                state = !inBase ? .pendingNew : (inTarget ? .pendingModified : .pendingDeleted)
            }
            let id = try? SourceFile.jobID(forPath: path).get()
            let applied = inBase ? id.flatMap { appliedJobs[$0] } : nil
            jobs.append(JobStatus(
                id: id?.rawValue ?? path, file: path, state: state,
                invalid: inTarget && errorFiles.contains(path),
                nextFire: JobFields.nextFires(applied, after: instant, count: 1).first,
                timeZone: applied?.schedule.map { JobFields.zoneName($0.timeZone) }))
        }
        jobs.sort { ($0.id, $0.file) < ($1.id, $1.file) }
        return StatusReport(
            root: root.displayName, reference: root.appliedReference, applied: base?.summary,
            head: head?.summary, branch: repository.headBranchName(), detached: repository.isHeadDetached,
            jobs: jobs, diagnostics: comparison.plan.diagnostics, ignored: comparison.plan.ignored)
    }
}
