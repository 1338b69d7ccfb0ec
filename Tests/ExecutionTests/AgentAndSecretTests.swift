import Foundation
import Testing
import Definitions
@testable import Execution
#if canImport(Glibc)
import Glibc
#endif

@Suite("agent steps and secrets")
struct AgentAndSecretTests {
    @Test("an agent command reads the rendered prompt on stdin; its stdout is the step output and the report")
    func agentReadsPromptOnStdin() async throws {
        let fixture = try Fixture(
            job: #"""
                params:
                  market: {default: NL}
                steps:
                  - name: ask
                    agent: shouter
                    prompt: "Analyse paid search for {{params.market}} & <friends>"
                  - name: use
                    run: [echo, "got: {{steps.ask.output}}"]
                """#,
            config: #"""
                agents:
                  shouter:
                    run: [sh, -c, 'echo "prompt on stdin:"; tr a-z A-Z']
                    timeout: 10m
                """#)
        let outcome = await RunExecutor().execute(fixture.request(parameters: ["market": .string("BE")]))
        #expect(outcome.status == .completed, "\(outcome.error ?? "")")
        #expect(outcome.report == "prompt on stdin:\nANALYSE PAID SEARCH FOR BE & <FRIENDS>")
        #expect(outcome.steps[1].output == "got: prompt on stdin:\nANALYSE PAID SEARCH FOR BE & <FRIENDS>")
    }

    @Test("an agent that does not read its stdin does not hurt jobctl (no SIGPIPE)")
    func agentIgnoringStdin() async throws {
        let prompt = String(repeating: "p", count: 300_000)
        let fixture = try Fixture(
            job: #"""
                steps:
                  - name: ask
                    agent: deaf
                    prompt: "\#(prompt)"
                """#,
            config: #"""
                agents:
                  deaf:
                    run: [echo, not listening]
                """#)
        let outcome = await RunExecutor().execute(fixture.request())
        #expect(outcome.status == .completed)
        #expect(outcome.report == "not listening")
    }

    @Test("an agent missing from jobctl.yaml fails the step clearly")
    func unknownAgent() async throws {
        let fixture = try Fixture(
            job: #"""
                steps:
                  - name: ask
                    agent: analyst
                    prompt: hi
                """#,
            config: #"""
                agents:
                  analyst: {run: [cat]}
                  writer: {run: [cat]}
                """#)
        // Validation refuses an unknown agent; the config can still change under an applied job.
        var config = fixture.config
        config.agents["analyst"] = nil
        var request = fixture.request()
        request.config = config
        let outcome = await RunExecutor().execute(request)
        #expect(outcome.status == .failed)
        #expect(outcome.error == "step 'ask': agent 'analyst' is not defined in jobctl.yaml (it defines writer)")
    }

    @Test("secret values are redacted from the log, the output, the report and errors")
    func redaction() async throws {
        let secret = "hunter2-very-secret-value"
        let fixture = try Fixture(
            job: #"""
                steps:
                  - name: use
                    run: 'echo "token is $TOKEN"; printf "split: %s" "$TOKEN" | fold -w 7; echo; echo "$TOKEN" >&2'
                    env: {TOKEN: "${secrets.API_TOKEN}"}
                  - name: ask
                    agent: echoer
                    prompt: "use ${secrets.API_TOKEN} please"
                  - name: fail
                    run: [sh, -c, 'echo "$0 is wrong"; exit 4', "${secrets.API_TOKEN}"]
                """#,
            config: #"""
                agents:
                  echoer: {run: [cat]}
                """#)
        let store = SecretStore(environment: ["JOBCTL_SECRET_API_TOKEN": secret], file: nil)
        let outcome = await RunExecutor().execute(fixture.request(secrets: store))
        #expect(outcome.status == .failed)
        let log = fixture.log()
        #expect(!log.contains(secret))
        #expect(log.contains("token is ***"))
        #expect(outcome.report == "use *** please")
        #expect(outcome.steps[0].output?.contains(secret) == false)
        #expect(outcome.steps[2].output == "*** is wrong")
        #expect(outcome.error?.contains(secret) == false)
    }

    @Test("a missing secret fails the step with a message that says where to put it")
    func missingSecret() async throws {
        let fixture = try Fixture(job: #"""
            steps:
              - name: post
                run: [echo, "${secrets.SLACK_WEBHOOK}"]
            """#)
        let file = fixture.root.path + "/no-such-secrets.env"
        let outcome = await RunExecutor().execute(fixture.request(secrets: SecretStore(environment: [:], file: file)))
        #expect(outcome.status == .failed)
        #expect(outcome.error == "step 'post': secret 'SLACK_WEBHOOK' is not set: define the environment variable JOBCTL_SECRET_SLACK_WEBHOOK or add SLACK_WEBHOOK=... to \(file) (which does not exist)")
    }

    @Test("a secrets file is read when private, refused when group or others can read it")
    func secretsFile() async throws {
        let root = try Fixture(job: "steps: [{name: a, run: [echo, \"${secrets.DB_PASSWORD}\"]}]\n")
        let file = root.root.path + "/secrets.env"
        try "# comment\nexport DB_PASSWORD=\"s3cr3t with spaces\"\nOTHER=x\n".write(toFile: file, atomically: true, encoding: .utf8)
        chmod(file, 0o600)
        let store = SecretStore(environment: [:], file: file)
        #expect(try store.value(named: "DB_PASSWORD") == "s3cr3t with spaces")
        let outcome = await RunExecutor().execute(root.request(secrets: store))
        #expect(outcome.status == .completed)
        #expect(outcome.steps[0].output == "***")
        #expect(!root.log().contains("s3cr3t"))

        chmod(file, 0o644)
        #expect(throws: SecretError.self) { try store.value(named: "DB_PASSWORD") }
        let refused = await RunExecutor().execute(root.request(secrets: store))
        #expect(refused.error == "step 'a': secrets file \(file) is accessible by group or others (mode 644); run: chmod 600 \(file)")

        // The environment wins over the file.
        let both = SecretStore(environment: ["JOBCTL_SECRET_DB_PASSWORD": "from-env"], file: file)
        #expect(try both.value(named: "DB_PASSWORD") == "from-env")
    }
}

@Suite("Where the secrets file is")
struct SecretsFileLocationTests {
    @Test func anExplicitFileComesFirstThenXDGThenHome() {
        #expect(SecretStore.defaultFile(environment: ["JOBCTL_SECRETS_FILE": "/run/credentials/jobctl.service/secrets.env", "HOME": "/home/a"])
                == "/run/credentials/jobctl.service/secrets.env")
        #expect(SecretStore.defaultFile(environment: ["XDG_CONFIG_HOME": "/etc/xdg", "HOME": "/home/a"]) == "/etc/xdg/jobctl/secrets.env")
        #expect(SecretStore.defaultFile(environment: ["HOME": "/home/a"]) == "/home/a/.config/jobctl/secrets.env")
        #expect(SecretStore.defaultFile(environment: ["JOBCTL_SECRETS_FILE": "", "HOME": "/home/a"]) == "/home/a/.config/jobctl/secrets.env")
    }
}
