import Foundation
import Definitions
import Expressions
import Testing
import TestSupport
@testable import Execution

/// `validate` and a run agree about templates, both ways: they share one parser and one model.
@Suite("validate and a run agree about templates")
struct TemplateAgreementTests {
    static let event: Value = ["items": [["sku": "a"], ["sku": "b"]], "customer": "A \"quoted\" co", "flag": false]

    /// A job whose one step echoes `template` as an argv element.
    static func job(_ template: String) -> String {
        let quoted = template.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "\"", with: "\\\"")
        return "params: {market: {default: NL}}\non: {events: [e]}\nsteps:\n  - name: say\n    run: [echo, \"\(quoted)\"]\n"
    }

    static let renders: [(template: String, output: String)] = [
        ("{{#event.items}}{{sku}}{{/event.items}}", "ab"),
        ("{{#event.items}}[{{sku}} {{params.market}}]{{/event.items}}", "[a NL][b NL]"),
        ("{{^event.flag}}off{{/event.flag}}", "off"),
        ("{{event.customer}}", "A \"quoted\" co"),
        ("{{#event.items}}{{.}}{{/event.items}}", #"{"sku": "a"}{"sku": "b"}"#),
        ("{{! note }}{{{params.market}}}{{&params.market}}", "NLNL"),
    ]

    @Test("every template that validates renders in a real run, to what it says", arguments: renders)
    func validatedTemplatesRender(_ example: (template: String, output: String)) async throws {
        let parsed = DefinitionLoader.loadJob(SourceFile(path: "jobs/test-job.yaml", bytes: Array(Self.job(example.template).utf8)), config: RepositoryConfig())
        #expect(!parsed.diagnostics.contains { $0.severity == .error }, "\(parsed.diagnostics)")
        let fixture = try Fixture(job: Self.job(example.template))
        let outcome = await RunExecutor().execute(fixture.request(parameters: ["market": .string("NL")], event: Self.event))
        #expect(outcome.status == .completed, "\(outcome.error ?? "")")
        #expect(outcome.steps.first?.output == example.output)
    }

    static let refused: [(template: String, message: String)] = [
        ("{{#params.market}}x", "section '{{#params.market}}' is not closed by '{{/params.market}}'"),
        ("{{#event.items}}x{{/event.item}}", "'{{/event.item}}' does not match the open section 'event.items'"),
        ("x{{/event.items}}", "'{{/event.items}}' closes a section that was never opened"),
        ("{{sku}}", "unknown name 'sku' in template; use one of event, job, params, run, steps"),
        ("{{> partial}}", "'{{> partial}}': partials and delimiter changes are not supported"),
        ("${secrets.lower}", "a secret is written ${secrets.NAME} with NAME in A-Z, 0-9 and _"),
        ("{{params.market", "'{{' is not closed by '}}'"),
    ]

    @Test("every template a run could not render is refused by validate, with a located error", arguments: refused)
    func unrenderableTemplatesAreRefused(_ example: (template: String, message: String)) {
        let parsed = DefinitionLoader.loadJob(SourceFile(path: "jobs/test-job.yaml", bytes: Array(Self.job(example.template).utf8)), config: RepositoryConfig())
        #expect(parsed.definition == nil)
        let errors = parsed.diagnostics.filter { $0.severity == .error }.map(\.description)
        #expect(errors.count == 1)
        #expect(errors.first?.hasPrefix("jobs/test-job.yaml:5:") == true, "\(errors)")
        #expect(errors.first?.hasSuffix("error: 'steps[0].run[1]': \(example.message)") == true, "\(errors)")
    }
}

extension TemplateAgreementTests {
    @Test("a '${...}' that is not a secret validates with a warning and runs as written")
    func literalDollarBraces() async throws {
        let parsed = DefinitionLoader.loadJob(SourceFile(path: "jobs/test-job.yaml", bytes: Array(Self.job("${HOME}-{{params.market}}").utf8)), config: RepositoryConfig())
        #expect(parsed.diagnostics.map(\.severity) == [.warning])
        let job = try #require(parsed.definition)
        let root = try TemporaryRoot()
        let outcome = await RunExecutor().execute(RunRequest(job: job, config: RepositoryConfig(), runID: "run-" + UUID().uuidString.prefix(8).lowercased(), trigger: "manual",
                                                             parameters: ["market": .string("NL")], rootPath: root.path, logPath: root.path + "/run.log"))
        #expect(outcome.steps.first?.output == "${HOME}-NL")
    }
}
