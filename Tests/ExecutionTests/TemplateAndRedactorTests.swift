import Testing
import Expressions
@testable import Execution

@Suite("templates and redaction")
struct TemplateAndRedactorTests {
    let roots: [String: Value] = [
        "params": ["market": "NL", "html": "<b>&\"'</b>", "count": 3, "ratio": 1.5, "on": true],
        "event": ["items": [["sku": "a"], ["sku": "b"]], "empty": [], "customer": ["tier": "gold"]],
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
    }

    @Test("malformed templates are errors, not crashes")
    func errors() {
        #expect(throws: TemplateError.self) { try Template("{{params.market") }
        #expect(throws: TemplateError.self) { try Template("{{#a}}x") }
        #expect(throws: TemplateError.self) { try Template("{{#a}}x{{/b}}") }
        #expect(throws: TemplateError.self) { try Template("x{{/a}}") }
    }

    @Test("a stream redacts a secret wherever the pipe splits it")
    func streamRedaction() {
        var redactor = Redactor()
        redactor.add("secret-value")
        redactor.add("sec")
        let text = Array("a secret-value b secret-value c sec d secre".utf8)
        for split in 0...text.count {
            for second in split...text.count {
                var stream = Redactor.Stream()
                var output = stream.feed(Array(text[..<split]), using: redactor)
                output += stream.feed(Array(text[split..<second]), using: redactor)
                output += stream.feed(Array(text[second...]), using: redactor)
                output += stream.finish(using: redactor)
                #expect(String(decoding: output, as: UTF8.self) == "a *** b *** c *** d ***re", "split at \(split), \(second)")
            }
        }
    }
}
