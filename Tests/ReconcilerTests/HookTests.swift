import Foundation
import GitStore
import Reconciler
import Testing
import TestSupport

@Suite("hooks install: post-commit and post-merge apply, idempotent, chained")
struct HookTests {
    @Test func installIsIdempotentAndKeepsTheUsersHook() async throws {
        let repo = try TemporaryGitRepository(files: ["jobs/a.yaml": Fixtures.job()])
        let hooks = repo.path + "/.git/hooks"
        try FileManager.default.createDirectory(atPath: hooks, withIntermediateDirectories: true)
        try "#!/bin/sh\necho mine > \"$(git rev-parse --git-dir)/mine-ran\"\n".write(toFile: hooks + "/post-commit", atomically: true, encoding: .utf8)
        chmod(hooks + "/post-commit", 0o755)

        let first = try HookInstaller.install(hooksDirectory: hooks, rootFolder: repo.path, executable: "/usr/bin/jobctl")
        #expect(first.map(\.unchanged) == [false, false])
        #expect(first.map(\.chained) == [hooks + "/post-commit.pre-jobctl", nil])
        let script = try String(contentsOfFile: hooks + "/post-commit", encoding: .utf8)
        #expect(script.contains("'/usr/bin/jobctl' apply --root '\(repo.path)'"))
        #expect(try String(contentsOfFile: hooks + "/post-commit.pre-jobctl", encoding: .utf8).contains("echo mine"))

        let second = try HookInstaller.install(hooksDirectory: hooks, rootFolder: repo.path, executable: "/usr/bin/jobctl")
        #expect(second.map(\.unchanged) == [true, true])
        #expect(try String(contentsOfFile: hooks + "/post-commit", encoding: .utf8) == script)

        // Another root is added, not replacing the first.
        _ = try HookInstaller.install(hooksDirectory: hooks, rootFolder: repo.path + "/examples/q", executable: "/usr/bin/jobctl")
        let both = try String(contentsOfFile: hooks + "/post-merge", encoding: .utf8)
        #expect(both.contains("--root '\(repo.path)'") && both.contains("--root '\(repo.path)/examples/q'"))
    }

    @Test func aCommitAppliesThroughTheHook() async throws {
        let repo = try TemporaryGitRepository(files: ["jobs/a.yaml": Fixtures.job()])
        let hooks = repo.path + "/.git/hooks"
        try "#!/bin/sh\ntouch \"$(git rev-parse --git-dir)/mine-ran\"\n".write(toFile: hooks + "/post-commit", atomically: true, encoding: .utf8)
        chmod(hooks + "/post-commit", 0o755)
        let install = try await JobctlProcess.run(["hooks", "install", "--root", repo.path])
        #expect(install.status == 0, "\(install.stderr)")

        try repo.write("jobs/b.yaml", Fixtures.job())
        let head = try repo.commit("add b")
        #expect(try repo.git("rev-parse", "refs/jobctl/applied") == head)
        #expect(FileManager.default.fileExists(atPath: repo.path + "/.git/mine-ran"))

        // A broken commit is committed, but not applied.
        try repo.write("jobs/b.yaml", Fixtures.broken)
        try repo.commit("break b")
        #expect(try repo.git("rev-parse", "refs/jobctl/applied") == head)
    }
}
