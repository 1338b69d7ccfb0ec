import Foundation
import Testing
import TestSupport

@Suite("jobctl validate, schema and init as a user runs them")
struct ValidateCommandTests {
    let goodJob = "schedule: \"0 8 * * 1\"\nsteps:\n  - run: [echo, hi]\n"

    @Test func validRootExitsZero() async throws {
        let root = try TemporaryRoot(files: ["jobs/a.yaml": goodJob, "jobs/team/b.yml": goodJob])
        let output = try await JobctlProcess.run(["validate", "--root", root.path])
        #expect(output.status == 0)
        #expect(output.stdout == "2 jobs valid\n")
    }

    @Test func invalidRootPrintsEveryProblemAndExitsOne() async throws {
        let root = try TemporaryRoot(files: [
            "jobs/reports/x.yaml": "schedule: \"61 8 * * 1\"\nsteps:\n  - run: [echo]\n",
            "jobs/y.yaml": "steps: []\n",
            "jobs/notes.txt": "not a job\n",
        ])
        let output = try await JobctlProcess.run(["validate"], in: root.path)
        #expect(output.status == 1)
        #expect(output.stdout == """
        jobs/reports/x.yaml:1:12: error: minute field: 61 is out of range 0-59
        jobs/y.yaml:1:8: error: 'steps' is empty; a job needs at least one step
        jobs/notes.txt: note: not a job definition (only .yaml and .yml files are); ignored
        2 errors in 2 file(s); 0 job(s) valid

        """)
    }

    @Test func pathsNarrowTheReport() async throws {
        let root = try TemporaryRoot(files: ["jobs/a.yaml": "steps: []\n", "jobs/b.yaml": "steps: 3\n"])
        let output = try await JobctlProcess.run(["validate", "--root", root.path, root.path + "/jobs/b.yaml"])
        #expect(output.status == 1)
        #expect(output.stdout.contains("jobs/b.yaml:1:8: error: 'steps' must be a list, not \"3\""))
        #expect(!output.stdout.contains("jobs/a.yaml"))
    }

    @Test func githubFormat() async throws {
        let root = try TemporaryRoot(files: ["jobs/a.yaml": "enabled: maybe\nsteps: [{run: [x]}]\n"])
        let output = try await JobctlProcess.run(["validate", "--root", root.path, "--format", "github"])
        #expect(output.status == 1)
        #expect(output.stdout == "::error file=jobs/a.yaml,line=1,col=10::'enabled' must be true or false, not \"maybe\"\n")
    }

    @Test func jsonFormat() async throws {
        let root = try TemporaryRoot(files: ["jobs/a.yaml": goodJob, "jobs/b.yaml": "name: [x]\nsteps: [{run: [x]}]\n"])
        let output = try await JobctlProcess.run(["validate", "--root", root.path, "--format", "json"])
        #expect(output.status == 1)
        let report = try #require(try JSONSerialization.jsonObject(with: Data(output.stdout.utf8)) as? [String: Any])
        #expect(report["valid"] as? Bool == false)
        #expect(report["errors"] as? Int == 1)
        let diagnostics = try #require(report["diagnostics"] as? [[String: Any]])
        #expect(diagnostics.first?["file"] as? String == "jobs/b.yaml")
        #expect(diagnostics.first?["line"] as? Int == 1)
        #expect(diagnostics.first?["column"] as? Int == 7)
        #expect(diagnostics.first?["message"] as? String == "'name' must be a string, not a list")
    }

    @Test func missingJobsFolder() async throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("jobctl-empty-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let output = try await JobctlProcess.run(["validate", "--root", folder])
        #expect(output.status == 1)
        #expect(output.stderr.contains("no jobs/ folder here"))
    }

    @Test func symlinkOutOfTheRootIsNotFollowed() async throws {
        let root = try TemporaryRoot(files: ["jobs/a.yaml": goodJob])
        try FileManager.default.createSymbolicLink(atPath: root.path + "/jobs/evil.yaml", withDestinationPath: "/etc/passwd")
        let output = try await JobctlProcess.run(["validate", "--root", root.path])
        #expect(output.status == 1)
        #expect(output.stdout.contains("jobs/evil.yaml:1:1: error: symbolic link points outside the root (/etc/passwd); it is not followed"))
    }

    @Test func initScaffoldsARootThatValidates() async throws {
        let root = try TemporaryRoot()
        let first = try await JobctlProcess.run(["init", root.path, "--timezone", "Europe/Amsterdam"])
        #expect(first.status == 0)
        #expect(first.stdout.contains("created jobctl.yaml"))
        #expect(first.stdout.contains("created jobs/hello.yaml"))
        #expect(root.read(".gitignore")?.contains("/.jobctl/\n") == true)
        #expect(root.read(".gitignore")?.contains("/history/\n") == true, "history reaches other clones by publishing, not by a committed snapshot")
        let validate = try await JobctlProcess.run(["validate", "--root", root.path])
        #expect(validate.status == 0)
        #expect(validate.stdout == "1 job valid\n")
        let again = try await JobctlProcess.run(["init", root.path])
        #expect(again.stdout.contains("kept    jobctl.yaml (already there)"))
        #expect(root.read(".gitignore")?.components(separatedBy: ".jobctl/").count == 2)
        #expect(root.read(".gitignore")?.components(separatedBy: "history/").count == 2)
    }

    @Test func schemaIsJSON() async throws {
        let output = try await JobctlProcess.run(["schema"])
        #expect(output.status == 0)
        let schema = try #require(try JSONSerialization.jsonObject(with: Data(output.stdout.utf8)) as? [String: Any])
        #expect(schema["$schema"] as? String == "https://json-schema.org/draft/2020-12/schema")
        let config = try await JobctlProcess.run(["schema", "--config"])
        #expect(config.stdout.contains("\"timezone\""))
    }
}
