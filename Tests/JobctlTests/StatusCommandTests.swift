import Foundation
import Testing
import TestSupport

@Suite("jobctl status: definition, job state, next fire and last run")
struct StatusCommandTests {
    @Test func eachJobShowsItsStateAndLastRunAndACompletedJobNoNextFire() async throws {
        let daily = "schedule:\n  cron: \"0 8 * * *\"\n  timezone: UTC\n"
        let repo = try TemporaryGitRepository(files: [
            ".gitignore": "/.jobctl/\n/history/\n",
            "jobs/done.yaml": daily + "until: run.status == \"completed\"\nsteps:\n  - run: [\"true\"]\n",
            "jobs/off.yaml": daily + "enabled: false\nsteps:\n  - run: [\"true\"]\n",
            "jobs/bad.yaml": daily + "steps:\n  - run: [\"false\"]\n",
            "jobs/gone.yaml": "steps:\n  - run: [\"true\"]\n",
            "jobs/a-job-with-a-long-name.yaml": daily + "steps:\n  - run: [\"true\"]\n",
        ])
        let root = ["--root", repo.path]
        #expect(try await JobctlProcess.run(["apply"] + root).status == 0)
        for job in ["done", "bad", "gone"] { _ = try await JobctlProcess.run(["run", job] + root) }
        try repo.remove("jobs/gone.yaml")
        try repo.commit("retire gone")
        #expect(try await JobctlProcess.run(["apply"] + root).status == 0)
        try repo.write("jobs/a-job-with-a-long-name.yaml", daily + "steps: 3\n")

        let status = try await JobctlProcess.run(["status"] + root)
        #expect(status.status == 0, "\(status.stderr)")
        var rows: [String: [String]] = [:]
        for line in status.stdout.split(separator: "\n") {
            let cells = line.components(separatedBy: "  ").map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
            if let first = cells.first { rows[first] = cells }
        }
        #expect(rows["JOB"] == ["JOB", "DEFINITION", "STATE", "NEXT FIRE", "LAST RUN"], "\(status.stdout)")
        #expect(rows["done"]?[1...3] == ["in force", "completed", "-"], "\(status.stdout)")
        #expect(rows["done"]?[4].hasPrefix("completed 20") == true)
        #expect(rows["off"]?[1...4] == ["in force", "paused", "-", "-"], "\(status.stdout)")
        #expect(rows["bad"]?[2] == "failed", "\(status.stdout)")
        #expect(rows["bad"]?[3].hasSuffix("T08:00:00Z") == true, "a failed job still fires")
        #expect(rows["bad"]?[4].hasPrefix("failed 20") == true)
        #expect(rows["gone"]?[1...3] == ["-", "archived", "-"], "\(status.stdout)")
        #expect(rows["a-job-with-a-long-name"]?[1...2] == ["draft: modified, invalid", "pending"], "not truncated: \(status.stdout)")

        let json = try await JobctlProcess.run(["status", "--format", "json"] + root)
        let object = try JSONSerialization.jsonObject(with: Data(json.stdout.utf8)) as? [String: Any]
        let jobs = try #require(object?["jobs"] as? [[String: Any]])
        let done = try #require(jobs.first { $0["id"] as? String == "done" })
        #expect(done["state"] as? String == "completed")
        #expect(done["definition"] as? String == "in force")
        #expect((done["lastRun"] as? [String: Any])?["status"] as? String == "completed")
    }

    @Test func pauseAndResumeFromTheCommandLineShowInStatus() async throws {
        let repo = try TemporaryGitRepository(files: [".gitignore": "/.jobctl/\n/history/\n", "jobs/tick.yaml": "schedule: \"0 8 * * *\"\nsteps:\n  - run: [\"true\"]\n"])
        let root = ["--root", repo.path]
        #expect(try await JobctlProcess.run(["apply"] + root).status == 0)
        let pause = try await JobctlProcess.run(["pause", "tick", "--until", "4h", "--reason", "incident 42"] + root)
        #expect(pause.status == 0, "\(pause.stderr)")
        var status = try await JobctlProcess.run(["status"] + root)
        let row = status.stdout.split(separator: "\n").first { $0.hasPrefix("tick ") }.map(String.init) ?? ""
        #expect(row.contains("paused") && !row.contains("T08:00"), "\(status.stdout)")
        #expect(status.stdout.contains("tick: paused since ") && status.stdout.contains(": incident 42 — a runtime drift from git"), "\(status.stdout)")
        let resume = try await JobctlProcess.run(["resume", "tick"] + root)
        #expect(resume.stdout.hasPrefix("tick: resumed (was paused since"), "\(resume.stdout)")
        status = try await JobctlProcess.run(["status"] + root)
        #expect(!status.stdout.contains("paused"), "\(status.stdout)")
        #expect(try await JobctlProcess.run(["resume", "tick"] + root).stdout == "tick: was not paused\n")
    }
}
