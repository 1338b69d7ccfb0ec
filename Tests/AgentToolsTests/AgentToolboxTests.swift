import AgentTools
import Expressions
import Foundation
import Reconciler
import Server
import Testing
import TestSupport

/// The agent tools as a library: drafts are validated and planned before anything is written, the
/// applied ref never moves, tokens limit what a caller may see and do.
@Suite struct AgentToolboxTests {
    static let weekly = """
        description: Remind me about pending invoices
        schedule:
          cron: "0 9 * * 1"
          timezone: Europe/Brussels
        steps:
          - run: [echo, invoices]

        """

    /// A repository with one applied job (`reports/daily`).
    static func appliedRepository() throws -> TemporaryGitRepository {
        let repo = try TemporaryGitRepository(files: [
            "jobctl.yaml": "timezone: Europe/Brussels\n",
            "jobs/reports/daily.yaml": "description: The daily sales report\nschedule:\n  cron: \"30 7 * * *\"\nsteps:\n  - run: [echo, report]\n",
        ])
        _ = try Reconciler(root: try JobsRoot.open(repo.path)).apply()
        return repo
    }

    static func applied(_ repo: TemporaryGitRepository) throws -> String? {
        try Reconciler(root: try JobsRoot.open(repo.path)).appliedCommit()?.hex
    }

    static func toolbox(_ repo: TemporaryGitRepository, now: Date = Date(timeIntervalSince1970: 1_795_000_000)) -> AgentToolbox {
        AgentToolbox(.init(root: repo.path, now: { now }))
    }

    @Test func createWritesAValidDraftAndAnswersWithThePlanAndFireTimes() async throws {
        let repo = try Self.appliedRepository()
        let before = try Self.applied(repo)
        let answer = await Self.toolbox(repo).call("job_create", arguments: ["id": "reminders/invoices", "yaml": .string(Self.weekly)], caller: .localUser)
        #expect(!answer.isError, "\(answer.text)")
        #expect(try String(contentsOfFile: repo.path + "/jobs/reminders/invoices.yaml", encoding: .utf8) == Self.weekly)
        #expect(answer.structured["written"]["workingTree"] == "jobs/reminders/invoices.yaml")
        #expect(answer.text.contains("create"), "\(answer.text)")
        // Mondays at 09:00 in Brussels: 08:00Z in winter.
        #expect(answer.structured["nextFires"].elements.first?["utc"].string?.hasSuffix("T08:00:00Z") == true, "\(answer.structured)")
        #expect(answer.structured["nextFires"].elements.first?["weekday"] == "Mon")
        #expect(try Self.applied(repo) == before, "a draft never moves the applied ref")
    }

    @Test func anInvalidJobIsAnsweredWithLocatedDiagnosticsAndNothingIsWritten() async throws {
        let repo = try Self.appliedRepository()
        let bad = "schedule:\n  cron: \"61 9 * * 1\"\nsteps:\n  - run: [echo, x]\n"
        let answer = await Self.toolbox(repo).call("job_create", arguments: ["id": "reminders/bad", "yaml": .string(bad)], caller: .localUser)
        #expect(answer.isError)
        #expect(answer.text.contains("jobs/reminders/bad.yaml:2:"), "\(answer.text)")
        #expect(answer.text.contains("nothing was written"))
        #expect(answer.structured["diagnostics"].elements.first?["line"] == 2)
        #expect(!FileManager.default.fileExists(atPath: repo.path + "/jobs/reminders/bad.yaml"))
        #expect(!FileManager.default.fileExists(atPath: repo.path + "/jobs/reminders"))
    }

    @Test func aJobGivenAsAnObjectIsWrittenAsYAMLThatValidates() async throws {
        let repo = try Self.appliedRepository()
        let job: Value = ["description": "Every Monday: pending invoices: check them",
                          "schedule": ["cron": "0 9 * * 1", "timezone": "Europe/Brussels"],
                          "steps": [["name": "remind", "run": ["echo", "yes"]]]]
        let answer = await Self.toolbox(repo).call("job_create", arguments: ["id": "reminders/object", "job": job], caller: .localUser)
        #expect(!answer.isError, "\(answer.text)")
        let text = try String(contentsOfFile: repo.path + "/jobs/reminders/object.yaml", encoding: .utf8)
        #expect(text.hasPrefix("description: \"Every Monday: pending invoices: check them\"\nschedule:\n  cron: \"0 9 * * 1\"\n"), "\(text)")
        #expect(text.contains("    run:\n      - echo\n      - \"yes\"\n"), "'yes' stays a string: \(text)")
    }

    @Test func charactersYAMLCannotHoldBareAreEscaped() async throws {
        let repo = try Self.appliedRepository()
        let job: Value = ["description": "tab\there, DEL \u{7F}, C1 \u{9B} and NEL \u{85}", "steps": [["run": ["true"]]]]
        let answer = await Self.toolbox(repo).call("job_create", arguments: ["id": "odd/characters", "job": job], caller: .localUser)
        #expect(!answer.isError, "\(answer.text)")
        let text = try String(contentsOfFile: repo.path + "/jobs/odd/characters.yaml", encoding: .utf8)
        #expect(text.contains(#"description: "tab\there, DEL \u007f, C1 \u009b and NEL \#u{85}""#), "\(text)")
    }

    @Test func updateSetsFieldsAndRefusesWhatDoesNotExist() async throws {
        let repo = try Self.appliedRepository()
        let toolbox = Self.toolbox(repo)
        let updated = await toolbox.call("job_update", arguments: ["id": "reports/daily", "set": ["schedule": ["cron": "0 8 * * 1-5"]]], caller: .localUser)
        #expect(!updated.isError, "\(updated.text)")
        let fields = updated.structured["fields"].elements.map { $0["path"].string ?? "" }
        #expect(fields.contains("schedule.cron"), "\(updated.structured)")
        #expect(try String(contentsOfFile: repo.path + "/jobs/reports/daily.yaml", encoding: .utf8).contains("cron: \"0 8 * * 1-5\""))
        let missing = await toolbox.call("job_update", arguments: ["id": "reports/nope", "set": ["description": "x"]], caller: .localUser)
        #expect(missing.isError && missing.text.contains("use job_create"), "\(missing.text)")
        let twice = await toolbox.call("job_create", arguments: ["id": "reports/daily", "yaml": .string(Self.weekly)], caller: .localUser)
        #expect(twice.isError && twice.text.contains("already exists"), "\(twice.text)")
    }

    @Test func aBranchDraftIsACommitOnThatBranchAndTouchesNeitherTheWorkingTreeNorHEAD() async throws {
        let repo = try Self.appliedRepository()
        let head = try repo.git("rev-parse", "HEAD").trimmingCharacters(in: .whitespacesAndNewlines)
        let before = try Self.applied(repo)
        let answer = await Self.toolbox(repo).call("job_create", arguments: ["id": "reminders/invoices", "yaml": .string(Self.weekly), "branch": "agent/invoices"], caller: .localUser)
        #expect(!answer.isError, "\(answer.text)")
        #expect(try repo.git("show", "agent/invoices:jobs/reminders/invoices.yaml") + "\n" == Self.weekly, "git() trims the last newline")
        #expect(try repo.git("rev-parse", "agent/invoices~1").trimmingCharacters(in: .whitespacesAndNewlines) == head)
        #expect(try repo.git("rev-parse", "HEAD").trimmingCharacters(in: .whitespacesAndNewlines) == head)
        #expect(!FileManager.default.fileExists(atPath: repo.path + "/jobs/reminders/invoices.yaml"))
        #expect(try Self.applied(repo) == before)
        // The checked-out branch is refused: its working tree would no longer match it.
        let onMain = await Self.toolbox(repo).call("job_create", arguments: ["id": "reminders/x", "yaml": .string(Self.weekly), "branch": "main"], caller: .localUser)
        #expect(onMain.isError && onMain.text.contains("checked out"), "\(onMain.text)")
    }

    @Test func branchDraftsAreAuthoredByTheRepositorysUserAndSeenByGet() async throws {
        let repo = try Self.appliedRepository()
        try repo.git("config", "user.name", "Ada Reviewer")
        try repo.git("config", "user.email", "ada@example.com")
        let toolbox = Self.toolbox(repo)
        let created = await toolbox.call("job_update", arguments: ["id": "reports/daily", "set": ["description": "Sales, daily"], "branch": "agent/daily"], caller: .localUser)
        #expect(!created.isError, "\(created.text)")
        #expect(try repo.git("log", "-1", "--format=%an <%ae>", "agent/daily") == "Ada Reviewer <ada@example.com>")
        #expect(created.text.contains("jobctl plan --rev agent/daily"), "\(created.text)")
        #expect(created.text.contains("description: Sales, daily"), "the draft itself is shown: \(created.text)")
        let got = await toolbox.call("job_get", arguments: ["id": "reports/daily"], caller: .localUser)
        #expect(got.structured["draft"]["branches"].elements.first?["branch"] == "agent/daily", "\(got.structured)")
        #expect(got.text.contains("branch agent/daily"), "\(got.text)")
    }

    @Test func anErrorInAFieldSetIsLocatedInTheYAMLItBecameWhichTheAnswerCarries() async throws {
        let repo = try Self.appliedRepository()
        let answer = await Self.toolbox(repo).call("job_update", arguments: ["id": "reports/daily", "set": ["shedule": ["cron": "0 8 * * *"]]], caller: .localUser)
        #expect(answer.isError)
        #expect(answer.text.contains("unknown field 'shedule'") && answer.text.contains("written from set"), "\(answer.text)")
        #expect(answer.structured["draft"].string?.contains("shedule:") == true, "\(answer.structured)")
        #expect(try String(contentsOfFile: repo.path + "/jobs/reports/daily.yaml", encoding: .utf8).contains("30 7 * * *"), "nothing written")
    }

    @Test func getShowsTheAppliedDefinitionStateFiresAndADraftThatDiffers() async throws {
        let repo = try Self.appliedRepository()
        try repo.write("jobs/reports/daily.yaml", "description: The daily sales report\nschedule:\n  cron: \"45 7 * * *\"\nsteps:\n  - run: [echo, report]\n")
        let answer = await Self.toolbox(repo).call("job_get", arguments: ["id": "reports/daily", "fires": 2], caller: .localUser)
        #expect(!answer.isError, "\(answer.text)")
        #expect(answer.structured["state"] == "in force")
        #expect(answer.structured["definition"].string?.contains("30 7 * * *") == true)
        #expect(answer.structured["nextFires"].elements.count == 2)
        #expect(answer.structured["draft"]["workingTree"] == "differs")
        #expect(answer.structured["draft"]["headDiffers"] == false)
        let unknown = await Self.toolbox(repo).call("job_get", arguments: ["id": "reports/nope"], caller: .localUser)
        #expect(unknown.structured["state"] == "not applied")
    }

    @Test func tokensLimitScopesAndJobs() async throws {
        let repo = try Self.appliedRepository()
        let reader = ToolCaller(who: "token ci", token: Token(id: "tok_1", name: "ci", scope: .read, jobs: "finance/*", sha256: "", createdAt: ""))
        let write = await Self.toolbox(repo).call("job_create", arguments: ["id": "finance/x", "yaml": .string(Self.weekly)], caller: reader)
        #expect(write.isError && write.text.contains("needs a token with scope admin"), "\(write.text)")
        let hidden = await Self.toolbox(repo).call("job_search", arguments: ["query": "daily sales report"], caller: reader)
        #expect(hidden.structured["results"].elements.isEmpty, "reports/daily is outside finance/*")
        let admin = ToolCaller(who: "token ops", token: Token(id: "tok_2", name: "ops", scope: .admin, jobs: "finance/*", sha256: "", createdAt: ""))
        let outside = await Self.toolbox(repo).call("job_create", arguments: ["id": "reports/x", "yaml": .string(Self.weekly)], caller: admin)
        #expect(outside.isError && outside.text.contains("limited to jobs"), "\(outside.text)")
    }

    @Test func aDaemonThatFollowsARemoteRefusesDraftsAndSaysWhere() async throws {
        let repo = try Self.appliedRepository()
        var settings = AgentToolbox.Settings(root: repo.path)
        settings.draftsRefused = "this daemon follows a remote: draft in a clone"
        let answer = await AgentToolbox(settings).call("job_create", arguments: ["id": "reminders/invoices", "yaml": .string(Self.weekly)], caller: .localUser)
        #expect(answer.isError && answer.text.contains("draft in a clone"), "\(answer.text)")
        #expect(!FileManager.default.fileExists(atPath: repo.path + "/jobs/reminders"))
    }

    @Test func daemonActionsSayTheyNeedADaemon() async throws {
        let repo = try Self.appliedRepository()
        let answer = await Self.toolbox(repo).call("job_pause", arguments: ["id": "reports/daily"], caller: .localUser)
        #expect(answer.isError && answer.text.contains("--server"), "\(answer.text)")
    }

    @Test func searchByMeaningWithoutAnEndpointSaysSo() async throws {
        let repo = try Self.appliedRepository()
        let answer = await Self.toolbox(repo).call("job_search_semantic", arguments: ["query": "sales"], caller: .localUser)
        #expect(answer.isError && answer.text.contains("search.embeddings"), "\(answer.text)")
        #expect(answer.structured["configured"] == false)
    }

    @Test func keywordSearchFindsTheRightJobInTheTopThree() async throws {
        let repo = try TemporaryGitRepository(files: SearchCorpus.files)
        _ = try Reconciler(root: try JobsRoot.open(repo.path)).apply()
        var found = 0
        var misses: [String] = []
        for (query, expected) in SearchCorpus.keywordQueries {
            let answer = await Self.toolbox(repo).call("job_search", arguments: ["query": .string(query), "limit": 3], caller: .localUser)
            let ids = answer.structured["results"].elements.compactMap { $0["id"].string }
            if ids.contains(expected) { found += 1 } else { misses.append("\(query) → \(ids)") }
        }
        print("keyword search: \(found)/10 right jobs in the top 3; missed: \(misses)")
        #expect(found >= 9, "\(found)/10; missed: \(misses)")
    }
}
