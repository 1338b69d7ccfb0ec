import Foundation

/// A JSON-like value: what an expression reads (event payloads, parameters, run and step
/// results) and what it evaluates to.
///
/// Numbers are `Double`, as in JSON and JavaScript: integers are exact up to 2^53.
///
/// ```swift
/// let event = Value(json: try JSONSerialization.jsonObject(with: body))
/// event[["customer", "tier"]]   // .string("gold"), or .null when any part is missing
/// ```
public enum Value: Sendable, Hashable, Codable, CustomStringConvertible {
    case null
    case bool(Bool)
    case number(Double)
    case string(String)
    case array([Value])
    case object([String: Value])

    /// Converts the output of `JSONSerialization` (or plain Swift values of the same shapes).
    ///
    /// `NSNumber` booleans become `.bool` and every other `NSNumber` becomes `.number`, on
    /// Linux and on Apple platforms alike; `NSNull`, `nil` and anything unrecognised become
    /// `.null`. Native `Bool`, integers, floating-point numbers, `String`, `[Any]`,
    /// `[String: Any]` and `Value` itself are accepted too.
    public init(json: Any) {
        switch json {
        case let value as Value:
            self = value
        case is NSNull:
            self = .null
        case let string as String:
            self = .string(string)
        case let number as NSNumber where type(of: json) is NSNumber.Type:
            // A real Foundation number object: JSONSerialization output.
            if type(of: number) == Value.booleanNumberType {
                self = .bool(number.boolValue)
            } else {
                self = .number(number.doubleValue)
            }
        case let bool as Bool where type(of: json) == Bool.self:
            self = .bool(bool)
        case let integer as any BinaryInteger:
            self = .number(Double(integer))
        case let float as any BinaryFloatingPoint:
            self = .number(Double(float))
        case let array as [Any]:
            self = .array(array.map(Value.init(json:)))
        case let object as [String: Any]:
            self = .object(object.mapValues(Value.init(json:)))
        default:
            self = .null
        }
    }

    /// The class Foundation uses for boolean numbers (`__NSCFBoolean` on every platform).
    private static let booleanNumberType = type(of: NSNumber(value: true))

    /// Follows `path` through objects (by key) and arrays (by a decimal index such as `"0"`).
    ///
    /// Returns `.null` as soon as a step is missing, out of range or lands on a scalar.
    public subscript(path: [String]) -> Value {
        var current = self
        for segment in path {
            current = current.member(segment)
            if case .null = current { return .null }
        }
        return current
    }

    /// A member of an object (`.null` when missing or not an object).
    public subscript(key: String) -> Value { member(key) }

    /// The text of a string value, else nil.
    public var string: String? {
        if case .string(let text) = self { return text }
        return nil
    }

    /// The elements of an array value, else none.
    public var elements: [Value] {
        if case .array(let items) = self { return items }
        return []
    }

    /// The strings of an array value (other elements left out).
    public var strings: [String] { elements.compactMap(\.string) }

    /// One step of a path: an object's key, or an array's index.
    func member(_ segment: String) -> Value {
        switch self {
        case .object(let members):
            return members[segment] ?? .null
        case .array(let elements):
            guard let index = Value.arrayIndex(segment), index < elements.count else { return .null }
            return elements[index]
        default:
            return .null
        }
    }

    /// A canonical non-negative decimal index ("0", "12"; not "01", "-1" or "+1").
    static func arrayIndex(_ segment: String) -> Int? {
        let utf8 = segment.utf8
        guard let first = utf8.first, first >= UInt8(ascii: "0"), first <= UInt8(ascii: "9") else { return nil }
        if first == UInt8(ascii: "0") && utf8.count > 1 { return nil }
        return Int(segment)
    }

    // MARK: Description

    /// Compact JSON: `null`, `true`, `42`, `1.5`, `"text"`, `[1, 2]`, `{"a": 1}` (keys sorted).
    public var description: String {
        var output = ""
        write(to: &output)
        return output
    }

    private func write(to output: inout String) {
        switch self {
        case .null:
            output += "null"
        case .bool(let bool):
            output += bool ? "true" : "false"
        case .number(let number):
            output += Value.format(number)
        case .string(let string):
            Value.writeQuoted(string, to: &output)
        case .array(let elements):
            output += "["
            for (index, element) in elements.enumerated() {
                if index > 0 { output += ", " }
                element.write(to: &output)
            }
            output += "]"
        case .object(let members):
            output += "{"
            for (index, key) in members.keys.sorted().enumerated() {
                if index > 0 { output += ", " }
                Value.writeQuoted(key, to: &output)
                output += ": "
                members[key]!.write(to: &output)
            }
            output += "}"
        }
    }

    /// Integers print without a fraction (`3`, not `3.0`); others as Swift prints a `Double`.
    static func format(_ number: Double) -> String {
        if number.isFinite, number == number.rounded(), abs(number) < 1e15 {
            return String(Int64(number))
        }
        return number.description
    }

    /// Writes `string` as a JSON string literal: `"`, `\` and control characters escaped (RFC 8259).
    /// `alsoEscaping` names more scalars to write as `\uXXXX` (YAML's double-quoted style, the same
    /// syntax, also wants DEL and the C1 controls escaped).
    public static func writeQuoted(_ string: String, to output: inout String, alsoEscaping: (Unicode.Scalar) -> Bool = { _ in false }) {
        output += "\""
        for scalar in string.unicodeScalars {
            switch scalar {
            case "\"": output += "\\\""
            case "\\": output += "\\\\"
            case "\n": output += "\\n"
            case "\r": output += "\\r"
            case "\t": output += "\\t"
            case _ where scalar.value < 0x20 || alsoEscaping(scalar):
                output += "\\u" + String(repeating: "0", count: 4 - String(scalar.value, radix: 16).count)
                    + String(scalar.value, radix: 16)
            default: output.unicodeScalars.append(scalar)
            }
        }
        output += "\""
    }

    // MARK: Codable (plain JSON, no wrapper keys)

    public init(from decoder: any Decoder) throws {
        let container = try decoder.singleValueContainer()
        if container.decodeNil() {
            self = .null
        } else if let bool = try? container.decode(Bool.self) {
            self = .bool(bool)
        } else if let number = try? container.decode(Double.self) {
            self = .number(number)
        } else if let string = try? container.decode(String.self) {
            self = .string(string)
        } else if let array = try? container.decode([Value].self) {
            self = .array(array)
        } else if let object = try? container.decode([String: Value].self) {
            self = .object(object)
        } else {
            throw DecodingError.dataCorruptedError(
                in: container, debugDescription: "expected a JSON value")
        }
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        switch self {
        case .null: try container.encodeNil()
        case .bool(let bool): try container.encode(bool)
        case .number(let number): try container.encode(number)
        case .string(let string): try container.encode(string)
        case .array(let elements): try container.encode(elements)
        case .object(let members): try container.encode(members)
        }
    }
}
