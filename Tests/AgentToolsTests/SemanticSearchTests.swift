import AgentTools
import Foundation
import Reconciler
import Testing
import TestSupport

private let embeddingsURL = ProcessInfo.processInfo.environment["JOBCTL_EMBEDDINGS_URL"]

/// `job_search_semantic` against a real embeddings model (all-MiniLM-L6-v2 served by
/// `.ci/embeddings-server.py`): `.ci/semantic-search` starts it and runs this suite with
/// JOBCTL_EMBEDDINGS_URL set; `.ci/run` does not install PyTorch, so it skips the suite.
@Suite(.enabled(if: embeddingsURL != nil, "needs JOBCTL_EMBEDDINGS_URL: run .ci/semantic-search"))
struct SemanticSearchTests {
    @Test func theRightJobIsInTheTopThreeAndOnlyChangedJobsAreEmbeddedAgain() async throws {
        var files = SearchCorpus.files
        files["jobctl.yaml"] = "timezone: Europe/Brussels\nsearch:\n  embeddings:\n    url: \(embeddingsURL!)\n    model: all-MiniLM-L6-v2\n"
        let repo = try TemporaryGitRepository(files: files)
        _ = try Reconciler(root: try JobsRoot.open(repo.path)).apply()
        let toolbox = AgentToolbox(.init(root: repo.path))

        var found = 0
        var misses: [String] = []
        var embedded: [Int] = []
        for (query, expected) in SearchCorpus.meaningQueries {
            let answer = await toolbox.call("job_search_semantic", arguments: ["query": .string(query), "limit": 3], caller: .localUser)
            #expect(!answer.isError, "\(answer.text)")
            embedded.append(Int(answer.structured["embedded"].description) ?? -1)
            let ids = answer.structured["results"].elements.compactMap { $0["id"].string }
            if ids.contains(expected) { found += 1 } else { misses.append("\(query) → \(ids)") }
        }
        print("search by meaning: \(found)/10 right jobs in the top 3; missed: \(misses)")
        #expect(found >= 9, "\(found)/10 in the top 3; missed: \(misses)")
        #expect(embedded.first == 50 && embedded.dropFirst().allSatisfy { $0 == 0 }, "every job once, then from the cache: \(embedded)")

        // One job changes: only it is embedded again.
        try repo.write("jobs/hr/birthday-greetings.yaml", "description: \"Post birthday and work anniversary greetings\"\nschedule:\n  cron: \"0 6 * * 1-5\"\nsteps:\n  - run: [greetings, post]\n")
        _ = try repo.commit("anniversaries too")
        _ = try Reconciler(root: try JobsRoot.open(repo.path)).apply()
        let again = await toolbox.call("job_search_semantic", arguments: ["query": "work anniversary"], caller: .localUser)
        #expect(again.structured["embedded"] == 1, "\(again.structured)")
        #expect(again.structured["results"].elements.first?["id"] == "hr/birthday-greetings", "\(again.text)")
    }
}
