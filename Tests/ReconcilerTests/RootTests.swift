import Foundation
import GitStore
import Reconciler
import Testing
import TestSupport

@Suite("Roots: one applied ref per jobs root, names that cannot collide")
struct RootTests {
    @Test func referenceNames() {
        #expect(AppliedReference.name(forRoot: "") == "refs/jobctl/applied")
        #expect(AppliedReference.name(forRoot: ".") == "refs/jobctl/applied")
        #expect(AppliedReference.name(forRoot: "examples/quickstart") == "refs/jobctl/roots/examples%2Fquickstart")
        // `a` and `a/applied` would collide under a `<path>/applied` scheme; here they cannot.
        #expect(AppliedReference.name(forRoot: "a") == "refs/jobctl/roots/a")
        #expect(AppliedReference.name(forRoot: "a/applied") == "refs/jobctl/roots/a%2Fapplied")
        #expect(AppliedReference.name(forRoot: "x.lock/..y z") == "refs/jobctl/roots/x%2Elock%2F%2E%2Ey%20z")
        #expect(AppliedReference.rootPath(forReference: "refs/jobctl/roots/examples%2Fquickstart") == "examples/quickstart")
        #expect(AppliedReference.rootPath(forReference: "refs/jobctl/applied") == "")
    }

    @Test func severalRootsInOneRepositoryHaveTheirOwnAppliedState() throws {
        let repo = try TemporaryGitRepository(files: [
            "jobs/top.yaml": Fixtures.job(),
            "examples/quickstart/jobs/hello.yaml": Fixtures.job(),
            "examples/quickstart/jobctl.yaml": "timezone: Asia/Tokyo\n",
            "a/jobs/one.yaml": Fixtures.job(),
            "a/applied/jobs/two.yaml": Fixtures.job(),
        ])
        let top = try Fixtures.reconciler(repo)
        let quickstart = try Fixtures.reconciler(repo, root: "examples/quickstart")
        #expect(quickstart.root.prefix == "examples/quickstart")
        #expect(try top.apply().plan.created.map(\.id) == ["top"])
        #expect(try quickstart.apply().plan.created.map(\.id) == ["hello"])
        #expect(try Fixtures.reconciler(repo, root: "a").apply().wasApplied)
        #expect(try Fixtures.reconciler(repo, root: "a/applied").apply().plan.created.map(\.id) == ["two"])
        let refs = try repo.git("for-each-ref", "--format=%(refname)", "refs/jobctl/").split(separator: "\n")
        #expect(refs == ["refs/jobctl/applied", "refs/jobctl/roots/a", "refs/jobctl/roots/a%2Fapplied", "refs/jobctl/roots/examples%2Fquickstart"])

        // A change under one root is not a change of the other.
        try repo.write("examples/quickstart/jobs/hello.yaml", Fixtures.job(cron: "0 9 * * 1"))
        try repo.commit("quickstart at nine")
        #expect(try top.plan().hasChanges == false)
        #expect(try quickstart.plan().updated.map(\.id) == ["hello"])
    }

    @Test func aRootFromAFolderInsideIt() throws {
        let repo = try TemporaryGitRepository(files: ["examples/q/jobs/x.yaml": Fixtures.job()])
        let root = try JobsRoot.open("..", currentDirectory: repo.path + "/examples/q/jobs")
        #expect(root.prefix == "examples/q")
        #expect(root.folder == repo.path + "/examples/q")
    }

    @Test func outsideARepositoryIsAClearError() throws {
        let root = try TemporaryRoot(files: ["jobs/a.yaml": Fixtures.job()])
        #expect { try JobsRoot.open(root.path) } throws: { error in
            (error as? ReconcileError)?.kind == .notARepository
        }
    }
}
