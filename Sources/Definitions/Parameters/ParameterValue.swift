/// A parameter's value: a string, a number or a boolean.
public enum ParameterValue: Sendable, Hashable, Codable, CustomStringConvertible {
    case string(String)
    case number(Double)
    case boolean(Bool)

    public var description: String {
        switch self {
        case .string(let text): text
        case .number(let number): ParameterValue.format(number)
        case .boolean(let flag): flag ? "true" : "false"
        }
    }

    /// The type a parameter declaration names.
    public var type: ParameterType {
        switch self {
        case .string: .string
        case .number: .number
        case .boolean: .boolean
        }
    }

    /// Reads `text` (from the CLI, a matrix, an event) as a value of `type`.
    public static func parse(_ text: String, as type: ParameterType) -> ParameterValue? {
        switch type {
        case .string:
            return .string(text)
        case .number:
            guard let number = NumberText.parse(text) else { return nil }
            return .number(number)
        case .boolean:
            switch text {
            case "true", "True", "TRUE": return .boolean(true)
            case "false", "False", "FALSE": return .boolean(false)
            default: return nil
            }
        }
    }

    static func format(_ number: Double) -> String {
        if number.rounded() == number, abs(number) < 1e15 {
            return String(Int64(number))
        }
        return String(number)
    }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.singleValueContainer()
        if let flag = try? container.decode(Bool.self) {
            self = .boolean(flag)
        } else if let number = try? container.decode(Double.self) {
            self = .number(number)
        } else {
            self = .string(try container.decode(String.self))
        }
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        switch self {
        case .string(let text): try container.encode(text)
        case .number(let number): try container.encode(number)
        case .boolean(let flag): try container.encode(flag)
        }
    }
}

public enum ParameterType: String, Sendable, Hashable, Codable, CaseIterable {
    case string, number, boolean
}

/// YAML 1.2 core-schema numbers, decimal only: `08` is eight, never octal.
enum NumberText {
    static func parse(_ text: String) -> Double? {
        guard !text.isEmpty, text.count <= 40 else { return nil }
        var sawDigit = false
        for scalar in text.unicodeScalars {
            switch scalar {
            case "0"..."9": sawDigit = true
            case "-", "+", ".", "e", "E": continue
            default: return nil
            }
        }
        guard sawDigit, let value = Double(text), value.isFinite else { return nil }
        return value
    }

    static func integer(_ text: String) -> Int? {
        guard let value = parse(text), value.rounded() == value, abs(value) < 1e15 else { return nil }
        return Int(value)
    }
}
