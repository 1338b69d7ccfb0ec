import GitStore
import Testing
import TestSupport

@Suite("Index and working-tree status under a prefix")
struct StatusTests {
    @Test func reportsUntrackedModifiedDeletedAndStaged() throws {
        let fixture = try TemporaryGitRepository(files: [
            "README.md": "hello\n",
            "jobs/modified.yaml": "name: m\n",
            "jobs/deleted.yaml": "name: d\n",
            "jobs/staged.yaml": "name: s\n",
            "jobs/both.yaml": "name: b\n",
            "jobs/kept.yaml": "name: k\n",
            "jobs-old/x.yaml": "name: x\n",
        ])
        try fixture.write("jobs/modified.yaml", "name: m2\n")
        try fixture.remove("jobs/deleted.yaml")
        try fixture.write("jobs/staged.yaml", "name: s2\n")
        try fixture.git("add", "jobs/staged.yaml")
        try fixture.write("jobs/both.yaml", "name: b2\n")
        try fixture.git("add", "jobs/both.yaml")
        try fixture.write("jobs/both.yaml", "name: b3\n")
        try fixture.write("jobs/added.yaml", "name: new\n")
        try fixture.git("add", "jobs/added.yaml")
        try fixture.write("jobs/untracked/deep/u.yaml", "name: u\n")
        try fixture.git("rm", "--quiet", "--cached", "jobs/kept.yaml")
        // Outside the prefix, and ignored files: never reported.
        try fixture.write("README.md", "changed\n")
        try fixture.write("jobs-old/x.yaml", "name: changed\n")
        try fixture.write(".gitignore", "*.tmp\n")
        try fixture.write("jobs/scratch.tmp", "ignored\n")

        let repository = try GitRepository(path: fixture.path)
        let status = try repository.status(under: "jobs").sorted { $0.path < $1.path }
        #expect(status == [
            StatusEntry(path: "added.yaml", index: .added, workingTree: nil),
            StatusEntry(path: "both.yaml", index: .modified, workingTree: .modified),
            StatusEntry(path: "deleted.yaml", index: nil, workingTree: .deleted),
            // Removed from the index but still on disk: staged deletion, and untracked.
            StatusEntry(path: "kept.yaml", index: .deleted, workingTree: .added),
            StatusEntry(path: "modified.yaml", index: nil, workingTree: .modified),
            StatusEntry(path: "staged.yaml", index: .modified, workingTree: nil),
            StatusEntry(path: "untracked/deep/u.yaml", index: nil, workingTree: .added),
        ])
        #expect(status.filter(\.isUntracked).map(\.path) == ["untracked/deep/u.yaml"])
    }

    @Test func aCleanTreeHasNoEntriesAndTheRootPrefixSeesEverything() throws {
        let fixture = try TemporaryGitRepository(files: ["jobs/a.yaml": "name: a\n", "README.md": "x\n"])
        let repository = try GitRepository(path: fixture.path)
        #expect(try repository.status(under: "jobs") == [])
        try fixture.write("README.md", "y\n")
        try fixture.write("jobs/a.yaml", "name: b\n")
        #expect(try repository.status(under: "").map(\.path).sorted() == ["README.md", "jobs/a.yaml"])
        #expect(try repository.status(under: "jobs").map(\.path) == ["a.yaml"])
    }

    @Test func aSymlinkReplacingAFileIsATypeChange() throws {
        let fixture = try TemporaryGitRepository(files: ["jobs/a.yaml": "name: a\n"])
        try fixture.remove("jobs/a.yaml")
        try fixture.symlink("jobs/a.yaml", to: "../outside.yaml")
        let repository = try GitRepository(path: fixture.path)
        #expect(try repository.status(under: "jobs") == [
            StatusEntry(path: "a.yaml", index: nil, workingTree: .typeChanged),
        ])
    }
}

@Suite("The working tree as a draft state")
struct WorkingTreeTests {
    @Test func combinesHeadWithEveryUncommittedChange() throws {
        let fixture = try TemporaryGitRepository(files: [
            "jobs/same.yaml": "name: same\n",
            "jobs/edit.yaml": "name: edit\n",
            "jobs/gone.yaml": "name: gone\n",
            "jobs/staged-gone.yaml": "name: staged gone\n",
            "README.md": "x\n",
        ])
        try fixture.write("jobs/edit.yaml", "name: edited\n")
        try fixture.remove("jobs/gone.yaml")
        try fixture.git("rm", "--quiet", "jobs/staged-gone.yaml")
        try fixture.write("jobs/new/deep.yaml", "name: new\n")
        try fixture.symlink("jobs/link.yaml", to: "/etc/passwd")
        try fixture.write("README.md", "changed\n")

        let repository = try GitRepository(path: fixture.path)
        let entries = try repository.workingTreeEntries(under: "jobs")
        #expect(entries.map(\.path) == ["edit.yaml", "link.yaml", "new/deep.yaml", "same.yaml"])
        let byPath = Dictionary(uniqueKeysWithValues: entries.map { ($0.path, $0) })

        let same = try #require(byPath["same.yaml"])
        #expect(same.isCommitted)
        #expect(same.id.hex == (try fixture.git("rev-parse", "HEAD:jobs/same.yaml")))

        let edit = try #require(byPath["edit.yaml"])
        #expect(!edit.isCommitted)
        #expect(edit.id.hex == (try fixture.git("hash-object", "jobs/edit.yaml")))
        #expect(try repository.workingTreeFile("jobs/edit.yaml") == Array("name: edited\n".utf8))

        let link = try #require(byPath["link.yaml"])
        #expect(link.kind == .symlink(target: "/etc/passwd"))
        #expect(link.mode == .symlink)
        #expect(try repository.workingTreeFile("jobs/link.yaml") == Array("/etc/passwd".utf8))

        #expect(byPath["new/deep.yaml"]?.isCommitted == false)
        #expect(try repository.workingTreeFile("jobs/gone.yaml") == nil)
    }

    @Test func aRepositoryWithNoCommitsIsAllDraft() throws {
        let fixture = try TemporaryGitRepository()
        try fixture.write("jobs/a.yaml", "name: a\n")
        let entries = try GitRepository(path: fixture.path).workingTreeEntries(under: "jobs")
        #expect(entries.map(\.path) == ["a.yaml"])
        #expect(entries.first?.isCommitted == false)
    }
}
