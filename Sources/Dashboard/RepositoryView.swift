import Definitions
import Foundation
import GitStore
import Reconciler
import Reports
import Scheduler

/// What the dashboard reads from git: the applied commit against HEAD (and the followed
/// remote's head), the plan that applying it would be, and a job's file at the applied commit.
/// Read per page view from the repository (libgit2, the tree-summary cache): cheap, and never
/// stale.
struct RepositoryView {
    struct Heads {
        var applied: CommitSummary?
        var head: CommitSummary?
        /// The plan from the applied commit to HEAD (or the remote's head); nil when they are the same.
        var pending: Plan?
        var pendingName = "HEAD"
        var problem: String?
    }

    let jobsRoot: String

    /// The applied commit and what applying `revision` (HEAD by default) would change.
    func heads(revision: String? = nil) -> Heads {
        var heads = Heads()
        do {
            let root = try JobsRoot.open(jobsRoot)
            let reconciler = Reconciler(root: root)
            let appliedID = try reconciler.appliedCommit()
            let targetID = try revision.map { try root.repository.resolveCommit($0) } ?? root.repository.headCommit()
            heads.applied = try appliedID.map { CommitSummary(id: $0, summary: try root.repository.commitInfo($0).summary) }
            heads.head = try targetID.map { CommitSummary(id: $0, summary: try root.repository.commitInfo($0).summary) }
            heads.pendingName = revision.map { String($0.prefix(12)) } ?? "HEAD"
            if let targetID, targetID != appliedID {
                heads.pending = try reconciler.plan(revision: targetID.hex)
            }
        } catch {
            heads.problem = "\(error)"
        }
        return heads
    }

    /// The job file's text at the applied commit, and that commit; nil when it cannot be read.
    func appliedFile(_ file: String) -> (text: String, commit: CommitSummary)? {
        guard let root = try? JobsRoot.open(jobsRoot), let applied = try? Reconciler(root: root).appliedCommit(),
              let info = try? root.repository.commitInfo(applied),
              let entry = try? root.repository.entry(commit: applied, path: root.repositoryPath(file)),
              let text = try? root.repository.blobText(entry.id) else { return nil }
        return (text, CommitSummary(id: applied, summary: info.summary))
    }

    /// The plan as `jobctl plan --format markdown` writes it, as sanitised HTML, with only the
    /// changes of jobs `include` admits; nil when none is left of a plan that had changes.
    static func html(_ plan: Plan, named name: String, where include: (JobID) -> Bool = { _ in true }) -> String? {
        var plan = plan
        let changed = plan.hasChanges
        plan.changes = plan.changes.filter { include($0.id) }
        if changed && plan.changes.isEmpty { return nil }
        return ReportPage.fragment(markdown: pageMarkdown(PlanFormatter.markdown(plan, targetName: name)))
    }

    /// The plan's Markdown with its `<details>` blocks (folded in a pull-request comment) opened
    /// into headings: the sanitiser keeps no raw HTML, and Markdown inside an HTML block is not
    /// Markdown to Ink.
    static func pageMarkdown(_ markdown: String) -> String {
        markdown.split(separator: "\n", omittingEmptySubsequences: false).map { line -> String in
            if line.hasPrefix("<details><summary>"), line.hasSuffix("</summary>") {
                let inner = line.dropFirst("<details><summary>".count).dropLast("</summary>".count)
                return "#### " + inner.replacingOccurrences(of: "<code>", with: "`").replacingOccurrences(of: "</code>", with: "`")
            }
            return line == "</details>" ? "" : String(line)
        }.joined(separator: "\n")
    }
}
