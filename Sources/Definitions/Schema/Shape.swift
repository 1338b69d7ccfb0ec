/// The shape of a value in a jobctl file. The loader reads every field through these shapes and
/// `JSONSchemaGenerator` renders them, so the schema and the loader cannot drift apart.
public indirect enum Shape: Sendable {
    case string(StringFormat)
    case boolean
    case integer(minimum: Int?, maximum: Int?)
    case scalar                              // a string, number or boolean
    case enumeration([String])
    case list(Shape)
    case object(ObjectShape)
    case dictionary(keyPattern: String, value: Shape)
    case anyOf([Shape])
    /// Any JSON value (a structured `json:` body); its strings are templates.
    case anyJSON
}

/// What a string field holds; each has its own check in the loader and a pattern or format in the schema.
public enum StringFormat: String, Sendable {
    case text, duration, dateTime, timeZone, cron, expression, jobID, url, template, eventType, name
}

public struct FieldShape: Sendable {
    public var key: String
    public var shape: Shape
    public var summary: String

    public init(_ key: String, _ shape: Shape, _ summary: String) {
        self.key = key
        self.shape = shape
        self.summary = summary
    }
}

public struct ObjectShape: Sendable {
    /// The name under `$defs` in the JSON Schema.
    public var name: String
    public var summary: String
    public var fields: [FieldShape]
    public var required: [String]
    /// Groups of keys of which exactly one must be written (a schedule's `cron | every | at`, a step's kind).
    public var exactlyOneOf: [[String]]
    /// Groups of keys of which at most one may be written (an http request's `body | json`).
    public var atMostOneOf: [[String]]

    public init(_ name: String, _ summary: String, fields: [FieldShape], required: [String] = [], exactlyOneOf: [[String]] = [], atMostOneOf: [[String]] = []) {
        self.name = name
        self.summary = summary
        self.fields = fields
        self.required = required
        self.exactlyOneOf = exactlyOneOf
        self.atMostOneOf = atMostOneOf
    }

    public var keys: [String] { fields.map(\.key) }

    public func field(_ key: String) -> FieldShape? {
        fields.first { $0.key == key }
    }
}
