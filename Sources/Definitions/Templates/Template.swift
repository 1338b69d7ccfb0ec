public import Diagnostics
public import Expressions

/// A template of a job file — a `run` argument, an `env` value, a prompt, an http url, header or
/// body, a webhook URL — parsed once when the file is loaded and kept in the model, so that what
/// `validate` accepts is exactly what a run renders.
///
/// The language is a Mustache subset, with one deliberate difference from Mustache: **values are
/// never HTML-escaped**, because the output goes into argv elements, environment variables and
/// request bodies, never into HTML. Where a value lands in a URL's query it is percent-encoded
/// (see ``render(_:secrets:context:)``); `{{{a}}}` and `{{&a}}` opt out of that.
///
/// - `{{a.b}}`: a dot path, looked up through the open sections (innermost first) and then the
///   roots (`params`, `event`, `job`, `run`, `steps`). Strings insert as they are, numbers
///   without a needless fraction (`3`, `1.5`), booleans as `true`/`false`, `null`/missing as
///   nothing, arrays and objects as compact JSON.
/// - `{{#a}}...{{/a}}`: rendered once per element of a non-empty array, once with the object
///   pushed for an object, once for any other truthy value; skipped when falsy.
/// - `{{^a}}...{{/a}}`: rendered when `a` is falsy or an empty array.
/// - `{{.}}`: the innermost section's value. `{{! comment }}`: nothing.
/// - `${secrets.NAME}` (NAME in A-Z, 0-9, `_`): resolved at render time. Only references written
///   in the template itself are resolved: a parameter or event value that contains
///   `${secrets.X}` is inserted literally, so callers cannot smuggle secrets out. Any other `${`
///   is text, passed on as written.
///
/// ```swift
/// let template = try Template("--market={{params.market}}")
/// try template.render(["params": ["market": "NL"]])   // "--market=NL"
/// ```
public struct Template: Sendable, Hashable, CustomStringConvertible {
    /// A name a tag refers to, and where it is written.
    public struct Reference: Sendable, Hashable {
        /// The dot path, e.g. `["params", "market"]`; `["."]` for the innermost section's value.
        public var path: [String]
        /// 1-based column of the name's first character in the template text.
        public var column: Int
    }

    public indirect enum Node: Sendable, Hashable {
        case text(String)
        /// `{{a}}`; `raw` for `{{{a}}}` and `{{&a}}`, which are never escaped for their context.
        case variable(Reference, raw: Bool)
        case secret(name: String, column: Int)
        case section(Reference, inverted: Bool, children: [Node])
    }

    /// The text as written in the file.
    public let source: String
    public let nodes: [Node]

    /// Parses `source`.
    /// - Throws: ``ColumnError`` (1-based column in `source`) for a tag that is not closed, a
    ///   section that does not nest, a tag that is not a name, or a malformed secret reference.
    public init(_ source: String) throws(ColumnError) {
        self.source = source
        var parser = TemplateParser(source)
        nodes = try parser.parseAll()
    }

    public var description: String { source }

    public static func == (a: Template, b: Template) -> Bool { a.source == b.source }
    public func hash(into hasher: inout Hasher) { hasher.combine(source) }

    /// Whether the text has any tag or secret reference at all (most argv elements have none).
    public var hasTags: Bool {
        nodes.contains { node in
            if case .text = node { return false }
            return true
        }
    }

    /// The names of the secrets the template refers to, in order of first use.
    public var secretNames: [String] {
        var names: [String] = []
        Self.walk(nodes) { node, _ in
            if case .secret(let name, _) = node, !names.contains(name) { names.append(name) }
        }
        return names
    }

    /// Every node, depth first, with the number of sections it sits in.
    static func walk(_ nodes: [Node], depth: Int = 0, _ visit: (Node, Int) -> Void) {
        for node in nodes {
            visit(node, depth)
            if case .section(_, _, let children) = node { walk(children, depth: depth + 1, visit) }
        }
    }

    /// Where the rendered text lands, which decides how values are escaped.
    public enum Context: Sendable {
        /// argv elements, environment variables, prompts, headers, bodies: values as they are.
        case plain
        /// A URL: values after the first `?` of the template's own text are percent-encoded as
        /// query components (`{{{a}}}` and `{{&a}}` are inserted as they are).
        case url
    }

    /// A secret the template names was not given to ``render(_:secrets:context:)``.
    public struct MissingSecret: Error, Sendable, CustomStringConvertible {
        public var name: String
        public var description: String { "secret '\(name)' was not resolved" }
    }

    /// Renders with `roots` (`params`, `event`, ...) and already-resolved `secrets`.
    /// - Throws: ``MissingSecret`` when a referenced secret is not in `secrets`; nothing else
    ///   can fail once a template has been parsed.
    public func render(_ roots: [String: Value], secrets: [String: String] = [:], context: Context = .plain) throws(MissingSecret) -> String {
        var renderer = TemplateRenderer(roots: roots, secrets: secrets, encodesQuery: false, context: context)
        try renderer.render(nodes)
        return renderer.output
    }
}
