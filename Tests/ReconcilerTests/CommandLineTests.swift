import Foundation
import Testing
import TestSupport

@Suite("The reconciler commands as a user runs them")
struct CommandLineTests {
    @Test func editStatusDiffCommitPlanApplyBreakRefuse() async throws {
        let repo = try TemporaryGitRepository(files: ["jobs/a.yaml": Fixtures.job()])
        let root = ["--root", repo.path]

        var run = try await JobctlProcess.run(["plan"] + root)
        #expect(run.status == 2, "\(run.stderr)")
        #expect(run.stdout.contains("  + create a  (jobs/a.yaml)"))
        run = try await JobctlProcess.run(["apply"] + root)
        #expect(run.status == 0, "\(run.stderr)")
        #expect(run.stdout.contains("Applied \(try repo.git("rev-parse", "--short=7", "HEAD")) to refs/jobctl/applied: 1 created, 0 updated, 0 deleted."))
        run = try await JobctlProcess.run(["plan"] + root)
        #expect(run.status == 0)
        #expect(run.stdout.hasSuffix("No changes: the applied state matches.\n"))

        try repo.write("jobs/a.yaml", Fixtures.job(cron: "0 9 * * 1"))
        run = try await JobctlProcess.run(["status"] + root)
        #expect(run.status == 0)
        #expect(run.stdout.contains("a    draft: modified"))
        run = try await JobctlProcess.run(["diff"] + root)
        #expect(run.status == 0)
        #expect(run.stdout.contains("schedule.cron: \"0 8 * * 1\" → \"0 9 * * 1\""))
        try repo.commit("nine")
        run = try await JobctlProcess.run(["plan", "--format", "markdown"] + root)
        #expect(run.status == 2)
        #expect(run.stdout.contains("| ✏️ update | `a` | `jobs/a.yaml` | 1 field(s) |"))
        run = try await JobctlProcess.run(["plan", "--format", "json"] + root)
        let json = try JSONSerialization.jsonObject(with: Data(run.stdout.utf8)) as? [String: Any]
        #expect(json?["summary"] as? String == "0 to create, 1 to update, 0 to delete")
        #expect(try await JobctlProcess.run(["apply"] + root).status == 0)

        try repo.write("jobs/a.yaml", Fixtures.broken)
        let good = try repo.git("rev-parse", "refs/jobctl/applied")
        try repo.commit("break it")
        run = try await JobctlProcess.run(["plan"] + root)
        #expect(run.status == 1)
        run = try await JobctlProcess.run(["apply"] + root)
        #expect(run.status == 1)
        #expect(run.stderr.contains("jobs/a.yaml:2:10: error: minute field: 61 is out of range 0-59"))
        #expect(run.stderr.contains("apply refused: 1 error"))
        #expect(try repo.git("rev-parse", "refs/jobctl/applied") == good)

        run = try await JobctlProcess.run(["apply", "--dry-run", "--rev", "HEAD~1"] + root)
        #expect(run.status == 0)
        #expect(run.stdout.contains("Already applied") || run.stdout.contains("Dry run"))
    }

    @Test func errorsOutsideARepositoryAndForAnUnknownRevision() async throws {
        let folder = try TemporaryRoot(files: ["jobs/a.yaml": Fixtures.job()])
        var run = try await JobctlProcess.run(["plan", "--root", folder.path])
        #expect(run.status == 1)
        #expect(run.stderr.contains("is not in a git repository"))
        let repo = try TemporaryGitRepository(files: ["jobs/a.yaml": Fixtures.job()])
        run = try await JobctlProcess.run(["plan", "--root", repo.path, "--rev", "nope"])
        #expect(run.status == 1)
        #expect(run.stderr.hasPrefix("error: cannot resolve revision 'nope'"))
    }
}
