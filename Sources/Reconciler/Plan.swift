public import Definitions
public import Foundation
public import GitStore

/// What applying a target would change: the jobs created, updated and deleted between the
/// applied state and the target (a commit, or the working tree), each with its field changes,
/// and every problem found in the target.
///
/// A plan is data; ``PlanFormatter`` renders it as text or Markdown, and it encodes as JSON.
/// A plan with errors (``isValid`` false) must not be applied.
public struct Plan: Sendable, Encodable {
    /// The applied commit the plan starts from; `nil` before the first apply.
    public var applied: CommitSummary?
    /// The commit the plan goes to; `nil` when the target is the working tree.
    public var target: CommitSummary?
    /// `refs/jobctl/applied`, or the root's own ref.
    public var reference: String
    /// The root's path inside the repository (`""` for the top).
    public var root: String
    /// One entry per job whose definition changes, sorted by id.
    public var changes: [JobChange]
    /// Files whose text changed but whose definition did not (comments, formatting, key order).
    public var unchangedFiles: [String]
    /// Every problem in the target tree, sorted by file and position.
    public var diagnostics: [Diagnostic]
    /// Entries under `jobs/` that are not jobs, with the reason.
    public var ignored: [IgnoredEntry]
    /// How many jobs the target defines (valid or not).
    public var jobCount: Int
    /// How many jobs the applied state defines.
    public var appliedJobCount: Int

    public var isValid: Bool { !diagnostics.contains { $0.severity == .error } }
    public var hasChanges: Bool { !changes.isEmpty }
    /// Every applied job goes away: allowed, and shown loudly.
    public var deletesEveryJob: Bool { appliedJobCount > 0 && jobCount == 0 }

    public var created: [JobChange] { changes.filter { $0.action == .create } }
    public var updated: [JobChange] { changes.filter { $0.action == .update } }
    public var deleted: [JobChange] { changes.filter { $0.action == .delete } }

    /// `2 to create, 1 to update, 1 to delete`, or `no changes`.
    public var summary: String {
        guard hasChanges else { return "no changes" }
        return "\(created.count) to create, \(updated.count) to update, \(deleted.count) to delete"
    }

    enum CodingKeys: String, CodingKey {
        case applied, target, reference, root, changes, unchangedFiles, diagnostics, ignored, jobCount, appliedJobCount
        case valid, hasChanges, deletesEveryJob, summary
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(applied, forKey: .applied)
        try container.encode(target, forKey: .target)
        try container.encode(reference, forKey: .reference)
        try container.encode(root.isEmpty ? "." : root, forKey: .root)
        try container.encode(changes, forKey: .changes)
        try container.encode(unchangedFiles, forKey: .unchangedFiles)
        try container.encode(diagnostics, forKey: .diagnostics)
        try container.encode(ignored, forKey: .ignored)
        try container.encode(jobCount, forKey: .jobCount)
        try container.encode(appliedJobCount, forKey: .appliedJobCount)
        try container.encode(isValid, forKey: .valid)
        try container.encode(hasChanges, forKey: .hasChanges)
        try container.encode(deletesEveryJob, forKey: .deletesEveryJob)
        try container.encode(summary, forKey: .summary)
    }
}

/// A commit as a plan names it.
public struct CommitSummary: Sendable, Encodable, Hashable {
    public var id: ObjectID
    public var summary: String

    public var short: String { id.short }

    public init(id: ObjectID, summary: String) {
        self.id = id
        self.summary = summary
    }
}

/// One job whose definition changes.
public struct JobChange: Sendable, Encodable {
    public enum Action: String, Sendable, Encodable {
        case create, update, delete
    }

    public var id: JobID
    public var action: Action
    /// The file in the target (create, update) or in the applied state (delete).
    public var file: String
    /// The field changes, in the order of the definition; for a create, every field that is set.
    public var fields: [FieldChange]
    /// For a schedule that appears, changes or goes away: the next fires before and after.
    public var fireTimes: FireTimeShift?
    /// The target's version has errors (the plan cannot be applied).
    public var invalid: Bool
}

/// One field of a job, before and after: `schedule.cron: "0 8 * * 1" → "0 9 * * 1"`.
/// Values are rendered as YAML-like text; `nil` is "not set".
public struct FieldChange: Sendable, Encodable, Hashable {
    public var path: String
    public var old: String?
    public var new: String?
}

/// The next fire times (scheduled instants) of a job before and after a change, from the
/// moment of planning. A disabled job or a job without a schedule has none.
public struct FireTimeShift: Sendable, Encodable, Hashable {
    public var timeZone: String
    public var before: [Date]
    public var after: [Date]
}

/// An entry under `jobs/` that is not loaded as a job.
public struct IgnoredEntry: Sendable, Encodable, Hashable {
    public enum Reason: String, Sendable, Encodable {
        /// Not `.yaml`/`.yml`.
        case notYAML = "not a .yaml or .yml file"
        /// A symbolic link: never followed, never a job.
        case symlink = "symbolic link"
        /// A git submodule.
        case submodule = "submodule"
    }

    public var path: String
    public var reason: Reason
}
