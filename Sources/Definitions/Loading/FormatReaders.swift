import Foundation
import Schedules
import Expressions

/// Readers for the string formats of `StringFormat`: durations, dates, zones, cron, expressions,
/// templates, URLs and names. Each reports a located error (pointing inside the text where it can).
extension Fields {
    func duration(_ key: String) -> JobDuration? {
        guard let value = self[key], let text = string(key) else { return nil }
        return Fields.duration(text, node: value, field: qualified(key), context: context)
    }

    static func duration(_ text: String, node: YAMLNode, field: String, context: LoadContext) -> JobDuration? {
        if node.scalar?.isPlain == true, NumberText.parse(text) != nil {
            context.error("'\(field)': '\(text)' needs a unit, e.g. '\(text)s', '\(text)m' or '\(text)h'", at: node)
            return nil
        }
        do {
            return try JobDuration(text)
        } catch {
            context.log.error("'\(field)': \(error.message)", at: context.location(in: node, column: error.column))
            return nil
        }
    }

    func dateTime(_ key: String) -> LocalDateTime? {
        guard let value = self[key], let text = string(key) else { return nil }
        do {
            return try LocalDateTime(text)
        } catch {
            context.log.error("'\(qualified(key))': \(error.message)", at: context.location(in: value, column: error.column))
            return nil
        }
    }

    func timeZone(_ key: String) -> TimeZone? {
        guard let value = self[key], let text = string(key) else { return nil }
        return Fields.timeZone(text, node: value, field: qualified(key), context: context)
    }

    static func timeZone(_ text: String, node: YAMLNode, field: String, context: LoadContext) -> TimeZone? {
        if let zone = TimeZoneNames.zone(named: text) { return zone }
        let hint = Suggestion.didYouMean(text, among: TimeZoneNames.all)
        context.error("'\(field)': unknown time zone '\(text)'\(hint); use an IANA name such as Europe/Amsterdam or UTC", at: node)
        return nil
    }

    func cron(_ key: String) -> CronExpression? {
        guard let value = self[key], let text = string(key) else { return nil }
        return Fields.cron(text, node: value, context: context)
    }

    static func cron(_ text: String, node: YAMLNode, context: LoadContext) -> CronExpression? {
        do {
            return try CronExpression(text)
        } catch {
            context.log.error(error.message, at: context.location(in: node, column: error.column))
            return nil
        }
    }

    func expression(_ key: String, scope: ExpressionScope) -> Condition? {
        guard let value = self[key], let text = string(key) else { return nil }
        let expression: Condition
        do {
            expression = try Condition(text)
        } catch {
            context.log.error("'\(qualified(key))': \(error.message)", at: context.location(in: value, column: error.column))
            return nil
        }
        for problem in expression.check(roots: scope.roots) {
            context.log.error("'\(qualified(key))': \(problem.message)", at: context.location(in: value, column: problem.column))
        }
        for reference in expression.referencedPaths {
            if let problem = scope.problem(with: reference.segments) {
                context.log.error("'\(qualified(key))': \(problem)", at: context.location(in: value, column: reference.column))
            }
        }
        return expression
    }

    func template(_ key: String, scope: ExpressionScope) -> String? {
        guard let value = self[key], let text = string(key) else { return nil }
        Fields.checkTemplate(text, node: value, field: qualified(key), scope: scope, context: context)
        return text
    }

    static func checkTemplate(_ text: String, node: YAMLNode, field: String, scope: ExpressionScope, context: LoadContext) {
        switch TemplateText.scan(text) {
        case .failure(let failure):
            context.log.error("'\(field)': \(failure.message)", at: context.location(in: node, column: failure.column))
        case .success(let references):
            for reference in references {
                let components = reference.path.split(separator: ".").map(String.init)
                guard let root = components.first else { continue }
                if root == "secrets" {
                    if components.count != 2 || !TemplateText.isSecretName(components[1]) {
                        context.log.error("'\(field)': a secret is written ${secrets.NAME} with NAME in A-Z, 0-9 and _", at: context.location(in: node, column: reference.column))
                    }
                    continue
                }
                guard scope.roots.contains(root) else {
                    let known = scope.roots.sorted().joined(separator: ", ")
                    context.log.error("'\(field)': unknown name '\(root)' in template; use one of \(known)\(Suggestion.didYouMean(root, among: scope.roots))", at: context.location(in: node, column: reference.column))
                    continue
                }
                if let problem = scope.problem(with: components) {
                    context.log.error("'\(field)': \(problem)", at: context.location(in: node, column: reference.column))
                }
            }
        }
    }

    func url(_ key: String) -> String? {
        guard let value = self[key], let text = string(key) else { return nil }
        Fields.checkURL(text, node: value, field: qualified(key), context: context)
        return text
    }

    static func checkURL(_ text: String, node: YAMLNode, field: String, context: LoadContext) {
        if case .failure(let failure) = TemplateText.scan(text) {
            context.log.error("'\(field)': \(failure.message)", at: context.location(in: node, column: failure.column))
            return
        }
        // A URL that is wholly a secret or starts with a template is checked when it is rendered.
        if text.hasPrefix("${") || text.hasPrefix("{{") { return }
        let lowered = text.lowercased()
        guard lowered.hasPrefix("http://") || lowered.hasPrefix("https://") else {
            context.error("'\(field)': '\(text)' is not an http or https URL", at: node)
            return
        }
        let staticPart = text.components(separatedBy: "{{").first!.components(separatedBy: "${").first!
        guard let components = URLComponents(string: staticPart), let host = components.host, !host.isEmpty else {
            context.error("'\(field)': '\(text)' is not a valid URL (no host)", at: node)
            return
        }
    }

    func name(_ key: String) -> String? {
        guard let value = self[key], let text = string(key) else { return nil }
        guard Fields.isName(text) else {
            context.error("'\(qualified(key))': '\(text)' is not a valid name; use letters, digits, '_' and '-', starting with a letter or '_'", at: value)
            return nil
        }
        return text
    }

    static func isName(_ text: String) -> Bool {
        guard let first = text.unicodeScalars.first, first == "_" || ("a"..."z").contains(first) || ("A"..."Z").contains(first) else { return false }
        return text.unicodeScalars.allSatisfy { $0 == "_" || $0 == "-" || ("a"..."z").contains($0) || ("A"..."Z").contains($0) || ("0"..."9").contains($0) }
    }
}

/// What the names of a condition or template may refer to at one place in a job.
struct ExpressionScope {
    var roots: Set<String>
    /// Declared parameters; nil when parameters are not checked here.
    var parameters: Set<String>?
    /// Steps that run before this point (for `steps.NAME`).
    var earlierSteps: Set<String>?
    var laterSteps: Set<String> = []

    func problem(with components: [String]) -> String? {
        guard let root = components.first else { return nil }
        if root == "params", let parameters, components.count > 1, !parameters.contains(components[1]) {
            return parameters.isEmpty
                ? "unknown parameter '\(components[1])'; the job declares no params"
                : "unknown parameter '\(components[1])'\(Suggestion.didYouMean(components[1], among: parameters))"
        }
        if root == "steps", let earlierSteps, components.count > 1, !earlierSteps.contains(components[1]) {
            if laterSteps.contains(components[1]) {
                return "step '\(components[1])' runs after this point; only earlier steps can be referred to"
            }
            return "unknown step '\(components[1])'\(Suggestion.didYouMean(components[1], among: earlierSteps))"
        }
        return nil
    }
}

/// The Mustache variables (`{{params.market}}`) and secret references (`${secrets.NAME}`) in a text.
enum TemplateText {
    struct Reference {
        var path: String
        /// 1-based column of the reference's first character of its name.
        var column: Int
    }

    struct Failure: Error {
        var column: Int
        var message: String
    }

    static func hasTemplates(_ text: String) -> Bool {
        text.contains("{{") || text.contains("${")
    }

    static func scan(_ text: String) -> Result<[Reference], Failure> {
        guard hasTemplates(text) else { return .success([]) }
        let bytes = Array(text.utf8)
        // Columns count Unicode scalars: every byte that is not a UTF-8 continuation byte.
        var columns = [Int](repeating: 0, count: bytes.count + 1)
        var column = 1
        for (index, byte) in bytes.enumerated() {
            columns[index] = column
            if byte & 0xC0 != 0x80 { column += 1 }
        }
        columns[bytes.count] = column
        func starts(_ token: StaticString, at position: Int) -> Bool {
            let count = token.utf8CodeUnitCount
            guard position + count <= bytes.count else { return false }
            for offset in 0..<count where bytes[position + offset] != token.utf8Start[offset] { return false }
            return true
        }
        func string(_ range: Range<Int>) -> String {
            String(decoding: bytes[range], as: UTF8.self)
        }
        var references: [Reference] = []
        var index = 0
        while index < bytes.count {
            if starts("${", at: index) {
                guard let close = bytes[index...].firstIndex(of: UInt8(ascii: "}")) else {
                    return .failure(Failure(column: columns[index], message: "'${' is not closed by '}'"))
                }
                let name = string((index + 2)..<close).trimmingCharacters(in: [" "])
                references.append(Reference(path: name, column: columns[index + 2]))
                index = close + 1
            } else if starts("{{", at: index) {
                let triple = starts("{{{", at: index)
                let closing: StaticString = triple ? "}}}" : "}}"
                let contentStart = index + (triple ? 3 : 2)
                var end = contentStart
                while end < bytes.count, !starts(closing, at: end) { end += 1 }
                guard end < bytes.count else {
                    return .failure(Failure(column: columns[index], message: "'\(triple ? "{{{" : "{{")' is not closed by '\(closing)'"))
                }
                var nameStart = contentStart
                while nameStart < end, bytes[nameStart] == UInt8(ascii: " ") { nameStart += 1 }
                while nameStart < end, "#^/&".utf8.contains(bytes[nameStart]) { nameStart += 1 }
                let name = string(nameStart..<end).trimmingCharacters(in: [" "])
                if name.hasPrefix("!") { index = end + closing.utf8CodeUnitCount; continue }  // a comment
                if name.isEmpty || name.contains(" ") || name.hasPrefix(">") || name.hasPrefix("=") {
                    return .failure(Failure(column: columns[index], message: "'{{\(name)}}' is not a variable; write {{name.path}}, e.g. {{params.market}}"))
                }
                if name != "." { references.append(Reference(path: name, column: columns[nameStart])) }
                index = end + closing.utf8CodeUnitCount
            } else {
                index += 1
            }
        }
        return .success(references)
    }

    static func isSecretName(_ name: String) -> Bool {
        !name.isEmpty && name.unicodeScalars.allSatisfy { ("A"..."Z").contains($0) || ("0"..."9").contains($0) || $0 == "_" }
    }
}

/// IANA zone names as the system's tzdata knows them.
enum TimeZoneNames {
    static let all: [String] = TimeZone.knownTimeZoneIdentifiers + ["UTC"]
    private static let known = Set(all)

    static func zone(named name: String) -> TimeZone? {
        guard known.contains(name) else { return nil }
        return TimeZone(identifier: name)
    }
}
