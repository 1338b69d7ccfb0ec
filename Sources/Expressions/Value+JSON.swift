public import JSONText

/// A JSON text that is not one valid JSON value, and where (a byte offset).
public struct JSONParseError: Error, Sendable, Equatable, CustomStringConvertible {
    public var offset: Int
    public var message: String
    public var description: String { "\(message) at byte \(offset)" }

    public init(offset: Int, message: String) {
        self.offset = offset
        self.message = message
    }
}

extension Value {
    /// The most a JSON text may nest.
    public static let maximumJSONDepth = 256

    /// Reads one JSON value (whitespace around it allowed) with ``JSONScanner``: request bodies
    /// and event payloads. Numbers become `Double`, as `Value` holds them.
    /// - Throws: ``JSONParseError`` for anything that is not exactly one valid JSON value, or
    ///   nests deeper than ``maximumJSONDepth``.
    public init(parsingJSON bytes: [UInt8]) throws(JSONParseError) {
        let result: Result<Value, JSONParseError> = bytes.withUnsafeBufferPointer { buffer in
            var scanner = JSONScanner(buffer)
            do throws(JSONParseError) {
                let value = try Self.read(&scanner, depth: 0)
                scanner.skipSpace()
                guard scanner.atEnd else { throw JSONParseError(offset: scanner.index, message: "unexpected data after the JSON value") }
                return .success(value)
            } catch {
                return .failure(error)
            }
        }
        self = try result.get()
    }

    private static func read(_ s: inout JSONScanner, depth: Int) throws(JSONParseError) -> Value {
        s.skipSpace()
        let start = s.index
        func fail(_ message: String) -> JSONParseError { JSONParseError(offset: start, message: message) }
        guard !s.atEnd else { throw fail("unexpected end of input") }
        switch s.current {
        case UInt8(ascii: "{"):
            guard depth < maximumJSONDepth else { throw fail("nested more than \(maximumJSONDepth) levels deep") }
            s.index += 1
            var members: [String: Value] = [:]
            if s.consume(UInt8(ascii: "}")) { return .object(members) }
            repeat {
                s.skipSpace()
                let keyStart = s.index
                guard let span = s.span() else { throw JSONParseError(offset: keyStart, message: "expected a string key") }
                guard let key = s.string(span) else { throw JSONParseError(offset: keyStart, message: "a string is not valid (UTF-8, escapes, surrogates)") }
                guard s.consume(UInt8(ascii: ":")) else { throw JSONParseError(offset: s.index, message: "expected ':' after a key") }
                members[key] = try read(&s, depth: depth + 1)
            } while s.consume(UInt8(ascii: ","))
            guard s.consume(UInt8(ascii: "}")) else { throw JSONParseError(offset: s.index, message: "expected ',' or '}' in an object") }
            return .object(members)
        case UInt8(ascii: "["):
            guard depth < maximumJSONDepth else { throw fail("nested more than \(maximumJSONDepth) levels deep") }
            s.index += 1
            var elements: [Value] = []
            if s.consume(UInt8(ascii: "]")) { return .array(elements) }
            repeat {
                elements.append(try read(&s, depth: depth + 1))
            } while s.consume(UInt8(ascii: ","))
            guard s.consume(UInt8(ascii: "]")) else { throw JSONParseError(offset: s.index, message: "expected ',' or ']' in an array") }
            return .array(elements)
        case UInt8(ascii: "\""):
            guard let span = s.span() else { throw fail("a string is not closed, or holds an unescaped control character") }
            guard let text = s.string(span) else { throw fail("a string is not valid (UTF-8, escapes, surrogates)") }
            return .string(text)
        case UInt8(ascii: "t"):
            guard s.literal("true") else { throw fail("invalid literal") }
            return .bool(true)
        case UInt8(ascii: "f"):
            guard s.literal("false") else { throw fail("invalid literal") }
            return .bool(false)
        case UInt8(ascii: "n"):
            guard s.literal("null") else { throw fail("invalid literal") }
            return .null
        case UInt8(ascii: "-"), UInt8(ascii: "0")...UInt8(ascii: "9"):
            guard let number = s.number() else { throw fail("a number does not follow the JSON grammar or is out of range") }
            return .number(number.doubleValue)
        default:
            throw fail("unexpected character '\(Character(Unicode.Scalar(s.current)))'")
        }
    }
}
