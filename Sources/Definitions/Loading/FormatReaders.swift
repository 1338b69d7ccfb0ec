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

    /// Each distinct condition text parsed once (a repository repeats its conditions); the names
    /// it uses are checked against the scope each time.
    private static let parsedConditions = ParseMemo<String, Result<Condition, ExpressionError>>()

    func expression(_ key: String, scope: ExpressionScope) -> Condition? {
        guard let value = self[key], let text = string(key) else { return nil }
        let expression: Condition
        switch Fields.parsedConditions.value(for: text, { Result { () throws(ExpressionError) in try Condition(text) } }) {
        case .success(let parsed):
            expression = parsed
        case .failure(let error):
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

/// IANA zone names as the system's tzdata knows them.
enum TimeZoneNames {
    static let all: [String] = TimeZone.knownTimeZoneIdentifiers + ["UTC"]
    private static let known = Set(all)

    /// Each zone made once (Foundation reads the zone's data to make a `TimeZone`: ~12,000
    /// instructions, for every file that names it).
    private static let zones = ParseMemo<String, TimeZone?>()

    static func zone(named name: String) -> TimeZone? {
        guard known.contains(name) else { return nil }
        return zones.value(for: name) { TimeZone(identifier: name) }
    }
}
