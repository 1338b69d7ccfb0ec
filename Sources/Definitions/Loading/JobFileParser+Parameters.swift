import Foundation
import Schedules
import Expressions

/// Reading events, parameters, the matrix, needs, the rate limit and retries of a job file.
extension JobFileParser {
    static func readEvents(_ fields: Fields) -> [String]? {
        guard let node = fields["on"], let on = Fields(node, shape: FileShapes.on, path: "on", context: fields.context) else {
            return fields.has("on") ? nil : []
        }
        guard let events = on.stringList("events") else { return nil }
        var result: [String] = []
        for (text, node) in events {
            let valid = !text.isEmpty && text.count <= 200 && text.unicodeScalars.allSatisfy { !$0.properties.isWhitespace && $0.value > 0x20 }
            if !valid {
                fields.context.error("'on.events': '\(text)' is not a valid event type (no spaces, at most 200 characters)", at: node)
                return nil
            }
            result.append(text)
        }
        if result.isEmpty {
            fields.context.error("'on.events' lists no event types", at: on["events"]!)
            return nil
        }
        return result
    }

    /// Every parameter that could be read (so later checks know the names), and whether all were valid.
    static func readParameters(_ fields: Fields) -> ([ParameterDefinition], Bool) {
        guard let pairs = fields.mapping("params") else { return ([], !fields.has("params")) }
        let context = fields.context
        var result: [ParameterDefinition] = []
        var ok = true
        for pair in pairs {
            let name = pair.key.scalar?.text ?? ""
            guard Fields.isName(name), !name.utf8.contains(UInt8(ascii: "-")) else {
                context.error("parameter name '\(name)' must start with a letter or '_' and use letters, digits and '_' (it becomes JOBCTL_PARAM_\(name.uppercased()))", at: pair.key)
                ok = false
                continue
            }
            if let scalar = pair.value.scalar, !pair.value.isNull {
                let value = literal(scalar, declared: nil)
                result.append(ParameterDefinition(name: name, type: value.type, defaultValue: value, allowed: nil, required: false, description: nil))
                continue
            }
            guard let parameter = Fields(pair.value, shape: FileShapes.parameter, path: "params.\(name)", context: context) else {
                ok = false
                continue
            }
            let type = parameter.enumeration("type", as: ParameterType.self) ?? .string
            var definition = ParameterDefinition(name: name, type: type, defaultValue: nil, allowed: nil, required: parameter.boolean("required") ?? false, description: parameter.string("description"))
            if let allowedNodes = parameter.list("allowed") {
                var allowed: [ParameterValue] = []
                for (index, node) in allowedNodes.enumerated() {
                    if let value = typedValue(node, type: type, field: "params.\(name).allowed[\(index)]", context: context) { allowed.append(value) } else { ok = false }
                }
                if allowed.isEmpty && allowedNodes.isEmpty {
                    context.error("'params.\(name).allowed' is empty; no value could ever be given", at: parameter["allowed"]!)
                    ok = false
                }
                definition.allowed = allowed
            }
            if let node = parameter["default"] {
                if let value = typedValue(node, type: type, field: "params.\(name).default", context: context) {
                    if let problem = definition.problem(with: value) {
                        context.error("'params.\(name).default': \(problem)", at: node)
                        ok = false
                    }
                    definition.defaultValue = value
                } else {
                    ok = false
                }
            }
            if definition.required, definition.defaultValue != nil {
                context.warning("'params.\(name)' is required but has a default, so a value is never missing", at: parameter["required"]!)
            }
            result.append(definition)
        }
        return (result, ok)
    }

    /// A scalar as a parameter value of `type`; quoted scalars are strings, plain ones are read as the type asks.
    static func typedValue(_ node: YAMLNode, type: ParameterType, field: String, context: LoadContext) -> ParameterValue? {
        guard let scalar = node.scalar, !node.isNull else {
            context.error("'\(field)' must be a \(type.rawValue), not \(node.kindDescription)", at: node)
            return nil
        }
        if type == .string {
            return .string(scalar.text)
        }
        if scalar.isPlain, let value = ParameterValue.parse(scalar.text, as: type) {
            return value
        }
        context.error("'\(field)' must be a \(type.rawValue), not \(node.kindDescription)", at: node)
        return nil
    }

    /// A scalar whose type is not declared: plain numbers and booleans keep their type, everything else is a string.
    static func literal(_ scalar: YAMLScalar, declared: ParameterType?) -> ParameterValue {
        guard scalar.isPlain else { return .string(scalar.text) }
        if let value = ParameterValue.parse(scalar.text, as: .boolean) { return value }
        if let value = ParameterValue.parse(scalar.text, as: .number), !scalar.text.hasPrefix("0") || scalar.text == "0" || scalar.text.hasPrefix("0.") { return value }
        return .string(scalar.text)
    }

    static func readMatrix(_ fields: Fields, parameters: [ParameterDefinition]) -> [MatrixAxis]? {
        guard let pairs = fields.mapping("matrix") else { return fields.has("matrix") ? nil : [] }
        let context = fields.context
        var axes: [MatrixAxis] = []
        var ok = true
        for pair in pairs {
            let name = pair.key.scalar?.text ?? ""
            guard let parameter = parameters.first(where: { $0.name == name }) else {
                let declared = parameters.map(\.name)
                context.error("matrix key '\(name)' is not a declared parameter\(Suggestion.didYouMean(name, among: declared)); declare it under 'params'", at: pair.key)
                ok = false
                continue
            }
            guard let items = pair.value.sequence, !items.isEmpty else {
                context.error("'matrix.\(name)' must be a non-empty list of values", at: pair.value)
                ok = false
                continue
            }
            var values: [ParameterValue] = []
            for (index, item) in items.enumerated() {
                let field = "matrix.\(name)[\(index)]"
                guard let value = typedValue(item, type: parameter.type, field: field, context: context) else { ok = false; continue }
                if let problem = parameter.problem(with: value) {
                    context.error("'\(field)': \(problem)", at: item)
                    ok = false
                } else if values.contains(value) {
                    context.error("'\(field)': \(value.describedWithType) is listed twice", at: item)
                    ok = false
                } else {
                    values.append(value)
                }
            }
            axes.append(MatrixAxis(parameter: name, values: values))
        }
        let combinations = axes.reduce(1) { $0 * max($1.values.count, 1) }
        if combinations > 1000, let node = fields["matrix"] {
            context.error("'matrix' makes \(combinations) runs per fire; at most 1000 are allowed", at: node)
            ok = false
        }
        return ok ? axes : nil
    }

    static func readNeeds(_ fields: Fields, id: JobID) -> [JobID]? {
        guard let items = fields.stringList("needs") else { return fields.has("needs") ? nil : [] }
        var result: [JobID] = []
        for (text, node) in items {
            guard let need = JobID(text) else {
                fields.context.error("'needs': \(JobID.problem(with: text)!)", at: node)
                return nil
            }
            if need == id {
                fields.context.error("'needs': a job cannot need itself", at: node)
                return nil
            }
            result.append(need)
            fields.context.needs.append(need)
            fields.context.needsLocations[need] = fields.context.location(of: node)
        }
        return result
    }

    static func readRateLimit(_ fields: Fields) -> RateLimit? {
        guard let node = fields["rateLimit"], let limit = Fields(node, shape: FileShapes.rateLimit, path: "rateLimit", context: fields.context),
              let max = limit.integer("max"), let per = limit.duration("per") else { return nil }
        if per.milliseconds < 1000 {
            fields.context.error("'rateLimit.per' must be at least 1s", at: limit["per"]!)
            return nil
        }
        return RateLimit(max: max, per: per)
    }

    static func readRetries(_ node: YAMLNode?, field: String, context: LoadContext) -> RetryPolicy? {
        guard let node else { return nil }
        if node.scalar != nil {
            guard let max = Fields.integer(node, field: field, minimum: 0, maximum: 100, context: context) else { return nil }
            return RetryPolicy(max: max, backoff: RetryPolicy.defaultBackoff, maxBackoff: RetryPolicy.defaultMaxBackoff)
        }
        guard let retries = Fields(node, shape: FileShapes.retries, path: field, context: context), let max = retries.integer("max") else { return nil }
        let backoff = retries.duration("backoff") ?? RetryPolicy.defaultBackoff
        let cap = retries.duration("maxBackoff") ?? Swift.max(RetryPolicy.defaultMaxBackoff, backoff)
        if cap < backoff {
            context.error("'\(field).maxBackoff' (\(cap)) is shorter than 'backoff' (\(backoff))", at: retries["maxBackoff"]!)
            return nil
        }
        return RetryPolicy(max: max, backoff: backoff, maxBackoff: cap)
    }
}
