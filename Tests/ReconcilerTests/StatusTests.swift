import Foundation
import GitStore
import Reconciler
import Testing
import TestSupport

@Suite("status and diff: the working tree against the applied state")
struct StatusTests {
    private func states(_ report: StatusReport) -> [String] {
        report.jobs.map { "\($0.id): \($0.state.rawValue)\($0.invalid ? ", invalid" : "")" }
    }

    @Test func everyStateOfAJob() throws {
        let repo = try TemporaryGitRepository(files: [
            "jobs/kept.yaml": Fixtures.job(),
            "jobs/edited.yaml": Fixtures.job(),
            "jobs/removed.yaml": Fixtures.job(),
            "jobs/committed-edit.yaml": Fixtures.job(),
            "jobs/committed-removal.yaml": Fixtures.job(),
            "jobs/staged.yaml": Fixtures.job(),
        ])
        let reconciler = try Fixtures.reconciler(repo)
        #expect(try reconciler.apply().wasApplied)

        // Committed, not applied.
        try repo.write("jobs/committed-edit.yaml", Fixtures.job(cron: "0 9 * * 1"))
        try repo.remove("jobs/committed-removal.yaml")
        try repo.write("jobs/committed-new.yaml", Fixtures.job())
        try repo.commit("pending work")
        // Drafts: unstaged, staged, untracked, deleted, and a broken one.
        try repo.write("jobs/edited.yaml", Fixtures.job(cron: "0 10 * * 1"))
        try repo.write("jobs/staged.yaml", Fixtures.job(cron: "0 11 * * 1"))
        try repo.git("add", "jobs/staged.yaml")
        try repo.write("jobs/new.yaml", Fixtures.job())
        try repo.write("jobs/broken.yaml", Fixtures.broken)
        try repo.remove("jobs/removed.yaml")

        let report = try reconciler.status()
        #expect(states(report) == [
            "broken: draft: new, invalid",
            "committed-edit: pending: modified",
            "committed-new: pending: new",
            "committed-removal: pending: deleted",
            "edited: draft: modified",
            "kept: in force",
            "new: draft: new",
            "removed: draft: deleted",
            "staged: draft: modified",
        ])
        #expect(report.applied?.summary == "initial")
        #expect(report.head?.summary == "pending work")
        #expect(report.branch == "main")
        let kept = try #require(report.jobs.first { $0.id == "kept" })
        #expect(kept.nextFire == Date(timeIntervalSince1970: 1_767_596_400))   // Mon 5 Jan 2026 08:00 CET
        #expect(report.jobs.first { $0.id == "new" }?.nextFire == nil)

        // diff: the same draft, field by field.
        let diff = try reconciler.planWorkingTree()
        #expect(!diff.isValid)
        #expect(diff.changes.map { "\($0.action.rawValue) \($0.id)" } == [
            "create broken", "update committed-edit", "create committed-new", "delete committed-removal",
            "update edited", "create new", "delete removed", "update staged",
        ])
        #expect(diff.changes.first { $0.id == "edited" }?.fields.map(PlanFormatter.render) == [
            #"schedule.cron: "0 8 * * 1" → "0 10 * * 1""#,
        ])
    }

    @Test func symlinksInTheWorkingTreeAreNeverFollowed() throws {
        let repo = try TemporaryGitRepository(files: ["jobs/a.yaml": Fixtures.job()])
        let reconciler = try Fixtures.reconciler(repo)
        #expect(try reconciler.apply().wasApplied)
        try repo.symlink("jobs/passwd.yaml", to: "/etc/passwd")
        try repo.write("jobs/readme.txt", "notes\n")
        let diff = try reconciler.planWorkingTree()
        #expect(diff.isValid)
        #expect(!diff.hasChanges)
        #expect(diff.ignored.map(\.path) == ["jobs/passwd.yaml", "jobs/readme.txt"])
        #expect(diff.diagnostics.map(\.description) == [
            "jobs/passwd.yaml:1:1: warning: symbolic link is not a job definition: jobctl reads jobs from git, where a link is only its target text, and never follows it; ignored",
        ])
    }

    @Test func beforeTheFirstCommitEverythingIsADraft() throws {
        let repo = try TemporaryGitRepository()
        try repo.write("jobs/a.yaml", Fixtures.job())
        let report = try Fixtures.reconciler(repo).status()
        #expect(report.head == nil)
        #expect(report.applied == nil)
        #expect(states(report) == ["a: draft: new"])
    }

    @Test func aConfigEditInTheWorkingTreeMakesEveryAffectedJobADraft() throws {
        let repo = try TemporaryGitRepository(files: [
            "jobctl.yaml": "timezone: UTC\n",
            "jobs/a.yaml": "schedule: \"0 8 * * *\"\nsteps:\n  - run: echo\n",
        ])
        let reconciler = try Fixtures.reconciler(repo)
        #expect(try reconciler.apply().wasApplied)
        try repo.write("jobctl.yaml", "timezone: Asia/Tokyo\n")
        #expect(states(try reconciler.status()) == ["a: draft: modified"])
        #expect(try reconciler.planWorkingTree().updated.first?.fields.map(PlanFormatter.render) == ["schedule.timezone: UTC → Asia/Tokyo"])
    }
}
