import Foundation
import Diagnostics
import Schedules

/// Reading templates from a file: parsed by ``Template`` (the one parser a run renders with),
/// then checked against the names in scope where they are written, with located errors.
extension Fields {
    /// The template at `key`, or nil (with located errors) when it is not valid.
    func template(_ key: String, scope: ExpressionScope) -> Template? {
        guard let value = self[key], let text = string(key) else { return nil }
        return Fields.template(text, node: value, field: qualified(key), scope: scope, context: context)
    }

    /// Each distinct template text parsed once, with its literal `${...}` notes (a repository
    /// writes `{{params.market}}` in many files); what depends on the scope is checked each time.
    private static let parsed = ParseMemo<String, Result<(template: Template, literalDollarBraces: [String]), ColumnError>>()

    static func template(_ text: String, node: YAMLNode, field: String, scope: ExpressionScope, context: LoadContext) -> Template? {
        let template: Template, literalDollarBraces: [String]
        switch parsed.value(for: text, {
            Result { () throws(ColumnError) in
                let template = try Template(text)
                return (template, TemplateCheck.literalDollarBraces(in: template))
            }
        }) {
        case .success(let value):
            (template, literalDollarBraces) = value
        case .failure(let error):
            context.log.error("'\(field)': \(error.message)", at: context.location(in: node, column: error.column))
            return nil
        }
        var valid = true
        for problem in TemplateCheck.problems(in: template, scope: scope) {
            context.log.error("'\(field)': \(problem.message)", at: context.location(in: node, column: problem.column))
            valid = false
        }
        for note in literalDollarBraces {
            context.warning("'\(field)': '\(note)' is passed on as written: only ${secrets.NAME} is replaced (a parameter reaches a step as {{params.NAME}} or $JOBCTL_PARAM_NAME)", at: node)
        }
        return valid ? template : nil
    }

    /// The URL template at `key`: a template whose text is an http or https URL (a URL that starts
    /// with a template or a secret is checked when it is rendered).
    func url(_ key: String, scope: ExpressionScope) -> Template? {
        guard let value = self[key], let text = string(key) else { return nil }
        return Fields.url(text, node: value, field: qualified(key), scope: scope, context: context)
    }

    static func url(_ text: String, node: YAMLNode, field: String, scope: ExpressionScope, context: LoadContext) -> Template? {
        guard let template = template(text, node: node, field: field, scope: scope, context: context) else { return nil }
        // The text before the first tag; a URL that starts with a tag is checked when rendered.
        guard case .text(let staticPart)? = template.nodes.first else { return template }
        let lowered = staticPart.lowercased()
        guard lowered.hasPrefix("http://") || lowered.hasPrefix("https://") else {
            context.error("'\(field)': '\(text)' is not an http or https URL", at: node)
            return nil
        }
        guard let components = URLComponents(string: staticPart), let host = components.host, !host.isEmpty else {
            context.error("'\(field)': '\(text)' is not a valid URL (no host)", at: node)
            return nil
        }
        return template
    }

    /// A `json:` body: any YAML value, string leaves read as templates.
    static func jsonTemplate(_ node: YAMLNode, field: String, scope: ExpressionScope, context: LoadContext) -> JSONTemplate? {
        switch node.content {
        case .scalar(let scalar):
            if scalar.isNull { return .null }
            if scalar.isPlain {
                if scalar.text == "true" { return .bool(true) }
                if scalar.text == "false" { return .bool(false) }
                if let number = NumberText.parse(scalar.text) { return .number(number) }
            }
            return template(scalar.text, node: node, field: field, scope: scope, context: context).map(JSONTemplate.string)
        case .sequence(let items):
            var result: [JSONTemplate] = []
            var valid = true
            for (index, item) in items.enumerated() {
                if let value = jsonTemplate(item, field: "\(field)[\(index)]", scope: scope, context: context) { result.append(value) } else { valid = false }
            }
            return valid ? .array(result) : nil
        case .mapping(let pairs):
            var members: [JSONTemplate.Member] = []
            var valid = true
            for pair in pairs {
                let key = pair.key.scalar?.text ?? ""
                if let value = jsonTemplate(pair.value, field: "\(field).\(key)", scope: scope, context: context) {
                    members.append(JSONTemplate.Member(key: key, value: value))
                } else {
                    valid = false
                }
            }
            return valid ? .object(members) : nil
        }
    }

    /// Warns when a hand-written body looks like JSON and a value is inserted inside one of its
    /// string literals: a value with a quote or a backslash would break out of it.
    static func warnAboutHandWrittenJSON(_ template: Template, node: YAMLNode, field: String, context: LoadContext) {
        let trimmed = template.source.drop { $0 == " " || $0 == "\n" || $0 == "\t" }
        guard trimmed.hasPrefix("{") || trimmed.hasPrefix("[") else { return }
        for reference in TemplateCheck.variablesInsideQuotes(template) {
            context.log.warning("'\(field)': {{\(reference.path.joined(separator: "."))}} sits inside a JSON string written by hand; a value with a quote or a backslash breaks out of it. Write the body as 'json:' (a YAML mapping that jobctl serialises) instead", at: context.location(in: node, column: reference.column))
        }
    }
}

/// The checks of a parsed template against the names in scope where it is written.
enum TemplateCheck {
    /// Every name that cannot be resolved: outside a section a name must start at a root
    /// (`params`, `event`, ...); inside one, a name that is not a root is a field of the section's
    /// item. `params.X` and `steps.X` are checked against the job's parameters and earlier steps.
    static func problems(in template: Template, scope: ExpressionScope) -> [ColumnError] {
        var problems: [ColumnError] = []
        Template.walk(template.nodes) { node, depth in
            let reference: Template.Reference
            switch node {
            case .variable(let found, _): reference = found
            case .section(let found, _, _): reference = found
            case .text, .secret: return
            }
            guard let root = reference.path.first else { return }
            if root == "." {
                if depth == 0 {
                    problems.append(ColumnError(column: reference.column, message: "'{{.}}' is the item of a section ({{#list}}{{.}}{{/list}}); outside a section it means nothing"))
                }
                return
            }
            guard scope.roots.contains(root) else {
                if depth > 0 { return }  // a field of the section's item
                let known = scope.roots.sorted().joined(separator: ", ")
                problems.append(ColumnError(column: reference.column, message: "unknown name '\(root)' in template; use one of \(known)\(Suggestion.didYouMean(root, among: scope.roots))"))
                return
            }
            if let problem = scope.problem(with: reference.path) {
                problems.append(ColumnError(column: reference.column, message: problem))
            }
        }
        return problems
    }

    /// `${...}` written in the text that is not a secret reference (`${HOME}`): passed on as written.
    static func literalDollarBraces(in template: Template) -> [String] {
        var found: [String] = []
        Template.walk(template.nodes) { node, _ in
            guard case .text(let text) = node else { return }
            var rest = Substring(text)
            // The standard library's search (Foundation's `range(of:)` bridges to NSString).
            while let start = rest.firstRange(of: "${") {
                let tail = rest[start.lowerBound...]
                let end = tail.firstIndex(of: "}").map { tail.index(after: $0) } ?? tail.endIndex
                found.append(String(tail[..<end]))
                rest = tail[end...]
            }
        }
        return found
    }

    /// Variables written between an odd number of unescaped `"` of the template's own text.
    static func variablesInsideQuotes(_ template: Template) -> [Template.Reference] {
        var inside = false
        var found: [Template.Reference] = []
        var previous: Character = " "
        Template.walk(template.nodes) { node, _ in
            switch node {
            case .text(let text):
                for character in text {
                    if character == "\"" && previous != "\\" { inside.toggle() }
                    previous = character
                }
            case .variable(let reference, _):
                if inside { found.append(reference) }
            default:
                break
            }
        }
        return found
    }
}
