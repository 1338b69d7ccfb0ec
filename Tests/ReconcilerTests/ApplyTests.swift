import Foundation
import GitStore
import Reconciler
import Testing
import TestSupport

@Suite("apply: validate the whole target, then move the applied ref with compare-and-swap")
struct ApplyTests {
    @Test func firstApplyCreatesTheRefWithAReflogEntry() throws {
        let repo = try TemporaryGitRepository(files: [
            "jobs/a.yaml": Fixtures.job(),
            "jobs/reports/b.yaml": Fixtures.job(cron: "0 9 * * *"),
        ])
        let reconciler = try Fixtures.reconciler(repo)
        #expect(try reconciler.appliedCommit() == nil)
        let outcome = try reconciler.apply()
        #expect(outcome.wasApplied)
        #expect(outcome.plan.created.map(\.id.rawValue) == ["a", "reports/b"])
        let head = try repo.git("rev-parse", "HEAD")
        #expect(try repo.git("rev-parse", "refs/jobctl/applied") == head)
        let log = try GitRepository(path: repo.path).reflog("refs/jobctl/applied")
        #expect(log.first?.message == "jobctl apply: \(head.prefix(7)) 2 created, 0 updated, 0 deleted")

        // Applying the same commit again changes nothing.
        let again = try reconciler.apply()
        guard case .upToDate = again else { Issue.record("expected up to date, got \(again)"); return }
        #expect(try GitRepository(path: repo.path).reflog("refs/jobctl/applied").count == 1)
    }

    @Test func anInvalidCommitNeverReplacesTheAppliedState() throws {
        let repo = try TemporaryGitRepository(files: ["jobs/a.yaml": Fixtures.job()])
        let reconciler = try Fixtures.reconciler(repo)
        #expect(try reconciler.apply().wasApplied)
        let good = try repo.git("rev-parse", "HEAD")

        try repo.write("jobs/a.yaml", Fixtures.broken)
        try repo.write("jobs/b.yaml", Fixtures.job(needs: ["missing"]))
        try repo.commit("break a, add b with an unknown need")
        let outcome = try reconciler.apply()
        #expect(outcome.wasRefused)
        let messages = outcome.plan.diagnostics.filter { $0.severity == .error }.map(\.description)
        #expect(messages.contains { $0.hasPrefix("jobs/a.yaml:2:") && $0.contains("61") })
        #expect(messages.contains { $0.hasPrefix("jobs/b.yaml:") && $0.contains("unknown job 'missing'") })
        #expect(try repo.git("rev-parse", "refs/jobctl/applied") == good)
    }

    @Test func twoAppliersRacingExactlyOneWins() async throws {
        let repo = try TemporaryGitRepository(files: ["jobs/a.yaml": Fixtures.job()])
        #expect(try Fixtures.reconciler(repo).apply().wasApplied)
        try repo.write("jobs/a.yaml", Fixtures.job(cron: "0 9 * * 1"))
        try repo.commit("nine o'clock")

        // Both plan against the same applied commit; both then try to move the ref.
        let path = repo.path
        let results = await withTaskGroup(of: String.self) { group in
            for _ in 0..<2 {
                group.addTask {
                    do {
                        let reconciler = Reconciler(root: try JobsRoot.open(".", currentDirectory: path))
                        return try reconciler.apply().wasApplied ? "applied" : "not applied"
                    } catch let error as ReconcileError {
                        return error.kind == .appliedStateMoved ? "moved" : "error: \(error)"
                    } catch {
                        return "error: \(error)"
                    }
                }
            }
            var out: [String] = []
            for await result in group { out.append(result) }
            return out.sorted()
        }
        // Either one applied and the other lost the race, or the second saw it already applied.
        #expect(results == ["applied", "moved"] || results == ["applied", "not applied"])
        #expect(try repo.git("rev-parse", "refs/jobctl/applied") == (try repo.git("rev-parse", "HEAD")))
    }

    @Test func anApplyPlannedAgainstAnOlderStateGetsTheCleanError() throws {
        let repo = try TemporaryGitRepository(files: ["jobs/a.yaml": Fixtures.job()])
        let reconciler = try Fixtures.reconciler(repo)
        #expect(try reconciler.apply().wasApplied)
        let first = try repo.git("rev-parse", "HEAD")
        try repo.write("jobs/a.yaml", Fixtures.job(cron: "0 9 * * 1"))
        try repo.commit("nine")
        let plan = try reconciler.plan()
        #expect(plan.updated.map(\.id) == ["a"])

        // Another applier moves the ref after our plan.
        try repo.write("jobs/a.yaml", Fixtures.job(cron: "0 10 * * 1"))
        let ten = try repo.commit("ten")
        #expect(try Fixtures.reconciler(repo).apply(revision: ten).wasApplied)

        do {
            _ = try reconciler.apply(plan)
            Issue.record("apply of a stale plan succeeded")
        } catch {
            #expect(error.kind == .appliedStateMoved)
            #expect(error.message.hasPrefix("applied state moved; plan again"))
        }
        #expect(try repo.git("rev-parse", "refs/jobctl/applied") == ten)
        #expect(first != ten)
    }

    @Test func dryRunValidatesWithoutMovingTheRef() throws {
        let repo = try TemporaryGitRepository(files: ["jobs/a.yaml": Fixtures.job()])
        let outcome = try Fixtures.reconciler(repo).apply(revision: "HEAD", dryRun: true)
        guard case .dryRun(let plan) = outcome else { Issue.record("expected a dry run, got \(outcome)"); return }
        #expect(plan.created.map(\.id) == ["a"])
        #expect(try GitRepository(path: repo.path).referenceTarget("refs/jobctl/applied") == nil)
    }
}
