public import Expressions

/// A structured JSON body (`json:` of an http step or webhook): a YAML value whose string leaves
/// are templates, serialised by jobctl, so a value can never break out of its string.
///
/// Plain YAML scalars keep their JSON type (`true`, `false`, `null`, numbers); every other
/// scalar, quoted or not, is a string template. Keys are written as they are; members keep the
/// order of the file.
///
/// ```yaml
/// http:
///   url: https://hooks.example/x
///   json: {customer: "{{event.customer}}", amount: 12, tags: [a, "{{params.market}}"]}
/// ```
/// With `event.customer` = `A "quoted" co`, the body is
/// `{"customer":"A \"quoted\" co","amount":12,"tags":["a","NL"]}`.
public indirect enum JSONTemplate: Sendable, Hashable {
    public struct Member: Sendable, Hashable {
        public var key: String
        public var value: JSONTemplate
    }

    case null
    case bool(Bool)
    case number(Double)
    case string(Template)
    case array([JSONTemplate])
    case object([Member])

    /// The secrets any leaf refers to, in order of first use.
    public var secretNames: [String] {
        var names: [String] = []
        forEachTemplate { template in
            for name in template.secretNames where !names.contains(name) { names.append(name) }
        }
        return names
    }

    func forEachTemplate(_ visit: (Template) -> Void) {
        switch self {
        case .null, .bool, .number: break
        case .string(let template): visit(template)
        case .array(let items): for item in items { item.forEachTemplate(visit) }
        case .object(let members): for member in members { member.value.forEachTemplate(visit) }
        }
    }

    /// Compact JSON text with each string leaf's template text as written (for plans and diffs).
    public var source: String {
        var out = ""
        write(into: &out) { template, out in JSONTemplate.writeString(template.source, into: &out) }
        return out
    }

    /// Compact JSON text, every string leaf rendered and escaped.
    /// - Throws: ``Template/MissingSecret`` when a leaf names a secret not in `secrets`.
    public func render(_ roots: [String: Value], secrets: [String: String] = [:]) throws(Template.MissingSecret) -> String {
        var out = ""
        try write(into: &out) { (template, out) throws(Template.MissingSecret) in
            JSONTemplate.writeString(try template.render(roots, secrets: secrets), into: &out)
        }
        return out
    }

    private func write<E: Error>(into out: inout String, leaf: (Template, inout String) throws(E) -> Void) throws(E) {
        switch self {
        case .null: out += "null"
        case .bool(let flag): out += flag ? "true" : "false"
        case .number(let number): out += Value.number(number).description
        case .string(let template): try leaf(template, &out)
        case .array(let items):
            out += "["
            for (index, item) in items.enumerated() {
                if index > 0 { out += "," }
                try item.write(into: &out, leaf: leaf)
            }
            out += "]"
        case .object(let members):
            out += "{"
            for (index, member) in members.enumerated() {
                if index > 0 { out += "," }
                JSONTemplate.writeString(member.key, into: &out)
                out += ":"
                try member.value.write(into: &out, leaf: leaf)
            }
            out += "}"
        }
    }

    /// A JSON string literal (see ``Value/writeQuoted(_:to:)``).
    public static func writeString(_ text: String, into out: inout String) {
        Value.writeQuoted(text, to: &out)
    }
}
