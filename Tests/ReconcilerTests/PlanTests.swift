import Foundation
import GitStore
import Reconciler
import Schedules
import Testing
import TestSupport

@Suite("plan: HEAD or --rev against the applied state, field by field")
struct PlanTests {
    private func appliedRepository(_ files: [String: String]) throws -> (TemporaryGitRepository, Reconciler) {
        let repo = try TemporaryGitRepository(files: files)
        let reconciler = try Fixtures.reconciler(repo)
        #expect(try reconciler.apply().wasApplied)
        return (repo, reconciler)
    }

    @Test func showsSemanticFieldChangesAndHowTheNextFiresMove() throws {
        let original = """
        schedule:
          cron: "0 8 * * 1"
          timezone: Europe/Amsterdam
        params:
          market: {default: NL, allowed: [NL, BE]}
        steps:
          - name: extract
            run: [python3, extract.py]
          - name: summarise
            run: ./summarise.sh

        """
        let (repo, reconciler) = try appliedRepository(["jobs/reports/paid-search.yaml": original])
        let edited = original
            .replacingOccurrences(of: "0 8 * * 1", with: "0 9 * * 1")
            .replacingOccurrences(of: "[NL, BE]", with: "[NL, BE, DE]")
            .replacingOccurrences(of: "./summarise.sh", with: "./summarise.sh --all")
        try repo.write("jobs/reports/paid-search.yaml", edited)
        try repo.commit("move to nine")

        let plan = try reconciler.plan()
        #expect(plan.isValid)
        #expect(plan.summary == "0 to create, 1 to update, 0 to delete")
        let change = try #require(plan.changes.first)
        #expect(change.id == "reports/paid-search")
        #expect(change.action == .update)
        #expect(change.fields.map(PlanFormatter.render) == [
            #"schedule.cron: "0 8 * * 1" → "0 9 * * 1""#,
            #"params.market.allowed: ["NL", "BE"] → ["NL", "BE", "DE"]"#,
            #"steps[1].run: "./summarise.sh" → "./summarise.sh --all""#,
        ])
        let shift = try #require(change.fireTimes)
        let zone = TimeZone(identifier: "Europe/Amsterdam")!
        #expect(shift.before.map { RFC3339.string($0, in: zone) } == [
            "2026-01-05T08:00:00+01:00", "2026-01-12T08:00:00+01:00", "2026-01-19T08:00:00+01:00",
        ])
        #expect(shift.after.map { RFC3339.string($0, in: zone) } == [
            "2026-01-05T09:00:00+01:00", "2026-01-12T09:00:00+01:00", "2026-01-19T09:00:00+01:00",
        ])
        let text = PlanFormatter.text(plan, targetName: "HEAD")
        #expect(text.contains("  ~ update reports/paid-search  (jobs/reports/paid-search.yaml)"))
        #expect(text.contains("      schedule.cron: \"0 8 * * 1\" → \"0 9 * * 1\""))
        #expect(text.contains("        after:  2026-01-05T09:00:00+01:00, 2026-01-12T09:00:00+01:00, 2026-01-19T09:00:00+01:00"))
        #expect(text.hasSuffix("Plan: 0 to create, 1 to update, 0 to delete."))
        let markdown = PlanFormatter.markdown(plan, targetName: "HEAD")
        #expect(markdown.hasPrefix("### jobctl plan — root `.`: 📝 0 to create, 1 to update, 0 to delete"))
        #expect(markdown.contains("- schedule.cron: \"0 8 * * 1\"\n+ schedule.cron: \"0 9 * * 1\""))
        #expect(markdown.contains("| 2026-01-05T08:00:00+01:00 | 2026-01-05T09:00:00+01:00 |"))
    }

    @Test func noChangesAndFormattingOnlyEditsAreNotChanges() throws {
        let (repo, reconciler) = try appliedRepository(["jobs/a.yaml": Fixtures.job()])
        #expect(try reconciler.plan().hasChanges == false)
        try repo.write("jobs/a.yaml", "# a comment\n" + Fixtures.job())
        try repo.commit("comment")
        let plan = try reconciler.plan()
        #expect(!plan.hasChanges)
        #expect(plan.unchangedFiles == ["jobs/a.yaml"])
    }

    @Test func aRenameIsADeleteAndACreate() throws {
        let (repo, reconciler) = try appliedRepository(["jobs/old-name.yaml": Fixtures.job()])
        try repo.git("mv", "jobs/old-name.yaml", "jobs/new-name.yaml")
        try repo.commit("rename")
        let plan = try reconciler.plan()
        #expect(plan.changes.map { "\($0.action.rawValue) \($0.id)" } == ["create new-name", "delete old-name"])
    }

    @Test func crossFileChecksCoverUnchangedFiles() throws {
        // b needs a; the commit deletes a and touches nothing else: the error is in b's file.
        let (repo, reconciler) = try appliedRepository([
            "jobs/a.yaml": Fixtures.job(),
            "jobs/b.yaml": Fixtures.job(needs: ["a"]),
            "jobs/c.yaml": Fixtures.job(),
        ])
        try repo.remove("jobs/a.yaml")
        try repo.commit("delete a")
        let plan = try reconciler.plan()
        #expect(!plan.isValid)
        #expect(plan.diagnostics.map(\.description) == ["jobs/b.yaml:4:9: error: 'needs': unknown job 'a' (did you mean 'b'?)"])

        // A cycle closed by one changed file through an unchanged one.
        try repo.write("jobs/a.yaml", Fixtures.job())
        try repo.write("jobs/c.yaml", Fixtures.job(needs: ["b"]))
        try repo.write("jobs/a.yaml", Fixtures.job(needs: ["c"]))
        try repo.write("jobs/b.yaml", Fixtures.job(needs: ["a"]))
        try repo.commit("cycle")
        let cycle = try reconciler.plan()
        #expect(cycle.diagnostics.contains { $0.message.contains("dependency cycle: a -> c -> b -> a") })
    }

    @Test func theSameAnswerWithoutTheCache() throws {
        let (repo, reconciler) = try appliedRepository([
            "jobs/a.yaml": Fixtures.job(),
            "jobs/b.yaml": Fixtures.job(needs: ["a"]),
        ])
        try repo.remove("jobs/a.yaml")
        try repo.commit("delete a")
        let cached = try reconciler.plan()
        try FileManager.default.removeItem(atPath: repo.path + "/.git/jobctl/cache")
        let rebuilt = try reconciler.plan()
        #expect(cached.diagnostics == rebuilt.diagnostics)
        #expect(cached.changes.map(\.id) == rebuilt.changes.map(\.id))
        #expect(FileManager.default.fileExists(atPath: repo.path + "/.git/jobctl/cache/trees"))
    }

    @Test func aConfigChangeRereadsEveryJob() throws {
        let (repo, reconciler) = try appliedRepository([
            "jobctl.yaml": "timezone: UTC\n",
            "jobs/a.yaml": "schedule: \"0 8 * * *\"\nsteps:\n  - run: echo\n",
            "jobs/b.yaml": "steps:\n  - run: echo\n",
        ])
        try repo.write("jobctl.yaml", "timezone: Asia/Tokyo\n")
        try repo.commit("tokyo")
        let plan = try reconciler.plan()
        #expect(plan.changes.map(\.id) == ["a"])
        #expect(plan.changes.first?.fields.map(PlanFormatter.render) == ["schedule.timezone: UTC → Asia/Tokyo"])
    }

    @Test func deletingEveryJobIsAllowedAndLoud() throws {
        let (repo, reconciler) = try appliedRepository(["jobs/a.yaml": Fixtures.job(), "jobs/b.yaml": Fixtures.job()])
        try repo.remove("jobs")
        try repo.commit("delete everything")
        let plan = try reconciler.plan()
        #expect(plan.isValid)
        #expect(plan.deletesEveryJob)
        #expect(plan.deleted.count == 2)
        #expect(PlanFormatter.text(plan, targetName: "HEAD").contains("WARNING: this deletes every job (2)"))
        #expect(PlanFormatter.markdown(plan, targetName: "HEAD").contains("This deletes **every job** (2)"))
        #expect(try reconciler.apply().wasApplied)
        #expect(try reconciler.plan().jobCount == 0)
    }

    @Test func anEmptyJobsFolderCanBeAppliedFirst() throws {
        let repo = try TemporaryGitRepository(files: ["jobs/.gitkeep": ""])
        let outcome = try Fixtures.reconciler(repo).apply()
        #expect(outcome.wasApplied)
        #expect(outcome.plan.jobCount == 0)
        #expect(outcome.plan.ignored.isEmpty)
    }

    @Test func aCommitWithoutJobsFolderIsAnErrorBeforeTheFirstApply() throws {
        let repo = try TemporaryGitRepository(files: ["README.md": "hi\n"])
        #expect { try Fixtures.reconciler(repo).plan() } throws: { error in
            (error as? ReconcileError)?.kind == .noJobsFolder
        }
    }

    @Test func aRepositoryWithNoCommitsHasNothingToPlan() throws {
        let repo = try TemporaryGitRepository()
        try repo.write("jobs/a.yaml", Fixtures.job())
        let reconciler = try Fixtures.reconciler(repo)
        #expect { try reconciler.plan() } throws: { error in
            (error as? ReconcileError)?.kind == .unknownRevision
                && (error as? ReconcileError)?.message.contains("no commits yet") == true
        }
        #expect { try reconciler.apply() } throws: { error in (error as? ReconcileError)?.kind == .unknownRevision }
        // The working tree is a draft all the same.
        #expect(try reconciler.planWorkingTree().created.map(\.id) == ["a"])
    }

    @Test func detachedHeadPlansAndAppliesTheCheckedOutCommit() throws {
        let repo = try TemporaryGitRepository(files: ["jobs/a.yaml": Fixtures.job()])
        try repo.write("jobs/b.yaml", Fixtures.job())
        let second = try repo.commit("b")
        try repo.git("checkout", "--quiet", "--detach", "HEAD~1")
        let reconciler = try Fixtures.reconciler(repo)
        #expect(try reconciler.plan().created.map(\.id) == ["a"])
        #expect(try reconciler.plan(revision: second).created.map(\.id) == ["a", "b"])
        #expect(try reconciler.apply().wasApplied)
        #expect(try reconciler.status().detached)
    }

    @Test func aBareRepositoryPlansAndAppliesByRevision() throws {
        let source = try TemporaryGitRepository(files: ["jobs/a.yaml": Fixtures.job(), "examples/q/jobs/x.yaml": Fixtures.job()])
        let bare = try TemporaryGitRepository(bare: true)
        try source.git("push", "--quiet", bare.path, "main")
        let reconciler = try Fixtures.reconciler(bare)
        #expect(reconciler.root.folder == nil)
        #expect(try reconciler.plan(revision: "main").created.map(\.id) == ["a"])
        #expect(try reconciler.apply(revision: "main").wasApplied)
        #expect(try GitRepository(path: bare.path).referenceTarget("refs/jobctl/applied")?.hex == (try source.git("rev-parse", "HEAD")))
        // A sub-root of a bare repository, named relative to it.
        let sub = try Fixtures.reconciler(bare, root: "examples/q")
        #expect(sub.root.appliedReference == "refs/jobctl/roots/examples%2Fq")
        #expect(try sub.apply(revision: "main").plan.created.map(\.id) == ["x"])
        #expect { try reconciler.status() } throws: { error in (error as? ReconcileError)?.kind == .bareRepository }
    }

    @Test func symlinksSubmodulesAndOtherFilesInACommitAreReportedNotLoaded() throws {
        let repo = try TemporaryGitRepository(files: ["jobs/a.yaml": Fixtures.job(), "jobs/notes.md": "hi\n"])
        try repo.symlink("jobs/escape.yaml", to: "../../../etc/passwd")
        try repo.symlink("jobs/alias.yaml", to: "a.yaml")
        try repo.git("add", "-A")
        try repo.git("update-index", "--add", "--cacheinfo", "160000,0123456789abcdef0123456789abcdef01234567,jobs/vendor")
        try repo.git("commit", "--quiet", "-m", "links and a submodule")
        let plan = try Fixtures.reconciler(repo).plan()
        #expect(plan.isValid)
        #expect(plan.created.map(\.id) == ["a"])
        #expect(plan.ignored.map { "\($0.path): \($0.reason.rawValue)" } == [
            "jobs/alias.yaml: symbolic link", "jobs/escape.yaml: symbolic link",
            "jobs/notes.md: not a .yaml or .yml file", "jobs/vendor: submodule",
        ])
        #expect(plan.diagnostics.map { "\($0.file): \($0.severity.rawValue)" } == [
            "jobs/alias.yaml: warning", "jobs/escape.yaml: warning", "jobs/vendor: warning",
        ])
    }

    @Test func anAppliedStateThatWasInvalidStillReportsItsUnchangedErrors() throws {
        // Someone moved the ref by hand to a commit with a broken file.
        let repo = try TemporaryGitRepository(files: ["jobs/a.yaml": Fixtures.broken, "jobs/b.yaml": Fixtures.job()])
        let head = try repo.git("rev-parse", "HEAD")
        try repo.git("update-ref", "refs/jobctl/applied", head)
        try repo.write("jobs/b.yaml", Fixtures.job(cron: "0 9 * * 1"))
        try repo.commit("touch b only")
        let plan = try Fixtures.reconciler(repo).plan()
        #expect(!plan.isValid)
        #expect(plan.diagnostics.contains { $0.file == "jobs/a.yaml" && $0.severity == .error })
    }

    @Test func planFromAnOlderRevisionShowsARollback() throws {
        let (repo, reconciler) = try appliedRepository(["jobs/a.yaml": Fixtures.job()])
        let first = try repo.git("rev-parse", "HEAD")
        try repo.write("jobs/b.yaml", Fixtures.job())
        try repo.commit("b")
        #expect(try reconciler.apply().wasApplied)
        let rollback = try reconciler.plan(revision: first)
        #expect(rollback.deleted.map(\.id) == ["b"])
        #expect(try reconciler.apply(revision: first).wasApplied)
        #expect(try repo.git("rev-parse", "refs/jobctl/applied") == first)
    }
}
