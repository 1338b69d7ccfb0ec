import Expressions

/// A step's template text (`run` arguments, `env` values, prompts, http url/headers/body), parsed
/// once and rendered against the run's values.
///
/// The language is the Mustache subset that `Definitions` validates, with one deliberate
/// difference from Mustache: **nothing is ever HTML-escaped**. `{{a.b}}`, `{{{a.b}}}` and
/// `{{&a.b}}` all insert the value as it is, because the output goes into argv elements,
/// environment variables and request bodies, never into HTML.
///
/// - `{{a.b}}`: a dot path, looked up through the section stack and then the roots
///   (`params`, `event`, `job`, `run`, `steps`). Strings insert as they are, numbers without a
///   needless fraction (`3`, `1.5`), booleans as `true`/`false`, `null`/missing as nothing,
///   arrays and objects as compact JSON.
/// - `{{#a}}...{{/a}}`: rendered once per element of a non-empty array, once with the object
///   pushed for an object, once for any other truthy value; skipped when falsy.
/// - `{{^a}}...{{/a}}`: rendered when `a` is falsy or an empty array.
/// - `{{.}}`: the innermost section's value. `{{! comment }}`: nothing.
/// - `${secrets.NAME}`: resolved through a ``SecretStore`` at render time. Only references
///   written in the template itself are resolved: a parameter or event value that contains
///   `${secrets.X}` is inserted literally, so callers cannot smuggle secrets out.
///   Any other `${...}` is left as written.
///
/// ```swift
/// let template = try Template("--market={{params.market}}")
/// template.render(["params": ["market": "NL"]])   // "--market=NL"
/// ```
struct Template: Sendable {
    indirect enum Node: Sendable {
        case text(String)
        case variable([String])
        case secret(String)
        case section([String], inverted: Bool, [Node])
    }

    let nodes: [Node]
    let source: String

    /// - Throws: ``TemplateError`` when a tag is not closed or sections do not nest.
    init(_ source: String) throws(TemplateError) {
        self.source = source
        var parser = TemplateParser(source)
        nodes = try parser.parseAll()
    }

    /// Whether the text has any tag or secret reference at all.
    static func hasTags(_ text: String) -> Bool {
        text.contains("{{") || text.contains("${")
    }

    /// The names of the secrets the template refers to, in order of first use.
    var secretNames: [String] {
        var names: [String] = []
        func walk(_ nodes: [Node]) {
            for node in nodes {
                switch node {
                case .secret(let name) where !names.contains(name): names.append(name)
                case .section(_, _, let children): walk(children)
                default: break
                }
            }
        }
        walk(nodes)
        return names
    }

    /// Renders with `roots` (`params`, `event`, ...) and already-resolved `secrets`.
    ///
    /// - Throws: ``TemplateError`` when a referenced secret is not in `secrets`.
    func render(_ roots: [String: Value], secrets: [String: String] = [:]) throws(TemplateError) -> String {
        var output = ""
        var stack: [Value] = []
        try render(nodes, roots: roots, secrets: secrets, stack: &stack, into: &output)
        return output
    }

    private func render(_ nodes: [Node], roots: [String: Value], secrets: [String: String], stack: inout [Value], into output: inout String) throws(TemplateError) {
        for node in nodes {
            switch node {
            case .text(let text):
                output += text
            case .variable(let path):
                output += Template.text(of: Template.lookup(path, roots: roots, stack: stack))
            case .secret(let name):
                guard let value = secrets[name] else {
                    throw TemplateError(message: "secret '\(name)' was not resolved")
                }
                output += value
            case .section(let path, let inverted, let children):
                let value = Template.lookup(path, roots: roots, stack: stack)
                if inverted {
                    if !Template.isTruthy(value) {
                        try render(children, roots: roots, secrets: secrets, stack: &stack, into: &output)
                    }
                    continue
                }
                guard Template.isTruthy(value) else { continue }
                let items: [Value]
                if case .array(let elements) = value { items = elements } else { items = [value] }
                for item in items {
                    stack.append(item)
                    defer { stack.removeLast() }
                    try render(children, roots: roots, secrets: secrets, stack: &stack, into: &output)
                }
            }
        }
    }

    /// Mustache lookup: `.` is the top of the stack; otherwise the first name is searched from the
    /// innermost section outwards (objects only), then among the roots.
    static func lookup(_ path: [String], roots: [String: Value], stack: [Value]) -> Value {
        if path == ["."] { return stack.last ?? .null }
        guard let first = path.first else { return .null }
        for frame in stack.reversed() {
            if case .object(let members) = frame, let found = members[first] {
                return found[Array(path.dropFirst())]
            }
        }
        guard let root = roots[first] else { return .null }
        return root[Array(path.dropFirst())]
    }

    static func isTruthy(_ value: Value) -> Bool {
        switch value {
        case .null: false
        case .bool(let flag): flag
        case .number(let number): number != 0
        case .string(let text): !text.isEmpty
        case .array(let elements): !elements.isEmpty
        case .object: true
        }
    }

    /// How a value reads when inserted into text.
    static func text(of value: Value) -> String {
        switch value {
        case .null: ""
        case .bool(let flag): flag ? "true" : "false"
        case .string(let text): text
        case .number, .array, .object: value.description
        }
    }
}

/// A template that cannot be parsed or rendered. `message` names the problem.
struct TemplateError: Error, Sendable, CustomStringConvertible {
    var message: String
    var description: String { message }
}

/// Parses the template text into nodes, over UTF-8 bytes.
private struct TemplateParser {
    let bytes: [UInt8]
    var index = 0

    init(_ source: String) {
        bytes = Array(source.utf8)
    }

    mutating func parseAll() throws(TemplateError) -> [Template.Node] {
        let (nodes, closing) = try parse(until: nil)
        if let closing {
            throw TemplateError(message: "'{{/\(closing)}}' closes a section that was never opened")
        }
        return nodes
    }

    private func starts(_ token: String, at position: Int) -> Bool {
        let token = Array(token.utf8)
        guard position + token.count <= bytes.count else { return false }
        return Array(bytes[position..<(position + token.count)]) == token
    }

    private func string(_ range: Range<Int>) -> String {
        String(decoding: bytes[range], as: UTF8.self)
    }

    /// Parses nodes until `{{/name}}` (returned) or the end of the text.
    private mutating func parse(until section: String?) throws(TemplateError) -> ([Template.Node], String?) {
        var nodes: [Template.Node] = []
        var textStart = index
        func flush(_ end: Int, into nodes: inout [Template.Node]) {
            if end > textStart { nodes.append(.text(string(textStart..<end))) }
        }
        while index < bytes.count {
            if starts("${secrets.", at: index), let close = bytes[index...].firstIndex(of: UInt8(ascii: "}")) {
                let name = string((index + 10)..<close).trimmingSpaces()
                if !name.isEmpty, name.utf8.allSatisfy({ ($0 >= 65 && $0 <= 90) || ($0 >= 48 && $0 <= 57) || $0 == 95 }) {
                    flush(index, into: &nodes)
                    nodes.append(.secret(name))
                    index = close + 1
                    textStart = index
                    continue
                }
                index += 1
                continue
            }
            guard starts("{{", at: index) else {
                index += 1
                continue
            }
            let tagStart = index
            let triple = starts("{{{", at: index)
            let closing = triple ? "}}}" : "}}"
            var end = index + (triple ? 3 : 2)
            while end < bytes.count, !starts(closing, at: end) { end += 1 }
            guard end < bytes.count else {
                throw TemplateError(message: "'\(triple ? "{{{" : "{{")' is not closed by '\(closing)'")
            }
            var content = string((index + (triple ? 3 : 2))..<end).trimmingSpaces()
            flush(tagStart, into: &nodes)
            index = end + closing.utf8.count
            textStart = index
            let sigil = content.first
            if sigil == "!" { continue }
            if let sigil, "#^/&".contains(sigil) {
                content = String(content.dropFirst()).trimmingSpaces()
            }
            guard !content.isEmpty, !content.contains(" ") else {
                throw TemplateError(message: "'{{\(content)}}' is not a variable; write {{name.path}}, e.g. {{params.market}}")
            }
            let path = content == "." ? ["."] : content.split(separator: ".", omittingEmptySubsequences: false).map(String.init)
            switch sigil {
            case "#", "^":
                let (children, closed) = try parse(until: content)
                guard closed == content else {
                    throw TemplateError(message: "section '{{\(sigil!)\(content)}}' is not closed by '{{/\(content)}}'")
                }
                nodes.append(.section(path, inverted: sigil == "^", children))
                textStart = index
            case "/":
                guard content == section else {
                    throw TemplateError(message: section.map { "'{{/\(content)}}' does not match the open section '\($0)'" }
                        ?? "'{{/\(content)}}' closes a section that was never opened")
                }
                return (nodes, content)
            default:
                nodes.append(.variable(path))
            }
        }
        flush(bytes.count, into: &nodes)
        return (nodes, nil)
    }
}

extension String {
    func trimmingSpaces() -> String {
        var slice = Substring(self)
        while slice.first == " " { slice.removeFirst() }
        while slice.last == " " { slice.removeLast() }
        return String(slice)
    }
}
