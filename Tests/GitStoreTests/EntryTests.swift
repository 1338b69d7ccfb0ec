import GitStore
import Testing
import TestSupport

@Suite("One entry at a path, without listing its folder")
struct EntryTests {
    @Test func findsFilesSymlinksAndSubmodulesAndNothingElse() throws {
        let fixture = try TemporaryGitRepository(files: [
            "jobctl.yaml": "timezone: UTC\n",
            "examples/q/jobs/a.yaml": "name: a\n",
        ])
        try fixture.symlink("link.yaml", to: "jobctl.yaml")
        try fixture.git("add", "-A")
        try fixture.git("update-index", "--add", "--cacheinfo", "160000,0123456789abcdef0123456789abcdef01234567,vendor")
        try fixture.git("commit", "--quiet", "-m", "link and submodule")
        let repository = try GitRepository(path: fixture.path)
        let head = try repository.resolveCommit("HEAD")

        let config = try #require(try repository.entry(commit: head, path: "jobctl.yaml"))
        #expect(config.kind == .file)
        #expect(config.id.hex == (try fixture.git("rev-parse", "HEAD:jobctl.yaml")))
        #expect(try repository.blobText(config.id) == "timezone: UTC\n")
        #expect(try repository.entry(commit: head, path: "./examples/q/jobs/a.yaml")?.path == "examples/q/jobs/a.yaml")
        #expect(try repository.entry(commit: head, path: "link.yaml")?.kind == .symlink(target: "jobctl.yaml"))
        #expect(try repository.entry(commit: head, path: "vendor")?.kind == .submodule)
        #expect(try repository.entry(commit: head, path: "examples/q") == nil)      // a folder
        #expect(try repository.entry(commit: head, path: "missing.yaml") == nil)
        #expect(try repository.entry(commit: head, path: "") == nil)
    }
}
