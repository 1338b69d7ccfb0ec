import Diagnostics
import Expressions
import Testing
@testable import Definitions

@Suite("templates: one parser, rendered as written")
struct TemplateTests {
    let roots: [String: Value] = [
        "params": ["market": "NL", "html": "<b>&\"'</b>", "count": 3, "ratio": 1.5, "on": true],
        "event": ["items": [["sku": "a"], ["sku": "b"]], "empty": [], "customer": ["tier": "gold"], "name": "A \"quoted\" co & sons"],
    ]

    @Test("variables insert values as they are: never HTML-escaped, numbers without a needless fraction")
    func variables() throws {
        #expect(try Template("{{params.html}}|{{{params.html}}}|{{&params.html}}").render(roots) == "<b>&\"'</b>|<b>&\"'</b>|<b>&\"'</b>")
        #expect(try Template("{{ params.count }} {{params.ratio}} {{params.on}} [{{params.missing}}]").render(roots) == "3 1.5 true []")
        #expect(try Template("{{event.customer}} {{event.items.1.sku}}").render(roots) == #"{"tier": "gold"} b"#)
        #expect(try Template("{{! a comment }}plain ${HOME} text").render(roots) == "plain ${HOME} text")
    }

    @Test("sections iterate arrays, enter objects, and invert on falsy values")
    func sections() throws {
        #expect(try Template("{{#event.items}}[{{sku}}]{{/event.items}}").render(roots) == "[a][b]")
        #expect(try Template("{{#event.customer}}{{tier}}{{/event.customer}}").render(roots) == "gold")
        #expect(try Template("{{#event.empty}}x{{/event.empty}}{{^event.empty}}none{{/event.empty}}").render(roots) == "none")
        #expect(try Template("{{#params.on}}on {{params.market}}{{/params.on}}").render(roots) == "on NL")
        #expect(try Template("{{#event.items}}{{.}};{{/event.items}}").render(roots) == #"{"sku": "a"};{"sku": "b"};"#)
    }

    @Test("secret references are resolved from the template only, never from inserted values")
    func secrets() throws {
        let template = try Template("a ${secrets.TOKEN} b {{params.market}}")
        #expect(template.secretNames == ["TOKEN"])
        let sneaky: [String: Value] = ["params": ["market": "${secrets.TOKEN}"]]
        #expect(try template.render(sneaky, secrets: ["TOKEN": "t0k"]) == "a t0k b ${secrets.TOKEN}")
        #expect(throws: Template.MissingSecret.self) { try template.render(sneaky) }
    }

    @Test("malformed templates are located errors, not crashes")
    func errors() {
        let cases: [(String, ColumnError)] = [
            ("{{params.market", ColumnError(column: 1, message: "'{{' is not closed by '}}'")),
            ("ab{{#a}}x", ColumnError(column: 3, message: "section '{{#a}}' is not closed by '{{/a}}'")),
            ("{{#a}}x{{/b}}", ColumnError(column: 8, message: "'{{/b}}' does not match the open section 'a'")),
            ("x{{/a}}", ColumnError(column: 2, message: "'{{/a}}' closes a section that was never opened")),
            ("{{a b}}", ColumnError(column: 1, message: "'{{a b}}' is not a variable; write {{name.path}}, e.g. {{params.market}}")),
            ("{{a..b}}", ColumnError(column: 1, message: "'{{a..b}}' is not a variable; write {{name.path}}, e.g. {{params.market}}")),
            ("é{{> part}}", ColumnError(column: 2, message: "'{{> part}}': partials and delimiter changes are not supported")),
            ("x ${secrets.lower}", ColumnError(column: 3, message: "a secret is written ${secrets.NAME} with NAME in A-Z, 0-9 and _")),
            ("x ${secrets.OPEN", ColumnError(column: 3, message: "a secret is written ${secrets.NAME} with NAME in A-Z, 0-9 and _")),
        ]
        for (source, expected) in cases {
            #expect(throws: expected, "\(source)") { try Template(source) }
        }
    }

    @Test("in a URL, values after the template's own '?' are percent-encoded; raw tags and the path are not")
    func urlQuery() throws {
        let template = try Template("https://x.example/{{params.market}}/q?name={{event.name}}&raw={{{event.name}}}&m={{params.market}}")
        #expect(try template.render(roots, context: .url) == "https://x.example/NL/q?name=A%20%22quoted%22%20co%20%26%20sons&raw=A \"quoted\" co & sons&m=NL")
        // A '?' inside a value does not start the query.
        let sneaky: [String: Value] = ["params": ["market": "a?b"], "event": ["name": "c&d"]]
        #expect(try Template("https://x.example/{{params.market}}/{{event.name}}").render(sneaky, context: .url) == "https://x.example/a?b/c&d")
        #expect(try Template("https://x.example/?t=${secrets.T}").render([:], secrets: ["T": "a b&c"], context: .url) == "https://x.example/?t=a%20b%26c")
    }

    @Test("a json: body serialises its string leaves as templates: a value never breaks out of its string")
    func jsonBody() throws {
        let yaml = #"""
            steps:
              - http:
                  url: https://hooks.example/x
                  json: {customer: "{{event.name}}", amount: 12, ok: true, none: null, tags: [a, "{{params.market}}"], nested: {"k\"": 'v'}}
            params: {market: NL}
            on: {events: [order]}
            """#
        let set = load(["jobs/x.yaml": yaml])
        #expect(set.diagnostics.isEmpty)
        guard case .http(let request) = try #require(set.jobs["x"]).steps[0].kind, case .json(let json)? = request.body else {
            Issue.record("not a json body")
            return
        }
        #expect(try json.render(roots) == #"{"customer":"A \"quoted\" co & sons","amount":12,"ok":true,"none":null,"tags":["a","NL"],"nested":{"k\"":"v"}}"#)
    }

    @Test("validate checks the names of a template where it is written, section items included")
    func scope() {
        let job = { (template: String) in "params: {market: NL}\non: {events: [e]}\nsteps:\n  - run: [echo, \"\(template)\"]\n" }
        #expect(problems(job("{{#event.items}}{{sku}} {{params.market}}{{/event.items}}")).isEmpty)
        #expect(problems(job("{{sku}}")) == ["jobs/x.yaml:4:20: error: 'steps[0].run[1]': unknown name 'sku' in template; use one of event, job, params, run, steps"])
        #expect(problems(job("{{.}}")) == ["jobs/x.yaml:4:20: error: 'steps[0].run[1]': '{{.}}' is the item of a section ({{#list}}{{.}}{{/list}}); outside a section it means nothing"])
        #expect(problems(job("{{#event.items}}{{params.mrket}}{{/event.items}}")) == ["jobs/x.yaml:4:36: error: 'steps[0].run[1]': unknown parameter 'mrket' (did you mean 'market'?)"])
        #expect(problems(job("{{#params.market}}x")) == ["jobs/x.yaml:4:18: error: 'steps[0].run[1]': section '{{#params.market}}' is not closed by '{{/params.market}}'"])
        #expect(problems(job("${HOME}/x")) == ["jobs/x.yaml:4:17: warning: 'steps[0].run[1]': '${HOME}' is passed on as written: only ${secrets.NAME} is replaced (a parameter reaches a step as {{params.NAME}} or $JOBCTL_PARAM_NAME)"])
    }

    @Test("validate warns about a value inside a JSON string written by hand")
    func handWrittenJSON() {
        let yaml = "on: {events: [e]}\nsteps:\n  - http: {url: \"https://x.example\", body: '{\"customer\": \"{{event.customer}}\", \"n\": {{event.n}}}'}\n"
        #expect(problems(yaml) == [
            "jobs/x.yaml:3:61: warning: 'steps[0].http.body': {{event.customer}} sits inside a JSON string written by hand; a value with a quote or a backslash breaks out of it. Write the body as 'json:' (a YAML mapping that jobctl serialises) instead",
        ])
        #expect(problems("on: {events: [e]}\nsteps:\n  - http: {url: \"https://x.example\", body: x, json: {a: 1}}\n") == [
            "jobs/x.yaml:3:47: error: 'steps[0].http' has both 'body' and 'json'; write at most one of 'body', 'json'",
        ])
    }

    @Test("a template or condition written in many files is parsed once, yet checked and located in each")
    func repeatedTextsAreCheckedInEveryFile() {
        // Parsed once and kept (a repository repeats its templates and conditions): what depends on
        // the file (its parameters, its positions) is still checked per file.
        let job = { (parameter: String) in
            "params:\n  \(parameter): {default: x}\nsteps:\n  - name: a\n    run: [echo, \"{{params.market}}\", \"{{#x}}\"]\n    if: params.market == 1 and\n"
        }
        let found = diagnostics(["jobs/a.yaml": job("market"), "jobs/b.yaml": "\n" + job("region")])
        #expect(found == [
            "jobs/a.yaml:5:39: error: 'steps[0].run[2]': section '{{#x}}' is not closed by '{{/x}}'",
            "jobs/a.yaml:6:31: error: 'steps[0].if': expected an operand after 'and'",
            // The same template is checked against b's own parameters (the list stops at its first error).
            "jobs/b.yaml:6:20: error: 'steps[0].run[1]': unknown parameter 'market'",
            "jobs/b.yaml:7:31: error: 'steps[0].if': expected an operand after 'and'",
        ], "\(found)")
    }
}
