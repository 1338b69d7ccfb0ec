/// A job's id: its path under `jobs/` without `.yaml`/`.yml`, e.g. `reports/paid-search`.
/// Lower-case letters, digits, `-`, `_` and `/` only; unique by construction.
public struct JobID: Sendable, Hashable, Comparable, Codable, CustomStringConvertible, ExpressibleByStringLiteral {
    public let rawValue: String

    /// - Returns: nil when `text` is not a valid id (see `problem(with:)`).
    public init?(_ text: String) {
        guard Self.problem(with: text) == nil else { return nil }
        rawValue = text
    }

    public init(stringLiteral value: String) {
        precondition(Self.problem(with: value) == nil, "invalid job id literal \(value)")
        rawValue = value
    }

    public init(from decoder: any Decoder) throws {
        let text = try decoder.singleValueContainer().decode(String.self)
        guard let id = JobID(text) else {
            throw DecodingError.dataCorrupted(.init(codingPath: decoder.codingPath, debugDescription: "invalid job id \(text)"))
        }
        self = id
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(rawValue)
    }

    public var description: String { rawValue }

    public static func < (lhs: JobID, rhs: JobID) -> Bool { lhs.rawValue < rhs.rawValue }

    /// Why `text` is not a valid id, or nil.
    public static func problem(with text: String) -> String? {
        if text.isEmpty { return "a job id cannot be empty" }
        for scalar in text.unicodeScalars {
            switch scalar {
            case "a"..."z", "0"..."9", "-", "_", "/": continue
            default:
                return "job id '\(text)' may use only lower-case letters, digits, '-', '_' and '/'"
            }
        }
        if text.hasPrefix("/") || text.hasSuffix("/") || text.containsBytes("//") {
            return "job id '\(text)' has an empty path segment"
        }
        return nil
    }

    /// The id a rejected name would most likely have meant: `Weekly Report` -> `weekly-report`.
    public static func suggestion(for text: String) -> String {
        var result = ""
        for character in text.lowercased() {
            if character.isLetter && character.isASCII || character.isNumber && character.isASCII || "-_/".contains(character) {
                result.append(character)
            } else if !result.hasSuffix("-") {
                result.append("-")
            }
        }
        return result.trimmingCharacters(in: ["-"])
    }
}

extension String {
    func trimmingCharacters(in set: Set<Character>) -> String {
        var slice = Substring(self)
        while let first = slice.first, set.contains(first) { slice.removeFirst() }
        while let last = slice.last, set.contains(last) { slice.removeLast() }
        return String(slice)
    }
}
