import Expressions

/// Renders parsed template nodes: Mustache lookup through the section stack, values as text, and
/// the escaping of ``Template/Context``.
struct TemplateRenderer {
    let roots: [String: Value]
    let secrets: [String: String]
    /// In a URL: set once the template's own text has passed a `?`.
    var encodesQuery: Bool
    let context: Template.Context
    var output = ""
    private var stack: [Value] = []

    init(roots: [String: Value], secrets: [String: String], encodesQuery: Bool, context: Template.Context) {
        self.roots = roots
        self.secrets = secrets
        self.encodesQuery = encodesQuery
        self.context = context
    }

    mutating func render(_ nodes: [Template.Node]) throws(Template.MissingSecret) {
        for node in nodes {
            switch node {
            case .text(let text):
                output += text
                if case .url = context, !encodesQuery, text.contains("?") { encodesQuery = true }
            case .variable(let reference, let raw):
                insert(Self.text(of: lookup(reference.path)), raw: raw)
            case .secret(let name, _):
                guard let value = secrets[name] else { throw Template.MissingSecret(name: name) }
                insert(value, raw: false)
            case .section(let reference, let inverted, let children):
                let value = lookup(reference.path)
                if inverted {
                    if !Self.isTruthy(value) { try render(children) }
                    continue
                }
                guard Self.isTruthy(value) else { continue }
                let items: [Value]
                if case .array(let elements) = value { items = elements } else { items = [value] }
                for item in items {
                    stack.append(item)
                    defer { stack.removeLast() }
                    try render(children)
                }
            }
        }
    }

    private mutating func insert(_ text: String, raw: Bool) {
        output += encodesQuery && !raw ? Self.percentEncodedQueryComponent(text) : text
    }

    /// Mustache lookup: `.` is the top of the stack; otherwise the first name is searched from the
    /// innermost section outwards (objects only), then among the roots.
    func lookup(_ path: [String]) -> Value {
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

    /// RFC 3986 unreserved characters stay; every other byte becomes `%XX`.
    static func percentEncodedQueryComponent(_ text: String) -> String {
        var out = ""
        out.reserveCapacity(text.utf8.count)
        let hex = Array("0123456789ABCDEF".utf8)
        for byte in text.utf8 {
            switch byte {
            case UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "0")...UInt8(ascii: "9"),
                 UInt8(ascii: "-"), UInt8(ascii: "."), UInt8(ascii: "_"), UInt8(ascii: "~"):
                out.unicodeScalars.append(Unicode.Scalar(byte))
            default:
                out.unicodeScalars.append("%")
                out.unicodeScalars.append(Unicode.Scalar(hex[Int(byte >> 4)]))
                out.unicodeScalars.append(Unicode.Scalar(hex[Int(byte & 15)]))
            }
        }
        return out
    }
}
