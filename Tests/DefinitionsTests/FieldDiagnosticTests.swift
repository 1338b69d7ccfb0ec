import Definitions
import Testing
import TestSupport

@Suite("Every kind of mistake in a job file, with its exact rendered diagnostic")
struct FieldDiagnosticTests {
    @Test func unknownKeyWithSuggestion() {
        #expect(problems("shedule: \"0 8 * * 1\"\n" + minimalSteps) == ["jobs/x.yaml:1:1: error: unknown field 'shedule' (did you mean 'schedule'?)"])
        #expect(problems(minimalSteps + "    tiemout: 5m\n") == ["jobs/x.yaml:3:5: error: unknown field 'tiemout' in 'steps[0]' (did you mean 'timeout'?)"])
        #expect(problems("banana: 1\n" + minimalSteps) == ["jobs/x.yaml:1:1: error: unknown field 'banana'"])
    }

    @Test func cronErrorsPointInsideTheExpression() {
        #expect(problems("schedule: \"61 8 * * 1\"\n" + minimalSteps) == ["jobs/x.yaml:1:12: error: minute field: 61 is out of range 0-59"])
        #expect(problems("schedule:\n  cron: 0 8 * * 1 * *\n" + minimalSteps).first?.hasPrefix("jobs/x.yaml:2:") == true)
        #expect(problems("schedule:\n  cron: \"0 0 30 2 *\"\n" + minimalSteps).count == 1)
    }

    @Test func timeZones() {
        #expect(problems("schedule: {cron: \"0 8 * * 1\", timezone: Europe/Amsterdm}\n" + minimalSteps) == [
            "jobs/x.yaml:1:41: error: 'schedule.timezone': unknown time zone 'Europe/Amsterdm' (did you mean 'Europe/Amsterdam'?); use an IANA name such as Europe/Amsterdam or UTC",
        ])
    }

    @Test func durations() {
        #expect(problems("timeout: 30\n" + minimalSteps) == ["jobs/x.yaml:1:10: error: 'timeout': '30' needs a unit, e.g. '30s', '30m' or '30h'"])
        #expect(problems("timeout: soon\n" + minimalSteps).first?.hasPrefix("jobs/x.yaml:1:10: error: 'timeout': ") == true)
    }

    @Test func startAfterEnd() {
        let yaml = "schedule:\n  cron: \"0 8 * * *\"\n  start: 2026-12-31\n  end: 2026-01-01\n" + minimalSteps
        #expect(problems(yaml) == ["jobs/x.yaml:3:10: error: 'schedule.start' (2026-12-31) is after 'schedule.end' (2026-01-01); the job could never fire"])
    }

    @Test func scheduleNeedsExactlyOneKind() {
        #expect(problems("schedule: {cron: \"@daily\", every: 1h}\n" + minimalSteps) == [
            "jobs/x.yaml:1:28: error: 'schedule' has both 'cron' and 'every'; write exactly one of 'cron', 'every', 'at'",
        ])
        #expect(problems("schedule: {timezone: UTC}\n" + minimalSteps) == ["jobs/x.yaml:1:11: error: 'schedule' needs exactly one of 'cron', 'every', 'at'"])
    }

    @Test func parameters() {
        #expect(problems("params:\n  market: {default: FR, allowed: [NL, BE, DE]}\n" + minimalSteps) == [
            "jobs/x.yaml:2:21: error: 'params.market.default': parameter 'market': the string \"FR\" is not one of the allowed values (NL, BE, DE)",
        ])
        #expect(problems("params:\n  days: {type: number, default: seven}\n" + minimalSteps) == [
            "jobs/x.yaml:2:33: error: 'params.days.default' must be a number, not \"seven\"",
        ])
        #expect(problems("params:\n  my-market: NL\n" + minimalSteps) == [
            "jobs/x.yaml:2:3: error: parameter name 'my-market' must start with a letter or '_' and use letters, digits and '_' (it becomes JOBCTL_PARAM_MY-MARKET)",
        ])
    }

    @Test func matrix() {
        let yaml = "params:\n  market: {allowed: [NL, BE]}\nmatrix:\n  markt: [NL]\n  market: [NL, FR]\n" + minimalSteps
        #expect(problems(yaml) == [
            "jobs/x.yaml:4:3: error: matrix key 'markt' is not a declared parameter (did you mean 'market'?); declare it under 'params'",
            "jobs/x.yaml:5:16: error: 'matrix.market[1]': parameter 'market': the string \"FR\" is not one of the allowed values (NL, BE)",
        ])
    }

    @Test func templatesInAShellStringAreRefused() {
        #expect(problems("params: {market: NL}\nsteps:\n  - run: \"echo {{params.market}}\"\n") == [
            "jobs/x.yaml:3:10: error: 'steps[0].run' is a shell command and is not templated; pass values through 'env' (e.g. env: {MARKET: \"{{params.market}}\"}) and use \"$MARKET\", or write 'run' as an argv list",
        ])
    }

    @Test func shellVariablesAreNotTemplates() {
        #expect(problems("steps:\n  - run: 'echo \"${MARKET:-NL}\" $HOME'\n    env: {MARKET: \"{{params.market}}\"}\nparams: {market: NL}\n").isEmpty)
        #expect(problems("steps:\n  - run: 'curl -H \"${secrets.TOKEN}\" x'\n").first?.contains("is a shell command and is not templated") == true)
    }

    @Test func templateReferences() {
        #expect(problems("params: {market: NL}\nsteps:\n  - run: [echo, \"{{params.mrket}}\"]\n") == [
            "jobs/x.yaml:3:20: error: 'steps[0].run[1]': unknown parameter 'mrket' (did you mean 'market'?)",
        ])
        #expect(problems("steps:\n  - run: [echo, \"{{params.x\"]\n") == [
            "jobs/x.yaml:2:18: error: 'steps[0].run[1]': '{{' is not closed by '}}'",
        ])
    }

    @Test func steps() {
        #expect(problems("name: a\n") == ["jobs/x.yaml:1:1: error: missing required field 'steps'"])
        #expect(problems("steps: []\n") == ["jobs/x.yaml:1:8: error: 'steps' is empty; a job needs at least one step"])
        #expect(problems("steps:\n  - run: [x]\n    http: {url: \"https://example.com\"}\n") == [
            "jobs/x.yaml:3:5: error: 'steps[0]' has both 'run' and 'http'; write exactly one of 'run', 'agent', 'http'",
        ])
        #expect(problems("steps:\n  - name: a\n") == ["jobs/x.yaml:2:5: error: 'steps[0]' needs exactly one of 'run', 'agent', 'http'"])
        #expect(problems("steps:\n  - {name: a, run: [x]}\n  - {name: a, run: [y]}\n") == [
            "jobs/x.yaml:3:12: error: step name 'a' is used twice (also steps[0])",
        ])
    }

    @Test func conditions() {
        let yaml = "steps:\n  - name: a\n    run: [x]\n    if: steps.b.status == \"completed\"\n  - name: b\n    run: [y]\n"
        #expect(problems(yaml) == ["jobs/x.yaml:4:9: error: 'steps[0].if': step 'b' runs after this point; only earlier steps can be referred to"])
        #expect(problems("filter: event.amount >\non: {events: [x]}\n" + minimalSteps).first?.hasPrefix("jobs/x.yaml:1:") == true)
        #expect(problems("filter: lowr(event.status) == \"a\"\non: {events: [x]}\n" + minimalSteps) == [
            "jobs/x.yaml:1:9: error: 'filter': unknown function 'lowr' (did you mean 'lower'?)",
        ])
        #expect(problems("until: rn.status == \"completed\"\n" + minimalSteps).first?.contains("'rn'") == true)
    }

    @Test func typesEnumsAndNumbers() {
        #expect(problems("enabled: yes\n" + minimalSteps) == ["jobs/x.yaml:1:10: error: 'enabled' must be true or false, not \"yes\" (did you mean 'true'?)"])
        #expect(problems("concurrency: skipp\n" + minimalSteps) == ["jobs/x.yaml:1:14: error: 'concurrency' must be one of skip, allow, replace, queue, not 'skipp' (did you mean 'skip'?)"])
        #expect(problems("retries: {max: 1000}\n" + minimalSteps) == ["jobs/x.yaml:1:16: error: 'retries.max' must be at most 100, not 1000"])
        #expect(problems("rateLimit: {max: 0, per: 1h}\n" + minimalSteps) == ["jobs/x.yaml:1:18: error: 'rateLimit.max' must be at least 1, not 0"])
    }

    @Test func urlsAgentsAndNotifiers() {
        #expect(problems("steps:\n  - http: {url: \"ftp://x\"}\n") == ["jobs/x.yaml:2:17: error: 'steps[0].http.url': 'ftp://x' is not an http or https URL"])
        #expect(problems("steps:\n  - agent: analist\n    prompt: hi\n", config: "agents:\n  analyst: {run: [cat]}\n") == [
            "jobs/x.yaml:2:12: error: 'steps[0].agent': unknown agent 'analist' (did you mean 'analyst'?); jobctl.yaml defines analyst",
        ])
        #expect(problems(minimalSteps + "notify:\n  - notifier: slack\n") == [
            "jobs/x.yaml:4:15: error: 'notify[0].notifier': unknown notifier 'slack'; define it under 'notifiers' in jobctl.yaml",
        ])
        #expect(problems(minimalSteps + "notify:\n  - on: [failled]\n    webhook: \"${secrets.SLACK}\"\n") == [
            "jobs/x.yaml:4:10: error: 'notify[0].on': 'failled' is not a final run status (did you mean 'failed'?); use completed, failed, timed_out, cancelled, skipped, filtered, rate_limited, missed, blocked, interrupted, recovered, changed",
        ])
        #expect(problems(minimalSteps + "notify:\n  - {on: [recovered, changed], webhook: \"${secrets.SLACK}\", format: slack}\n") == [])
        #expect(problems(minimalSteps + "notify:\n  - {webhook: \"${secrets.X}\", format: discord}\n") == ["jobs/x.yaml:4:39: error: 'notify[0].format' must be one of json, slack, teams, ping, not 'discord'"])
        #expect(problems(minimalSteps + "notify:\n  - {notifier: ops, format: slack}\n", config: "notifiers:\n  ops: {webhook: \"${secrets.OPS}\", format: teams}\n") == [
            "jobs/x.yaml:4:21: error: 'notify[0].format' goes with 'webhook'; a notifier's format is set in jobctl.yaml",
        ])
    }

    @Test func aNotifiersOnListsTheDaemonsTroubles() {
        #expect(diagnostics(["jobs/x.yaml": minimalSteps], config: "notifiers:\n  ops: {webhook: \"${secrets.OPS}\", on: [apply_refused, history_write_failed]}\n").isEmpty)
        #expect(diagnostics(["jobs/x.yaml": minimalSteps], config: "notifiers:\n  ops: {webhook: \"${secrets.OPS}\", on: [failed]}\n") == [
            "jobctl.yaml:2:41: error: 'notifiers.ops.on': 'failed' is not one of the daemon's troubles; use apply_refused, history_write_failed (a job's notify: entry says which runs notify)",
        ])
    }

    @Test func perFanOutTakesStatusesOnly() {
        #expect(problems(minimalSteps + "notify:\n  - {on: [failed], webhook: \"${secrets.X}\", per: fanout}\n") == [])
        #expect(problems(minimalSteps + "notify:\n  - {on: [changed], webhook: \"${secrets.X}\", per: fanout}\n") == [
            "jobs/x.yaml:4:10: error: 'notify[0].on': 'changed' compares one run with the previous run of its matrix cell; with 'per: fanout' list statuses",
        ])
    }

    @Test func anSMTPNotifierIsReadWithItsSettings() throws {
        let config = """
            notifiers:
              mail:
                smtp: {host: smtp.example.com, security: tls, caFile: certs/ca.pem, from: "Jobs <jobs@example.com>", to: [data@example.com], username: jobs, password: "${secrets.SMTP_PASSWORD}"}
                on: [apply_refused]
            """
        #expect(diagnostics(["jobs/x.yaml": minimalSteps], config: config) == [])
        let root = try TemporaryRoot()
        try root.write("jobs/x.yaml", minimalSteps)
        try root.write("jobctl.yaml", config)
        let loaded = try RootFolder(path: root.path).load()
        guard case .email(let settings)? = loaded.config.notifiers["mail"]?.kind else {
            Issue.record("no mail notifier")
            return
        }
        #expect(settings.security == .implicitTLS)
        #expect(settings.port == nil, "the port that goes with tls (465) is chosen when sending")
        #expect(settings.from.name == "Jobs")
        #expect(settings.to.map(\.address) == ["data@example.com"])
        #expect(settings.password?.secretNames == ["SMTP_PASSWORD"])
        #expect(loaded.config.notifiers["mail"]?.on == ["apply_refused"])
    }

    @Test func anSMTPNotifiersMistakesAreLocated() {
        let config = """
            notifiers:
              mail:
                smtp: {host: smtp.example.com, from: not-an-address, to: [ok@example.com, "x@y>\\r\\nRCPT TO:<z@w"], username: jobs, password: hunter2}
                format: slack
            """
        let found = diagnostics(["jobs/x.yaml": minimalSteps], config: config)
        #expect(found.contains("jobctl.yaml:3:42: error: 'notifiers.mail.smtp.from': 'not-an-address' is not a mail address (name@example.com or Name <name@example.com>)"), "\(found)")
        #expect(found.contains { $0.contains("'notifiers.mail.smtp.to[1]'") && $0.contains("is not a mail address") }, "\(found)")
        #expect(found.contains { $0.contains("'notifiers.mail.smtp.password' must be a secret reference, ${secrets.NAME}: a password never sits in git") }, "\(found)")
        #expect(found.contains("jobctl.yaml:4:5: error: 'notifiers.mail.format' is for webhooks; a mail notifier always sends a text and an HTML part"), "\(found)")
    }

    @Test func searchEmbeddingsAreReadAndTheirMistakesLocated() throws {
        let good = "search:\n  embeddings: {url: \"http://127.0.0.1:8089/v1/embeddings\", model: all-MiniLM-L6-v2, token: \"${secrets.EMB}\"}\n"
        #expect(diagnostics(["jobs/x.yaml": minimalSteps], config: good) == [])
        let root = try TemporaryRoot()
        try root.write("jobs/x.yaml", minimalSteps)
        try root.write("jobctl.yaml", good)
        let loaded = try RootFolder(path: root.path).load()
        #expect(loaded.config.embeddings?.url == "http://127.0.0.1:8089/v1/embeddings")
        #expect(loaded.config.embeddings?.model == "all-MiniLM-L6-v2")
        #expect(loaded.config.embeddings?.token?.secretNames == ["EMB"])

        let bad = "search:\n  embeddings: {url: \"ftp://x/e\", token: hunter2}\n"
        let found = diagnostics(["jobs/x.yaml": minimalSteps], config: bad)
        #expect(found.contains { $0.hasPrefix("jobctl.yaml:2:") && $0.contains("'search.embeddings.url': 'ftp://x/e' is not an http:// or https:// URL") }, "\(found)")
        #expect(found.contains { $0.contains("'search.embeddings.token' must be a secret reference") }, "\(found)")
        #expect(found.contains { $0.contains("model") }, "model is required: \(found)")
    }

    @Test func smtpAUTHNeedsBothNames() {
        let config = "notifiers:\n  mail:\n    smtp: {host: smtp.example.com, from: a@example.com, to: [b@example.com], password: \"${secrets.P}\"}\n"
        let found = diagnostics(["jobs/x.yaml": minimalSteps], config: config)
        #expect(found.contains { $0.contains("'notifiers.mail.smtp.password' needs 'username' too (AUTH takes both)") }, "\(found)")
    }

    @Test func needsAndCycles() {
        let files = [
            "jobs/a.yaml": "needs: [b, ghost]\n" + minimalSteps,
            "jobs/b.yaml": "needs: [a]\n" + minimalSteps,
        ]
        #expect(diagnostics(files) == [
            "jobs/a.yaml:1:12: error: 'needs': unknown job 'ghost'",
            "jobs/b.yaml:1:9: error: 'needs' makes a dependency cycle: a -> b -> a",
        ])
        #expect(problems("needs: [x]\n" + minimalSteps) == ["jobs/x.yaml:1:9: error: 'needs': a job cannot need itself"])
    }

    @Test func everyProblemInEveryFileIsCollected() {
        let set = load([
            "jobs/a.yaml": "enabled: maybe\ntimeout: 3\n" + minimalSteps,
            "jobs/b.yaml": "",
            "jobs/c.yaml": minimalSteps,
        ])
        #expect(set.errorCount == 3)
        #expect(set.jobs.keys.map(\.rawValue) == ["c"])
    }
}
