/// The file being read and the problems found in it so far.
final class LoadContext {
    let file: String
    var log = DiagnosticLog()
    /// Where each `needs` entry was written, for cross-file errors.
    var needsLocations: [JobID: SourceLocation] = [:]
    /// The `needs` entries as written, kept even when the file has other errors.
    var needs: [JobID] = []

    init(file: String) {
        self.file = file
    }

    func location(of node: YAMLNode) -> SourceLocation {
        SourceLocation(file: file, line: node.line, column: node.column)
    }

    /// The location of the character at 1-based `column` inside a scalar's text, for errors that point
    /// into a cron expression or a condition. Quoted scalars start one column after their quote.
    func location(in node: YAMLNode, column: Int) -> SourceLocation {
        guard let scalar = node.scalar else { return location(of: node) }
        switch scalar.style {
        case .plain: return location(of: node).advanced(byColumns: column - 1)
        case .singleQuoted, .doubleQuoted: return location(of: node).advanced(byColumns: column)
        case .literal, .folded: return location(of: node)
        }
    }

    func error(_ message: String, at node: YAMLNode) {
        log.error(message, at: location(of: node))
    }

    func warning(_ message: String, at node: YAMLNode) {
        log.warning(message, at: location(of: node))
    }
}

/// The fields of one mapping, read through its `ObjectShape`. Creating it reports unknown keys
/// (with a "did you mean"), missing required keys and broken "exactly one of" groups.
struct Fields {
    let node: YAMLNode
    let shape: ObjectShape
    let context: LoadContext
    /// Where in the file this mapping is, for messages: "schedule", "steps[2]".
    let path: String
    /// The mapping's known, non-null fields. A mapping has a few: looked up by a linear scan,
    /// which costs less than hashing the key (hashing was ~5% of `validate`).
    private let values: [(key: String, pair: YAMLPair)]

    init?(_ node: YAMLNode, shape: ObjectShape, path: String, context: LoadContext) {
        guard let pairs = node.mapping else {
            context.error("\(path.isEmpty ? "a job file" : "'\(path)'") must be a mapping of fields, not \(node.kindDescription)", at: node)
            return nil
        }
        self.node = node
        self.shape = shape
        self.context = context
        self.path = path
        var values: [(key: String, pair: YAMLPair)] = []
        values.reserveCapacity(pairs.count)
        for pair in pairs {
            let key = pair.key.scalar?.text ?? ""
            // `x-` keys are extensions, ignored: the place for YAML anchors (`x-defaults: &defaults`).
            if key.hasPrefix("x-") { continue }
            guard shape.field(key) != nil else {
                let place = path.isEmpty ? "" : " in '\(path)'"
                context.error("unknown field '\(key)'\(place)\(Suggestion.didYouMean(key, among: shape.keys))", at: pair.key)
                continue
            }
            // Keys are unique: the YAML reader refuses a duplicate, and a merge (`<<`) adds only
            // the keys the mapping does not write.
            if !pair.value.isNull { values.append((key, pair)) }
        }
        self.values = values
        for key in shape.required where !has(key) {
            let place = path.isEmpty ? "" : " in '\(path)'"
            context.error("missing required field '\(key)'\(place)", at: node)
        }
        for group in shape.exactlyOneOf {
            let present = group.filter(has)
            guard present.count != 1 else { continue }
            let list = group.map { "'\($0)'" }.joined(separator: ", ")
            let place = path.isEmpty ? "" : "'\(path)' "
            if present.isEmpty {
                context.error("\(place)needs exactly one of \(list)", at: node)
            } else if present.count > 1 {
                let second = keyNode(present[1])!
                context.error("\(place)has both '\(present[0])' and '\(present[1])'; write exactly one of \(list)", at: second)
            }
        }
        for group in shape.atMostOneOf {
            let present = group.filter(has)
            if present.count > 1 {
                let place = path.isEmpty ? "" : "'\(path)' "
                context.error("\(place)has both '\(present[0])' and '\(present[1])'; write at most one of \(group.map { "'\($0)'" }.joined(separator: ", "))", at: keyNode(present[1])!)
            }
        }
    }

    subscript(_ key: String) -> YAMLNode? {
        assert(shape.field(key) != nil, "field \(key) is not in the shape \(shape.name)")
        return pair(key)?.value
    }

    private func pair(_ key: String) -> YAMLPair? {
        values.first { $0.key == key }?.pair
    }

    func keyNode(_ key: String) -> YAMLNode? {
        pair(key)?.key
    }

    func has(_ key: String) -> Bool { pair(key) != nil }

    func qualified(_ key: String) -> String {
        path.isEmpty ? key : "\(path).\(key)"
    }

    // MARK: Typed readers: each reports a located error and returns nil when the value is wrong.

    func string(_ key: String) -> String? {
        guard let value = self[key] else { return nil }
        return Fields.text(value, field: qualified(key), context: context)
    }

    static func text(_ value: YAMLNode, field: @autoclosure () -> String, context: LoadContext) -> String? {
        guard let scalar = value.scalar else {
            context.error("'\(field())' must be a string, not \(value.kindDescription)", at: value)
            return nil
        }
        return scalar.text
    }

    func boolean(_ key: String) -> Bool? {
        guard let value = self[key] else { return nil }
        guard let scalar = value.scalar, scalar.isPlain else {
            context.error("'\(qualified(key))' must be true or false, not \(value.kindDescription)", at: value)
            return nil
        }
        switch scalar.text {
        case "true", "True", "TRUE": return true
        case "false", "False", "FALSE": return false
        default:
            let hint = ["yes", "Yes", "YES", "on", "On", "ON", "y", "Y"].contains(scalar.text) ? " (did you mean 'true'?)"
                : ["no", "No", "NO", "off", "Off", "OFF", "n", "N"].contains(scalar.text) ? " (did you mean 'false'?)" : ""
            context.error("'\(qualified(key))' must be true or false, not \(value.kindDescription)\(hint)", at: value)
            return nil
        }
    }

    func integer(_ key: String) -> Int? {
        guard let value = self[key] else { return nil }
        guard case .integer(let minimum, let maximum) = Fields.unwrapInteger(shape.field(key)!.shape) else {
            preconditionFailure("\(key) is not an integer field")
        }
        return Fields.integer(value, field: qualified(key), minimum: minimum, maximum: maximum, context: context)
    }

    private static func unwrapInteger(_ shape: Shape) -> Shape {
        if case .anyOf(let shapes) = shape, let integer = shapes.first(where: { if case .integer = $0 { true } else { false } }) {
            return integer
        }
        return shape
    }

    static func integer(_ value: YAMLNode, field: @autoclosure () -> String, minimum: Int?, maximum: Int?, context: LoadContext) -> Int? {
        guard let scalar = value.scalar, scalar.isPlain, let number = NumberText.integer(scalar.text) else {
            context.error("'\(field())' must be a whole number, not \(value.kindDescription)", at: value)
            return nil
        }
        if let minimum, number < minimum {
            context.error("'\(field())' must be at least \(minimum), not \(number)", at: value)
            return nil
        }
        if let maximum, number > maximum {
            context.error("'\(field())' must be at most \(maximum), not \(number)", at: value)
            return nil
        }
        return number
    }

    func enumeration<Value: RawRepresentable & CaseIterable>(_ key: String, as type: Value.Type) -> Value? where Value.RawValue == String {
        guard let value = self[key], let text = string(key) else { return nil }
        if let result = Value(rawValue: text) { return result }
        let options = Value.allCases.map(\.rawValue)
        context.error("'\(qualified(key))' must be one of \(options.joined(separator: ", ")), not '\(text)'\(Suggestion.didYouMean(text, among: options))", at: value)
        return nil
    }

    func list(_ key: String) -> [YAMLNode]? {
        guard let value = self[key] else { return nil }
        guard let items = value.sequence else {
            context.error("'\(qualified(key))' must be a list, not \(value.kindDescription)", at: value)
            return nil
        }
        return items
    }

    func stringList(_ key: String) -> [(text: String, node: YAMLNode)]? {
        guard let items = list(key) else { return nil }
        return items.enumerated().compactMap { index, item in
            Fields.text(item, field: "\(qualified(key))[\(index)]", context: context).map { ($0, item) }
        }
    }

    func mapping(_ key: String) -> [YAMLPair]? {
        guard let value = self[key] else { return nil }
        guard let pairs = value.mapping else {
            context.error("'\(qualified(key))' must be a mapping, not \(value.kindDescription)", at: value)
            return nil
        }
        return pairs
    }
}
