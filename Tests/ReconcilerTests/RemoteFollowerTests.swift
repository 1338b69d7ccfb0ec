import Foundation
import GitStore
import Reconciler
import Testing
import TestSupport

@Suite("Following a remote branch: fetch, then apply a valid fast-forward head")
struct RemoteFollowerTests {
    /// A bare forge with one valid job on main, a clone that pushes to it, and a folder for the mirror.
    struct Setup {
        let forge: TemporaryGitRepository
        let work: TemporaryGitRepository
        let state: TemporaryGitRepository

        init(files: [String: String] = ["jobs/a.yaml": Fixtures.job()]) throws {
            work = try TemporaryGitRepository(files: files)
            forge = try TemporaryGitRepository(bare: true)
            state = try TemporaryGitRepository(bare: true)
            try push()
        }

        var mirror: String { state.container + "/mirror.git" }
        var url: String { "file://" + forge.path }

        func push(force: Bool = false) throws {
            try work.git(["push", "--quiet"] + (force ? ["--force"] : []) + [forge.path, "main"])
        }

        func commit(_ file: String, _ text: String, _ message: String) throws -> ObjectID {
            try work.write(file, text)
            let id = try #require(ObjectID(hex: try work.commit(message)))
            try push()
            return id
        }

        func follower(path: String = "", allowForcePush: Bool = false) throws -> RemoteFollower {
            try RemoteFollower(source: RemoteSource(url: url, path: path, allowForcePush: allowForcePush), mirrorPath: mirror)
        }
    }

    @Test func appliesTheHeadThenEachNewValidCommit() throws {
        let setup = try Setup()
        let follower = try setup.follower()
        guard case .applied(let first, let plan) = try follower.sync() else { Issue.record("first head not applied"); return }
        #expect(plan.created.map(\.id.rawValue) == ["a"])
        #expect(first.hex == (try setup.work.git("rev-parse", "HEAD")))
        guard case .upToDate = try follower.sync() else { Issue.record("a second fetch of the same head changed something"); return }
        let second = try setup.commit("jobs/b.yaml", Fixtures.job(cron: "0 9 * * *"), "b")
        guard case .applied(let head, _) = try follower.sync() else { Issue.record("pushed commit not applied"); return }
        #expect(head == second)
        #expect(try follower.reconciler.appliedCommit() == second)
        // The applied ref lives in the mirror, with apply's reflog message.
        let reflog = try GitRepository(path: setup.mirror).reflog("refs/jobctl/applied")
        #expect(reflog.first?.message.hasPrefix("jobctl apply: \(second.short)") == true)
    }

    @Test func anInvalidHeadIsRefusedAndTheLastGoodStateStays() throws {
        let setup = try Setup()
        let follower = try setup.follower()
        _ = try follower.sync()
        let good = try #require(try follower.reconciler.appliedCommit())
        let broken = try setup.commit("jobs/b.yaml", Fixtures.broken, "broken")
        guard case .refusedInvalid(let head, let plan) = try follower.sync() else { Issue.record("broken head not refused"); return }
        #expect(head == broken)
        #expect(plan.diagnostics.contains { $0.severity == .error && $0.description.hasPrefix("jobs/b.yaml:2:") })
        #expect(try follower.reconciler.appliedCommit() == good)
        // A fix pushed on top is applied.
        let fixed = try setup.commit("jobs/b.yaml", Fixtures.job(), "fix")
        guard case .applied(let head, _) = try follower.sync() else { Issue.record("fix not applied"); return }
        #expect(head == fixed)
    }

    @Test func aForcePushIsRefusedUnlessAllowed() throws {
        let setup = try Setup()
        let follower = try setup.follower()
        _ = try follower.sync()
        let first = try #require(try follower.reconciler.appliedCommit())
        try setup.work.write("jobs/a.yaml", Fixtures.job(cron: "0 7 * * *"))
        try setup.work.git("commit", "--quiet", "--all", "--amend", "-m", "rewritten")
        try setup.push(force: true)
        guard case .refusedForcePush(let head, let applied) = try follower.sync() else { Issue.record("force-push not refused"); return }
        #expect(applied == first)
        #expect(try follower.reconciler.appliedCommit() == first)
        // The same mirror with --allow-force-push applies it.
        let allowing = try setup.follower(allowForcePush: true)
        guard case .applied(let applied2, _) = try allowing.sync() else { Issue.record("allowed force-push not applied"); return }
        #expect(applied2 == head)
    }

    @Test func followsAJobsRootInASubfolder() throws {
        let setup = try Setup(files: ["ops/jobs/a.yaml": Fixtures.job(), "README.md": "x\n"])
        let follower = try setup.follower(path: "ops")
        guard case .applied(_, let plan) = try follower.sync() else { Issue.record("not applied"); return }
        #expect(plan.created.map(\.id.rawValue) == ["a"])
        #expect(follower.reconciler.root.appliedReference == "refs/jobctl/roots/ops")
    }

    @Test func aMissingBranchOrRemoteIsAnErrorThatChangesNothing() throws {
        let setup = try Setup()
        let other = try RemoteFollower(source: RemoteSource(url: setup.url, branch: "release"), mirrorPath: setup.mirror)
        let missing = #expect(throws: ReconcileError.self) { try other.sync() }
        #expect(missing?.kind == .remote)
        #expect(missing?.message.contains("'release' not found") == true)
        let gone = try RemoteFollower(source: RemoteSource(url: "file:///nonexistent.git"), mirrorPath: setup.mirror)
        let failed = #expect(throws: ReconcileError.self) { try gone.sync() }
        #expect(failed?.kind == .remote)
        #expect(try gone.reconciler.appliedCommit() == nil)
    }

    @Test func sourcesCheckTheirURLAndBranch() {
        #expect(RemoteSource(url: "ssh://git@example.com/x.git").problem?.contains("ssh is not") == true)
        #expect(RemoteSource(url: "https://example.com/x.git", branch: "a..b").problem != nil)
        #expect(RemoteSource(url: "https://example.com/x.git", branch: "release/1.0").problem == nil)
        #expect(RemoteSource(url: "/srv/jobs.git", path: "./ops/").path == "ops")
    }
}
