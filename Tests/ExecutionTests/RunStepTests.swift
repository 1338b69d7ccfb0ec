import Foundation
import Testing
import Definitions
import Expressions
@testable import Execution

@Suite("run steps: argv, shell, environment, log")
struct RunStepTests {
    @Test("an argv element with shell metacharacters reaches the child verbatim, rendered values too")
    func argvIsVerbatim() async throws {
        let fixture = try Fixture(job: #"""
            params:
              market: {default: NL}
            steps:
              - name: show
                run: [printf, "%s\n", "; rm -rf / $(x) | & > \"'", "--market={{params.market}}", "{{params.market}}", "a b  c"]
            """#)
        let hostile = "NL; touch pwned $(touch pwned2) `id` | cat > x ${secrets.TOKEN} {{params.market}}"
        let outcome = await RunExecutor().execute(fixture.request(parameters: ["market": .string(hostile)]))
        #expect(outcome.status == .completed, "\(outcome.error ?? "")")
        let lines = try #require(outcome.steps.first?.output).components(separatedBy: "\n")
        #expect(lines == ["; rm -rf / $(x) | & > \"'", "--market=" + hostile, hostile, "a b  c"])
        #expect(!FileManager.default.fileExists(atPath: fixture.root.path + "/pwned"))
        #expect(!FileManager.default.fileExists(atPath: fixture.root.path + "/pwned2"))
    }

    @Test("a shell step gets parameters through the environment, and the step's rendered env")
    func shellGetsParamsThroughEnvironment() async throws {
        let fixture = try Fixture(job: #"""
            params:
              market: {default: NL}
              dry_run: {type: boolean, default: false}
            steps:
              - name: summarise
                run: 'echo "param=$JOBCTL_PARAM_MARKET env=$MARKET flag=$JOBCTL_PARAM_DRY_RUN"'
                env: {MARKET: "market {{params.market}}"}
            """#)
        let outcome = await RunExecutor().execute(fixture.request(parameters: ["market": .string("BE; echo hi"), "dry_run": .boolean(true)]))
        #expect(outcome.status == .completed)
        #expect(outcome.steps[0].output == "param=BE; echo hi env=market BE; echo hi flag=true")
    }

    @Test("JOBCTL_* variables, the daemon's PATH and HOME; no inherited JOBCTL_SECRET_*")
    func environmentVariables() async throws {
        setenv("JOBCTL_SECRET_EXECUTION_TEST_LEAK", "leaked", 1)
        let fixture = try Fixture(job: #"""
            steps:
              - name: env
                run: env
            """#)
        let scheduled = Date(timeIntervalSince1970: 1_767_254_400)  // 2026-01-01T08:00:00Z
        let outcome = await RunExecutor().execute(fixture.request(scheduledFor: scheduled))
        let output = try #require(outcome.steps.first?.output)
        let variables = Dictionary(output.split(separator: "\n").compactMap { line -> (String, String)? in
            guard let equals = line.firstIndex(of: "=") else { return nil }
            return (String(line[..<equals]), String(line[line.index(after: equals)...]))
        }, uniquingKeysWith: { first, _ in first })
        #expect(variables["JOBCTL_JOB"] == "test-job")
        #expect(variables["JOBCTL_RUN"] == fixture.runID)
        #expect(variables["JOBCTL_TRIGGER"] == "manual")
        #expect(variables["JOBCTL_ATTEMPT"] == "1")
        #expect(variables["JOBCTL_SCHEDULED_FOR"] == "2026-01-01T08:00:00Z")
        #expect(variables["JOBCTL_COMMIT"] == "abc123")
        #expect(variables["JOBCTL_STEP"] == "env")
        #expect(variables["PATH"] == ProcessInfo.processInfo.environment["PATH"])
        #expect(variables["HOME"] == ProcessInfo.processInfo.environment["HOME"])
        #expect(variables["JOBCTL_SECRET_EXECUTION_TEST_LEAK"] == nil)
    }

    @Test("the working directory is the root, or workdir under it; a missing or escaping workdir fails clearly")
    func workingDirectory() async throws {
        let fixture = try Fixture(job: #"""
            steps:
              - name: at-root
                run: [pwd]
              - name: in-sub
                run: [pwd]
                workdir: scripts/sub
              - name: relative-program
                run: [./hello.sh]
                workdir: scripts
            """#, files: ["scripts/sub/.keep": "", "scripts/hello.sh": "#!/bin/sh\necho hello from $(pwd)\n"])
        chmod(fixture.root.path + "/scripts/hello.sh", 0o755)
        let outcome = await RunExecutor().execute(fixture.request())
        #expect(outcome.status == .completed, "\(outcome.error ?? "")")
        #expect(outcome.steps.map(\.output) == [fixture.root.path, fixture.root.path + "/scripts/sub", "hello from \(fixture.root.path)/scripts"])

        let missing = try Fixture(job: #"""
            steps:
              - name: nowhere
                run: [pwd]
                workdir: not-there
            """#)
        let failed = await RunExecutor().execute(missing.request())
        #expect(failed.status == .failed)
        #expect(failed.error == "step 'nowhere': workdir 'not-there' does not exist under the root \(missing.root.path)")
    }

    @Test("stdout and stderr go to the run log under a header line per step")
    func logCapture() async throws {
        let fixture = try Fixture(job: #"""
            steps:
              - name: extract
                run: 'echo to-stdout; echo to-stderr >&2'
              - name: load
                run: [echo, loaded]
            """#)
        let outcome = await RunExecutor().execute(fixture.request())
        #expect(outcome.status == .completed)
        let log = fixture.log()
        let lines = log.components(separatedBy: "\n")
        let extract = try #require(lines.firstIndex(of: "== step extract (attempt 1) =="))
        let load = try #require(lines.firstIndex(of: "== step load (attempt 1) =="))
        #expect(extract < load)
        #expect(lines[extract..<load].contains("to-stdout"))
        #expect(lines[extract..<load].contains("to-stderr"))
        #expect(lines[load...].contains("loaded"))
        #expect(lines.contains { $0.hasPrefix("== step load completed (exit 0) in ") })
    }

    @Test("output over the cap is dropped with one truncation note, and the child is never blocked")
    func logCap() async throws {
        let fixture = try Fixture(job: #"""
            steps:
              - name: chatty
                run: 'head -c 300000 /dev/zero | tr "\0" x; head -c 300000 /dev/zero | tr "\0" y >&2; echo done-writing'
              - name: after
                run: [echo, after-the-cap]
            """#)
        let outcome = await RunExecutor(logCapBytes: 10_000).execute(fixture.request())
        #expect(outcome.status == .completed)
        #expect(outcome.steps[0].output?.hasSuffix("done-writing") == true)
        let log = fixture.log()
        #expect(log.components(separatedBy: "[jobctl: output truncated after 10000 bytes]").count == 2)
        let outputLines = log.split(separator: "\n").filter { !$0.isEmpty && $0.allSatisfy { $0 == "x" || $0 == "y" } }
        let written = outputLines.reduce(0) { $0 + $1.utf8.count }
        #expect(written == 10_000)
        #expect(log.contains("== step after (attempt 1) =="))
        #expect(!log.contains("after-the-cap"))  // past the cap too
        #expect(outcome.warnings.contains { $0.hasPrefix("the log was truncated after 10000 bytes; ") })
    }

    @Test("a command that does not exist fails its step with a clear error; later steps are skipped")
    func missingCommand() async throws {
        let fixture = try Fixture(job: #"""
            steps:
              - name: extract
                run: [pyhton3, extract.py]
              - name: load
                run: [echo, load]
            """#)
        let outcome = await RunExecutor().execute(fixture.request())
        #expect(outcome.status == .failed)
        #expect(outcome.error == "step 'extract': command not found: pyhton3")
        #expect(outcome.exitCode == 127)
        #expect(outcome.steps.map(\.status) == [.failed, .skipped])
        #expect(fixture.log().contains("command not found: pyhton3"))

        let path = try Fixture(job: #"""
            steps:
              - name: extract
                run: [./missing.sh]
            """#)
        let byPath = await RunExecutor().execute(path.request())
        #expect(byPath.error == "step 'extract': command not found: ./missing.sh")
    }

    @Test("a non-zero exit fails the step and the run; the steps after it are skipped")
    func failedStepStopsTheRun() async throws {
        let fixture = try Fixture(job: #"""
            steps:
              - name: first
                run: [echo, one]
              - name: broken
                run: 'echo failing; exit 3'
              - name: never
                run: [touch, never-ran]
            """#)
        let outcome = await RunExecutor().execute(fixture.request())
        #expect(outcome.status == .failed)
        #expect(outcome.exitCode == 3)
        #expect(outcome.steps.map(\.status) == [.completed, .failed, .skipped])
        #expect(outcome.steps.map(\.exitCode) == [0, 3, nil])
        #expect(outcome.error == "step 'broken': /bin/sh exited with status 3")
        #expect(!FileManager.default.fileExists(atPath: fixture.root.path + "/never-ran"))
    }

    @Test("if: false skips a step; conditions see params and earlier steps")
    func conditions() async throws {
        let fixture = try Fixture(job: #"""
            params:
              market: {default: NL}
            steps:
              - name: only_be
                if: params.market == "BE"
                run: [echo, be]
              - name: always
                run: [echo, nl]
              - name: after-always
                if: steps.always.status == "completed" and steps.always.output == "nl" and steps.only_be.status == "skipped"
                run: [echo, chained]
            """#)
        let outcome = await RunExecutor().execute(fixture.request(parameters: ["market": .string("NL")]))
        #expect(outcome.status == .completed)
        #expect(outcome.steps.map(\.status) == [.skipped, .completed, .completed])
        #expect(fixture.log().contains("== step only_be skipped: if params.market == \"BE\" is false =="))
    }

    @Test("a failed run never carries exit code 0: the step that failed it decides")
    func aFailedRunsExitCodeIsItsFailingSteps() async throws {
        let fixture = try Fixture(job: """
            steps:
              - name: ok
                run: ["true"]
              - name: post
                http: {url: "http://127.0.0.1:9/nobody-listens"}
            """)
        let outcome = await RunExecutor().execute(fixture.request())
        #expect(outcome.status == .failed)
        #expect(outcome.steps.map(\.exitCode) == [0, nil])
        #expect(outcome.exitCode == nil)
        let exited = try Fixture(job: "steps:\n  - run: [\"true\"]\n  - run: [sh, -c, \"exit 3\"]\n")
        #expect(await RunExecutor().execute(exited.request()).exitCode == 3)
    }
}
