import GitStore
import Testing
import TestSupport

@Suite("Diffing two commits under a prefix")
struct DiffTests {
    @Test func reportsAddedModifiedAndDeletedUnderThePrefixOnly() throws {
        let fixture = try TemporaryGitRepository(files: [
            "README.md": "hello\n",
            "jobs/keep.yaml": "name: keep\n",
            "jobs/edit.yaml": "name: edit\n",
            "jobs/nested/gone.yaml": "name: gone\n",
            "jobs-old/x.yaml": "name: x\n",
        ])
        let repository = try GitRepository(path: fixture.path)
        let old = try repository.resolveCommit("HEAD")
        try fixture.write("jobs/edit.yaml", "name: edited\n")
        try fixture.remove("jobs/nested/gone.yaml")
        try fixture.write("jobs/nested/new.yaml", "name: new\n")
        try fixture.write("README.md", "changed\n")
        try fixture.write("jobs-old/x.yaml", "name: changed\n")
        let new = try repository.resolveCommit(try fixture.commit("change"))

        let changes = try repository.diffTrees(from: old, to: new, under: "jobs")
        #expect(changes.map(\.path) == ["edit.yaml", "nested/gone.yaml", "nested/new.yaml"])
        #expect(changes.map(\.status) == [.modified, .deleted, .added])
        try #require(changes.count == 3)

        let edit = changes[0]
        #expect(edit.oldID?.hex == (try fixture.git("rev-parse", "\(old.hex):jobs/edit.yaml")))
        #expect(edit.newID?.hex == (try fixture.git("rev-parse", "\(new.hex):jobs/edit.yaml")))
        #expect(edit.oldMode == .file && edit.newMode == .file)
        #expect(changes[1].newID == nil && changes[1].newMode == nil && changes[1].oldID != nil)
        #expect(changes[2].oldID == nil && changes[2].oldMode == nil && changes[2].newMode == .file)
        #expect(try repository.blobText(#require(changes[2].newID)) == "name: new\n")

        // The whole tree sees the changes outside jobs/ too.
        #expect(try repository.diffTrees(from: old, to: new, under: "").map(\.path).sorted() == [
            "README.md", "jobs-old/x.yaml", "jobs/edit.yaml", "jobs/nested/gone.yaml", "jobs/nested/new.yaml",
        ])
    }

    @Test func changesOutsideThePrefixGiveNoChanges() throws {
        let fixture = try TemporaryGitRepository(files: ["jobs/a.yaml": "name: a\n", "src/main.c": "int x;\n"])
        let repository = try GitRepository(path: fixture.path)
        let old = try repository.resolveCommit("HEAD")
        try fixture.write("src/main.c", "int y;\n")
        let new = try repository.resolveCommit(try fixture.commit("code only"))
        #expect(try repository.diffTrees(from: old, to: new, under: "jobs") == [])
        #expect(try repository.diffTrees(from: new, to: new, under: "jobs") == [])
    }

    @Test func fromNothingEverythingIsAddedAndARenameIsDeletePlusAdd() throws {
        let fixture = try TemporaryGitRepository(files: ["jobs/a.yaml": "name: a\n", "jobs/b/c.yaml": "name: c\n"])
        let repository = try GitRepository(path: fixture.path)
        let first = try repository.resolveCommit("HEAD")
        let initial = try repository.diffTrees(from: nil, to: first, under: "jobs")
        #expect(initial.map(\.path) == ["a.yaml", "b/c.yaml"])
        #expect(initial.allSatisfy { $0.status == .added })

        try fixture.git("mv", "jobs/a.yaml", "jobs/renamed.yaml")
        let second = try repository.resolveCommit(try fixture.commit("rename"))
        let renamed = try repository.diffTrees(from: first, to: second, under: "jobs")
        #expect(renamed.map(\.path) == ["a.yaml", "renamed.yaml"])
        #expect(renamed.map(\.status) == [.deleted, .added])
        try #require(renamed.count == 2)
        #expect(renamed[0].oldID == renamed[1].newID)
    }

    @Test func aPrefixMissingOnOneSideIsAnEmptyFolder() throws {
        let fixture = try TemporaryGitRepository(files: ["README.md": "hello\n"])
        let repository = try GitRepository(path: fixture.path)
        let without = try repository.resolveCommit("HEAD")
        try fixture.write("examples/quickstart/jobs/a.yaml", "name: a\n")
        let with = try repository.resolveCommit(try fixture.commit("add example"))
        let prefix = "examples/quickstart/jobs"
        #expect(try repository.diffTrees(from: without, to: with, under: prefix).map(\.status) == [.added])
        #expect(try repository.diffTrees(from: with, to: without, under: prefix).map(\.status) == [.deleted])
        #expect(try repository.diffTrees(from: nil, to: without, under: prefix) == [])
    }

    @Test func fileBecomingSymlinkIsATypeChangeAndModeChangesShow() throws {
        let fixture = try TemporaryGitRepository(files: ["jobs/a.yaml": "name: a\n", "jobs/run.sh": "#!/bin/sh\n"])
        let repository = try GitRepository(path: fixture.path)
        let old = try repository.resolveCommit("HEAD")
        try fixture.remove("jobs/a.yaml")
        try fixture.symlink("jobs/a.yaml", to: "/etc/passwd")
        try fixture.setExecutable("jobs/run.sh")
        let new = try repository.resolveCommit(try fixture.commit("typechange"))
        let changes = try repository.diffTrees(from: old, to: new, under: "jobs")
        #expect(changes.map(\.path) == ["a.yaml", "run.sh"], "\(changes)")
        try #require(changes.count == 2)
        #expect(changes[0].status == .typeChanged)
        #expect(changes[0].oldMode == .file && changes[0].newMode == .symlink)
        #expect(changes[1].status == .modified)
        #expect(changes[1].oldMode == .file && changes[1].newMode == .executable)
        #expect(changes[1].oldID == changes[1].newID)
    }

    @Test func acceptsTreeIDsAsWellAsCommits() throws {
        let fixture = try TemporaryGitRepository(files: ["jobs/a.yaml": "name: a\n"])
        let repository = try GitRepository(path: fixture.path)
        let old = try repository.resolveCommit("HEAD")
        try fixture.write("jobs/b.yaml", "name: b\n")
        let new = try repository.resolveCommit(try fixture.commit("b"))
        let oldTree = try #require(try repository.treeID(commit: old, path: "jobs"))
        let newTree = try #require(try repository.treeID(commit: new, path: "jobs"))
        #expect(try repository.diffTrees(from: oldTree, to: newTree, under: "").map(\.path) == ["b.yaml"])
    }
}
