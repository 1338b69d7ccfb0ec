import Foundation
import Testing
import TestSupport

/// `jobctl rerun --at-commit`: the definition of the original run's commit, read from git.
@Suite struct RerunAtCommitTests {
    static func records(_ repo: TemporaryGitRepository, _ job: String) -> [[String: Any]] {
        let text = (try? String(contentsOfFile: repo.path + "/history/\(job).jsonl", encoding: .utf8)) ?? ""
        return text.split(separator: "\n").compactMap { try? JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any] }
    }

    static func log(_ repo: TemporaryGitRepository, _ record: [String: Any]?) -> String {
        (try? String(contentsOfFile: repo.path + "/" + (record?["log"] as? String ?? ""), encoding: .utf8)) ?? ""
    }

    @Test func aRerunAtItsCommitRunsTheOldDefinitionAndRecordsThatCommit() async throws {
        let repo = try TemporaryGitRepository(files: [".gitignore": "/.jobctl/\n/history/\n", "jobs/load.yaml": "steps:\n  - run: [echo, version-one]\n"])
        let first = try repo.git("rev-parse", "HEAD").trimmingCharacters(in: .whitespacesAndNewlines)
        #expect(try await JobctlProcess.run(["apply", "--root", repo.path]).status == 0)
        #expect(try await JobctlProcess.run(["run", "load", "--root", repo.path, "--wait"]).status == 0)
        let original = try #require(Self.records(repo, "load").first?["run"] as? String)

        try repo.write("jobs/load.yaml", "steps:\n  - run: [echo, version-two]\n")
        let second = try repo.commit("version two")
        #expect(try await JobctlProcess.run(["apply", "--root", repo.path]).status == 0)

        let atCommit = try await JobctlProcess.run(["rerun", original, "--root", repo.path, "--at-commit", "--wait"])
        #expect(atCommit.status == 0, "\(atCommit.stderr)")
        let old = Self.records(repo, "load").last
        #expect(old?["rerunOf"] as? String == original)
        #expect(old?["commit"] as? String == first, "the re-run records the commit its definition came from")
        #expect(Self.log(repo, old).contains("version-one"))

        let now = try await JobctlProcess.run(["rerun", original, "--root", repo.path, "--wait"])
        #expect(now.status == 0, "\(now.stderr)")
        let applied = Self.records(repo, "load").last
        #expect(applied?["commit"] as? String == second)
        #expect(Self.log(repo, applied).contains("version-two"))
    }

    @Test func aDraftRunHasNoCommitToGoBackTo() async throws {
        let repo = try TemporaryGitRepository(files: [".gitignore": "/.jobctl/\n/history/\n", "jobs/load.yaml": "steps:\n  - run: [\"true\"]\n"])
        #expect(try await JobctlProcess.run(["apply", "--root", repo.path]).status == 0)
        #expect(try await JobctlProcess.run(["run", "load", "--draft", "--root", repo.path, "--wait"]).status == 0)
        let draft = try #require(Self.records(repo, "load").first?["run"] as? String)
        let refused = try await JobctlProcess.run(["rerun", draft, "--root", repo.path, "--at-commit"])
        #expect(refused.status == 1)
        #expect(refused.stderr.contains("recorded no commit (a --draft run)"), "\(refused.stderr)")
        #expect(Self.records(repo, "load").count == 1)
    }
}
