import Definitions
import Foundation
import Testing
import TestSupport

@Suite("What a valid file means")
struct ModelTests {
    @Test func jobIDsWithAnEmptyPathSegmentAreRefused() {
        for text in ["/reports", "reports/", "reports//daily"] {
            #expect(JobID.problem(with: text) == "job id '\(text)' has an empty path segment", "\(text)")
        }
        #expect(JobID.problem(with: "reports/daily") == nil)
        #expect(JobID.problem(with: "r/d/x") == nil)
    }

    @Test func yaml11SurprisesDoNotApply() throws {
        let yaml = """
        on:
          events: [marketplace.entitlement]
        params:
          market: {default: NO, allowed: [NO, SE, "08", 08]}
        steps:
          - run: [echo, 08, NO, yes]
        """
        let set = load(["jobs/x.yaml": yaml])
        #expect(set.diagnostics.isEmpty)
        let job = try #require(set.jobs["x"])
        #expect(job.events == ["marketplace.entitlement"])
        #expect(job.parameters.first?.defaultValue == .string("NO"))
        #expect(job.parameters.first?.allowed == [.string("NO"), .string("SE"), .string("08"), .string("08")])
        guard case .command(let argv) = job.steps[0].kind else { Issue.record("not argv"); return }
        #expect(argv.map(\.source) == ["echo", "08", "NO", "yes"])
    }

    @Test func fullDefinition() throws {
        let config = """
        timezone: Europe/Amsterdam
        defaults: {concurrency: queue, timeout: 1h, retries: 2}
        agents:
          analyst: {run: [llm, --model, small]}
        notifiers:
          ops: {webhook: "https://hooks.example/ops"}
        """
        let yaml = """
        apiVersion: jobctl/v1
        name: Weekly paid search report
        schedule:
          cron: "0 8 * * 1"
          start: 2026-01-01
          jitter: 5m
          catchup: all
        params:
          market: {default: NL, allowed: [NL, BE, DE]}
          days: {type: number, default: 7}
          dry: {type: boolean, default: false}
        matrix:
          market: [NL, BE, DE]
        maxParallel: 2
        concurrency: skip
        rateLimit: {max: 10, per: 1h}
        retries: {max: 3, backoff: 30s}
        until: run.status == "completed"
        steps:
          - name: extract
            run: [python3, extract.py, --market, "{{params.market}}"]
          - name: summarise
            run: ./summarise.sh
            env: {MARKET: "{{params.market}}"}
          - name: ask
            agent: analyst
            prompt: "Analyse paid search for {{params.market}}"
          - name: post
            if: steps.ask.status == "completed"
            http: {url: "https://hooks.example/x", body: "{{steps.ask.output}}"}
        notify:
          - on: [failed, timed_out]
            webhook: "${secrets.SLACK_WEBHOOK}"
          - notifier: ops
        """
        let set = load(["jobs/reports/paid-search.yaml": yaml], config: config)
        #expect(set.diagnostics.map(\.description) == [])
        let job = try #require(set.jobs["reports/paid-search"])
        #expect(job.name == "Weekly paid search report")
        #expect(job.schedule?.timeZone.identifier == "Europe/Amsterdam")
        #expect(job.schedule?.catchup == .all)
        #expect(job.schedule?.catchupWindow.description == "1d" || job.schedule?.catchupWindow.milliseconds == 86_400_000)
        #expect(job.matrix.first?.values == [.string("NL"), .string("BE"), .string("DE")])
        #expect(job.parameter(named: "days")?.defaultValue == .number(7))
        #expect(job.parameter(named: "dry")?.defaultValue == .boolean(false))
        #expect(job.concurrency == .skip)
        #expect(job.timeout?.milliseconds == 3_600_000)
        #expect(job.retries.max == 3)
        #expect(job.retries.delay(beforeRetry: 1).milliseconds == 30_000)
        #expect(job.retries.delay(beforeRetry: 3).milliseconds == 120_000)
        #expect(job.retries.delay(beforeRetry: 30).milliseconds == 3_600_000)
        #expect(job.steps.map(\.name) == ["extract", "summarise", "ask", "post"])
        #expect(job.steps.map(\.kindName) == ["run", "run", "agent", "run"].enumerated().map { $0.offset == 3 ? "http" : $0.element })
        #expect(job.notifications.count == 2)
        #expect(job.until?.source == "run.status == \"completed\"")
        let fires = try #require(job.schedule).jobSchedule(for: job.id).fires(after: Date(timeIntervalSince1970: 1_767_225_600), count: 2)
        #expect(fires.count == 2)
    }

    @Test func shorthands() throws {
        let set = load(["jobs/x.yaml": "schedule: \"@daily\"\nretries: 2\nparams: {market: NL, days: 7}\n" + minimalSteps])
        #expect(set.diagnostics.isEmpty)
        let job = try #require(set.jobs["x"])
        #expect(job.schedule?.kindName == "cron")
        #expect(job.retries.max == 2)
        #expect(job.parameter(named: "market")?.defaultValue == .string("NL"))
        #expect(job.parameter(named: "days")?.type == .number)
    }

    @Test func configDefaultsApply() throws {
        let set = load(["jobs/x.yaml": "schedule: \"@daily\"\n" + minimalSteps], config: "timezone: Asia/Tokyo\ndefaults: {concurrency: allow, catchup: none}\n")
        let job = try #require(set.jobs["x"])
        #expect(job.concurrency == .allow)
        #expect(job.schedule?.catchup == CatchupPolicy.none)
        #expect(job.schedule?.timeZone.identifier == "Asia/Tokyo")
    }

    @Test func configErrors() {
        #expect(diagnostics([:], config: "timezone: Mars/Olympus\nhistory: {folder: jobs}\nagents:\n  a: {run: [x], http: {url: \"https://x\"}}\n") == [
            "jobctl.yaml:1:11: error: 'timezone': unknown time zone 'Mars/Olympus'; use an IANA name such as Europe/Amsterdam or UTC",
            "jobctl.yaml:2:19: error: 'history.folder' must be a folder inside the root, outside jobs/ and .jobctl/, not 'jobs'",
            "jobctl.yaml:4:17: error: 'agents.a' has both 'run' and 'http'; write exactly one of 'run', 'http'",
        ])
    }

    @Test func githubAnnotationEscapes() {
        let diagnostic = Diagnostic(.error, "bad: 100%\nnext", at: SourceLocation(file: "jobs/a,b.yaml", line: 3, column: 4))
        #expect(diagnostic.githubAnnotation == "::error file=jobs/a%2Cb.yaml,line=3,col=4::bad: 100%25%0Anext")
    }
}

@Suite("JSON Schema generated from the loader's shapes")
struct SchemaTests {
    @Test func jobSchemaListsEveryFieldTheLoaderAccepts() throws {
        let schema = JSONSchemaGenerator.jobSchema()
        #expect(schema["$schema"] as? String == "https://json-schema.org/draft/2020-12/schema")
        let properties = try #require(schema["properties"] as? [String: Any])
        #expect(Set(properties.keys) == Set(FileShapes.job.keys))
        let definitions = try #require(schema["$defs"] as? [String: Any])
        for name in ["schedule", "step", "parameter", "httpRequest", "notification", "retries", "rateLimit", "trigger"] {
            #expect(definitions[name] != nil, "missing $defs/\(name)")
        }
        let step = try #require(definitions["step"] as? [String: Any])
        #expect((step["properties"] as? [String: Any]).map { Set($0.keys) } == Set(FileShapes.step.keys))
        #expect(step["additionalProperties"] as? Bool == false)
        let rendered = JSONSchemaGenerator.render(schema)
        #expect((try JSONSerialization.jsonObject(with: Data(rendered.utf8))) is [String: Any])
    }

    @Test func configSchema() throws {
        let properties = try #require(JSONSchemaGenerator.configSchema()["properties"] as? [String: Any])
        #expect(Set(properties.keys) == ["apiVersion", "timezone", "defaults", "agents", "notifiers", "history", "search"])
    }
}

@Suite("The working-tree version of one job, for run --draft and fire-times JOB")
struct DraftJobTests {
    @Test func readsTheFileWithTheRootConfigNeverThroughALink() throws {
        let root = try TemporaryRoot(files: [
            "jobs/a.yaml": "schedule: {cron: \"0 9 * * 1\"}\nsteps:\n  - run: [\"true\"]\n",
            "jobs/b.yml": "needs: [elsewhere]\nsteps:\n  - run: echo\n",
            "jobs/broken.yaml": "schedule: {cron: \"0 61 * * *\"}\nsteps:\n  - run: echo\n",
            "jobctl.yaml": "timezone: Asia/Tokyo\n",
        ])
        try FileManager.default.createSymbolicLink(atPath: root.path + "/jobs/c.yaml", withDestinationPath: "a.yaml")
        let folder = RootFolder(path: root.path)
        let a = try #require(folder.draft("a"))
        #expect(a.jobs["a"]?.schedule?.text == "0 9 * * 1")
        #expect(a.jobs["a"]?.schedule?.timeZone.identifier == "Asia/Tokyo")
        #expect(folder.draft("b")?.jobs["b"]?.steps.count == 1)  // needs are not checked for a draft run alone
        #expect(folder.draft("b")?.isValid == true)
        #expect(folder.draft("c") == nil)
        #expect(folder.draft("missing") == nil)
        let broken = try #require(folder.draft("broken"))
        #expect(broken.jobs.isEmpty)
        #expect(broken.diagnostics.first?.description.hasPrefix("jobs/broken.yaml:1:") == true)
    }
}
