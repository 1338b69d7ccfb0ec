import Foundation

/// Renders `FileShapes` as JSON Schema 2020-12, so editors can complete and check job files.
public enum JSONSchemaGenerator {
    public static func jobSchema() -> [String: Any] {
        document(for: FileShapes.job, id: "https://jobctl.dev/schema/v1/job.json")
    }

    public static func configSchema() -> [String: Any] {
        document(for: FileShapes.config, id: "https://jobctl.dev/schema/v1/config.json")
    }

    public static func render(_ schema: [String: Any]) -> String {
        let data = try! JSONSerialization.data(withJSONObject: schema, options: [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes])
        return String(decoding: data, as: UTF8.self)
    }

    private static func document(for shape: ObjectShape, id: String) -> [String: Any] {
        var definitions: [String: Any] = [:]
        var root = object(shape, definitions: &definitions)
        root["$schema"] = "https://json-schema.org/draft/2020-12/schema"
        root["$id"] = id
        root["title"] = shape.summary
        if !definitions.isEmpty { root["$defs"] = definitions }
        return root
    }

    private static func object(_ shape: ObjectShape, definitions: inout [String: Any]) -> [String: Any] {
        var properties: [String: Any] = [:]
        for field in shape.fields {
            var property = schema(field.shape, definitions: &definitions)
            property["description"] = field.summary
            properties[field.key] = property
        }
        var result: [String: Any] = [
            "type": "object",
            "properties": properties,
            "additionalProperties": false,
        ]
        if !shape.required.isEmpty { result["required"] = shape.required }
        if !shape.exactlyOneOf.isEmpty {
            let groups = shape.exactlyOneOf.map { group in
                ["oneOf": group.map { ["required": [$0]] }] as [String: Any]
            }
            if groups.count == 1 { result.merge(groups[0]) { $1 } } else { result["allOf"] = groups }
        }
        for group in shape.atMostOneOf {
            // No two of the group together.
            var pairs: [[String: Any]] = []
            for (index, first) in group.enumerated() {
                for second in group[(index + 1)...] { pairs.append(["not": ["required": [first, second]]]) }
            }
            result["allOf"] = (result["allOf"] as? [[String: Any]] ?? []) + pairs
        }
        return result
    }

    private static func schema(_ shape: Shape, definitions: inout [String: Any]) -> [String: Any] {
        switch shape {
        case .string(let format):
            var result: [String: Any] = ["type": "string"]
            switch format {
            case .duration:
                result["pattern"] = #"^\s*([0-9]+(\.[0-9]+)?\s*[a-zA-Z]+\s*)+$"#
            case .jobID:
                result["pattern"] = "^[a-z0-9_-]+(/[a-z0-9_-]+)*$"
            case .name:
                result["pattern"] = "^[A-Za-z_][A-Za-z0-9_-]*$"
            case .eventType:
                result["pattern"] = #"^\S{1,200}$"#
            case .cron, .expression, .template, .url, .text, .timeZone, .dateTime:
                result["minLength"] = 1
            }
            return result
        case .boolean:
            return ["type": "boolean"]
        case .integer(let minimum, let maximum):
            var result: [String: Any] = ["type": "integer"]
            if let minimum { result["minimum"] = minimum }
            if let maximum { result["maximum"] = maximum }
            return result
        case .scalar:
            return ["type": ["string", "number", "boolean"]]
        case .enumeration(let values):
            return ["enum": values]
        case .list(let item):
            return ["type": "array", "items": schema(item, definitions: &definitions)]
        case .object(let objectShape):
            if definitions[objectShape.name] == nil {
                definitions[objectShape.name] = [:]  // reserve the name against recursion
                definitions[objectShape.name] = object(objectShape, definitions: &definitions)
            }
            return ["$ref": "#/$defs/\(objectShape.name)"]
        case .dictionary(let keyPattern, let value):
            return [
                "type": "object",
                "propertyNames": ["pattern": keyPattern],
                "additionalProperties": schema(value, definitions: &definitions),
            ]
        case .anyOf(let shapes):
            return ["anyOf": shapes.map { schema($0, definitions: &definitions) }]
        case .anyJSON:
            return [:]
        }
    }
}
