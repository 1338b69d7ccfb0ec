import GitStore
import Testing
import TestSupport

@Suite("Reading trees and blobs at a commit")
struct TreeTests {
    /// jobs/ with nested folders, an executable, a symlink pointing out of the root, and a
    /// submodule (gitlink) entry; plus files outside jobs/.
    private func makeFixture() throws -> (TemporaryGitRepository, submodule: String) {
        let fixture = try TemporaryGitRepository(files: [
            "README.md": "hello\n",
            "jobs/a.yaml": "name: a\n",
            "jobs/reports/paid-search.yaml": "name: paid search\n",
            "jobs/reports/deep/x.yml": "name: x\n",
            "jobs/run.sh": "#!/bin/sh\n",
            "jobs-old/z.yaml": "name: z\n",
        ])
        try fixture.setExecutable("jobs/run.sh")
        try fixture.symlink("jobs/escape.yaml", to: "../../etc/passwd")
        let submodule = "0123456789abcdef0123456789abcdef01234567"
        try fixture.git("add", "-A")
        try fixture.git("update-index", "--add", "--cacheinfo", "160000,\(submodule),jobs/vendor/tools")
        try fixture.git("commit", "--quiet", "-m", "symlink and submodule")
        return (fixture, submodule)
    }

    @Test func listsEveryEntryUnderThePrefixRecursively() throws {
        let (fixture, submodule) = try makeFixture()
        let repository = try GitRepository(path: fixture.path)
        let head = try repository.resolveCommit("HEAD")
        let entries = try repository.treeEntries(commit: head, under: "jobs")
        #expect(entries.map(\.path) == [
            "a.yaml", "escape.yaml", "reports/deep/x.yml", "reports/paid-search.yaml", "run.sh", "vendor/tools",
        ])
        let byPath = Dictionary(uniqueKeysWithValues: entries.map { ($0.path, $0) })

        let a = try #require(byPath["a.yaml"])
        #expect(a.kind == .file)
        #expect(a.mode == .file)
        #expect(a.id.hex == (try fixture.git("rev-parse", "HEAD:jobs/a.yaml")))
        #expect(try repository.blob(a.id) == Array("name: a\n".utf8))
        #expect(try repository.blobText(a.id) == "name: a\n")

        #expect(byPath["run.sh"]?.mode == .executable)
        #expect(byPath["run.sh"]?.kind == .file)

        let link = try #require(byPath["escape.yaml"])
        #expect(link.kind == .symlink(target: "../../etc/passwd"))
        #expect(link.mode == .symlink)

        let tools = try #require(byPath["vendor/tools"])
        #expect(tools.kind == .submodule)
        #expect(tools.mode == .gitlink)
        #expect(tools.id.hex == submodule)
    }

    @Test func aNestedPrefixGivesPathsRelativeToIt() throws {
        let (fixture, _) = try makeFixture()
        let repository = try GitRepository(path: fixture.path)
        let head = try repository.resolveCommit("HEAD")
        #expect(try repository.treeEntries(commit: head, under: "jobs/reports").map(\.path)
            == ["deep/x.yml", "paid-search.yaml"])
        #expect(try repository.treeEntries(commit: head, under: "./jobs/reports/").map(\.path)
            == ["deep/x.yml", "paid-search.yaml"])
        #expect(try repository.treeEntries(commit: head, under: "").count == 8)
    }

    @Test func anAbsentPrefixOrAFileHasNoEntriesAndNoTree() throws {
        let (fixture, _) = try makeFixture()
        let repository = try GitRepository(path: fixture.path)
        let head = try repository.resolveCommit("HEAD")
        #expect(try repository.treeEntries(commit: head, under: "examples/jobs") == [])
        #expect(try repository.treeEntries(commit: head, under: "README.md") == [])
        #expect(try repository.treeID(commit: head, path: "examples/jobs") == nil)
        #expect(try repository.treeID(commit: head, path: "README.md") == nil)
    }

    @Test func readsOneEntryByPathWithoutListingItsFolder() throws {
        let (fixture, submodule) = try makeFixture()
        let repository = try GitRepository(path: fixture.path)
        let head = try repository.resolveCommit("HEAD")
        let readme = try #require(try repository.entry(commit: head, path: "README.md"))
        #expect(readme.path == "README.md" && readme.kind == .file)
        #expect(try repository.blobText(readme.id) == "hello\n")
        #expect(try repository.entry(commit: head, path: "jobs/escape.yaml")?.kind == .symlink(target: "../../etc/passwd"))
        #expect(try repository.entry(commit: head, path: "jobs/vendor/tools")?.id.hex == submodule)
        #expect(try repository.entry(commit: head, path: "jobs") == nil)
        #expect(try repository.entry(commit: head, path: "jobctl.yaml") == nil)
        #expect(try repository.entry(commit: head, path: "") == nil)
    }

    @Test func treeIDsChangeOnlyWhenTheSubtreeChanges() throws {
        let fixture = try TemporaryGitRepository(files: [
            "examples/quickstart/jobs/a.yaml": "name: a\n",
            "jobs/b.yaml": "name: b\n",
        ])
        let repository = try GitRepository(path: fixture.path)
        let first = try repository.resolveCommit("HEAD")
        let quickstart = try #require(try repository.treeID(commit: first, path: "examples/quickstart/jobs"))
        #expect(quickstart.hex == (try fixture.git("rev-parse", "HEAD:examples/quickstart/jobs")))
        #expect(try repository.treeID(commit: first, path: "")?.hex == (try fixture.git("rev-parse", "HEAD^{tree}")))

        try fixture.write("jobs/b.yaml", "name: b2\n")
        let second = try repository.resolveCommit(try fixture.commit("edit b"))
        #expect(try repository.treeID(commit: second, path: "examples/quickstart/jobs") == quickstart)
        #expect(try repository.treeID(commit: second, path: "jobs") != repository.treeID(commit: first, path: "jobs"))
    }

    @Test func hashesWorkingTreeFilesAsGitWould() throws {
        let (fixture, _) = try makeFixture()
        let repository = try GitRepository(path: fixture.path)
        #expect(try repository.workingTreeBlobID("jobs/a.yaml").hex == (try fixture.git("rev-parse", "HEAD:jobs/a.yaml")))
        #expect(try repository.workingTreeBlobID("jobs/escape.yaml").hex
            == (try fixture.git("rev-parse", "HEAD:jobs/escape.yaml")))
        try fixture.write("jobs/a.yaml", "name: changed\n")
        #expect(try repository.workingTreeBlobID("jobs/a.yaml").hex
            == (try fixture.git("hash-object", "jobs/a.yaml")))
        let missing = try #require(throws: GitError.self) { try repository.workingTreeBlobID("jobs/none.yaml") }
        #expect(missing.message.hasPrefix("cannot hash 'jobs/none.yaml': "))
    }

    @Test func readingAMissingBlobFails() throws {
        let fixture = try TemporaryGitRepository(files: ["a": "a"])
        let repository = try GitRepository(path: fixture.path)
        let id = try #require(ObjectID(hex: String(repeating: "1", count: 40)))
        let error = try #require(throws: GitError.self) { try repository.blob(id) }
        #expect(error.isNotFound)
        #expect(error.message.hasPrefix("cannot read blob 1111111: "))
    }
}
