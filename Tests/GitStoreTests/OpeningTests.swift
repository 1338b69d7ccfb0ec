import Foundation
import GitStore
import Testing
import TestSupport

@Suite("Opening repositories and reading HEAD")
struct OpeningTests {
    @Test func discoversTheRepositoryFromASubfolder() throws {
        let fixture = try TemporaryGitRepository(files: ["jobs/reports/a.yaml": "name: a\n"])
        let repository = try GitRepository.discover(from: fixture.path + "/jobs/reports")
        #expect(repository.workdir == fixture.path)
        #expect(repository.gitDirectory == fixture.path + "/.git")
        #expect(repository.hooksDirectory == fixture.path + "/.git/hooks")
        #expect(!repository.isBare)
        #expect(!repository.isEmpty)
        #expect(try repository.headCommit()?.hex == fixture.git("rev-parse", "HEAD"))
        #expect(repository.headBranchName() == "main")
    }

    @Test func openingASubfolderExactlyFailsWithLibgit2sMessage() throws {
        let fixture = try TemporaryGitRepository(files: ["jobs/a.yaml": "name: a\n"])
        let error = try #require(throws: GitError.self) {
            try GitRepository(path: fixture.path + "/jobs")
        }
        #expect(error.isNotFound)
        #expect(error.message.hasPrefix("cannot open repository at '\(fixture.path)/jobs': "))
        #expect(error.message.contains("could not find repository"))
    }

    @Test func discoveryOutsideAnyRepositoryFails() throws {
        let fixture = try TemporaryGitRepository()
        let error = try #require(throws: GitError.self) {
            try GitRepository.discover(from: fixture.container)
        }
        #expect(error.isNotFound)
        #expect(error.message.hasPrefix("no git repository at or above '\(fixture.container)': "))
    }

    @Test func aRepositoryWithNoCommitsIsEmptyAndHasNoHeadCommit() throws {
        let fixture = try TemporaryGitRepository(initialBranch: "trunk")
        try fixture.write("jobs/a.yaml", "name: a\n")
        let repository = try GitRepository(path: fixture.path)
        #expect(repository.isEmpty)
        #expect(repository.isHeadUnborn)
        #expect(!repository.isHeadDetached)
        #expect(try repository.headCommit() == nil)
        #expect(repository.headBranchName() == "trunk")
        let error = try #require(throws: GitError.self) { try repository.resolveCommit("HEAD") }
        #expect(error.message.hasPrefix("cannot resolve revision 'HEAD': "))
        // Status still works against the empty HEAD.
        #expect(try repository.status(under: "jobs") == [
            StatusEntry(path: "a.yaml", index: nil, workingTree: .added),
        ])
    }

    @Test func anOrphanBranchIsUnbornButNotEmpty() throws {
        let fixture = try TemporaryGitRepository(files: ["jobs/a.yaml": "name: a\n"])
        try fixture.git("checkout", "--quiet", "--orphan", "fresh")
        let repository = try GitRepository(path: fixture.path)
        #expect(repository.isHeadUnborn)
        #expect(!repository.isEmpty)
        #expect(try repository.headCommit() == nil)
        #expect(repository.headBranchName() == "fresh")
    }

    @Test func detachedHeadHasACommitButNoBranch() throws {
        let fixture = try TemporaryGitRepository(files: ["jobs/a.yaml": "name: a\n"])
        let first = try fixture.git("rev-parse", "HEAD")
        try fixture.write("jobs/b.yaml", "name: b\n")
        try fixture.commit("add b")
        try fixture.git("checkout", "--quiet", "--detach", first)
        let repository = try GitRepository(path: fixture.path)
        #expect(repository.isHeadDetached)
        #expect(repository.headBranchName() == nil)
        #expect(try repository.headCommit()?.hex == first)
        #expect(try repository.resolveCommit("main~1").hex == first)
    }

    @Test func aBareRepositoryResolvesRevisionsAndReadsTrees() throws {
        let source = try TemporaryGitRepository(files: ["jobs/a.yaml": "name: a\n"])
        try source.git("tag", "-a", "v1", "-m", "first release")
        try source.write("jobs/b.yaml", "name: b\n")
        let head = try source.commit("add b")
        let bare = try TemporaryGitRepository(bare: true)
        try source.git("push", "--quiet", bare.path, "main", "v1")

        let repository = try GitRepository(path: bare.path)
        #expect(repository.isBare)
        #expect(repository.workdir == nil)
        #expect(repository.gitDirectory == bare.path)
        #expect(try repository.headCommit()?.hex == head)
        #expect(try repository.resolveCommit("main").hex == head)
        // An annotated tag peels to its commit.
        #expect(try repository.resolveCommit("v1").hex == source.git("rev-parse", "v1^{commit}"))
        #expect(try repository.treeEntries(commit: repository.resolveCommit("main"), under: "jobs").map(\.path)
            == ["a.yaml", "b.yaml"])
        let error = try #require(throws: GitError.self) { try repository.status(under: "jobs") }
        #expect(error.kind == .bareRepository)
        #expect(error.message.hasPrefix("cannot read the status of 'jobs': "))
    }

    @Test func discoversABareRepositoryFromItsOwnFolder() throws {
        let bare = try TemporaryGitRepository(bare: true)
        let repository = try GitRepository.discover(from: bare.path + "/refs")
        #expect(repository.isBare)
        #expect(repository.isEmpty)
        #expect(repository.hooksDirectory == bare.path + "/hooks")
    }

    @Test func hooksDirectoryFollowsCoreHooksPath() throws {
        let fixture = try TemporaryGitRepository(files: ["a": "a"])
        try fixture.git("config", "core.hooksPath", ".githooks")
        #expect(try GitRepository(path: fixture.path).hooksDirectory == fixture.path + "/.githooks")
        try fixture.git("config", "core.hooksPath", "/opt/hooks")
        #expect(try GitRepository(path: fixture.path).hooksDirectory == "/opt/hooks")
    }

    @Test func commitInfoCarriesSummaryAuthorAndParents() throws {
        let fixture = try TemporaryGitRepository(files: ["jobs/a.yaml": "name: a\n"])
        let parent = try fixture.git("rev-parse", "HEAD")
        try fixture.write("jobs/b.yaml", "name: b\n")
        try fixture.git("add", "-A")
        try fixture.git("commit", "--quiet", "-m", "Add job b\n\nWith a body.", "--date", "2026-03-01T08:00:00+0200")
        let repository = try GitRepository(path: fixture.path)
        let head = try repository.resolveCommit("HEAD")
        let info = try repository.commitInfo(head)
        #expect(info.id == head)
        #expect(info.summary == "Add job b")
        #expect(info.message == "Add job b\n\nWith a body.\n")
        #expect(info.parentIDs.map(\.hex) == [parent])
        #expect(info.treeID.hex == (try fixture.git("rev-parse", "HEAD^{tree}")))
        #expect(info.author.name == "Test Author")
        #expect(info.author.email == "author@example.com")
        #expect(info.author.timeZoneOffsetMinutes == 120)
        #expect(info.author.date == Date(timeIntervalSince1970: 1_772_344_800))
        #expect(info.committer.name == "Test Committer")
    }

    @Test func revisionErrorsCarryLibgit2sMessage() throws {
        let fixture = try TemporaryGitRepository(files: ["jobs/a.yaml": "name: a\n"])
        let repository = try GitRepository(path: fixture.path)
        let missing = try #require(throws: GitError.self) { try repository.resolveCommit("no-such-branch") }
        #expect(missing.isNotFound)
        #expect(missing.message == "cannot resolve revision 'no-such-branch': revspec 'no-such-branch' not found")
        #expect(missing.description == missing.message)

        let tree = try #require(throws: GitError.self) { try repository.resolveCommit("HEAD:jobs") }
        #expect(tree.message.hasPrefix("revision 'HEAD:jobs' is not a commit: "))
    }

    @Test func objectIDsParseAndPrint() throws {
        let id = try #require(ObjectID(hex: "3F2A9C1D00000000000000000000000000000000"))
        #expect(id.hex == "3f2a9c1d00000000000000000000000000000000")
        #expect(id.short == "3f2a9c1")
        #expect("\(id)" == id.hex)
        #expect(ObjectID(hex: "3f2a9c1") == nil)
        #expect(ObjectID(hex: String(repeating: "g", count: 40)) == nil)
        let json = try JSONEncoder().encode([id])
        #expect(String(decoding: json, as: UTF8.self) == "[\"\(id.hex)\"]")
        #expect(try JSONDecoder().decode([ObjectID].self, from: json) == [id])
    }
}
