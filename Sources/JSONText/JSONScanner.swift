#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// The one JSON reader of jobctl (RFC 8259, strict): a cursor over UTF-8 bytes. History lines
/// are decoded through it field by field (strings located without allocating, materialised only
/// when asked for), and request bodies and events become `Value`s through it.
///
/// Strict where JSON is: numbers follow the grammar (no leading zeros, digits after `.` and in
/// an exponent), strings must be valid UTF-8 with valid escapes, and a `\u` escape of a lone
/// UTF-16 surrogate is refused. Nesting is limited by the callers, so hostile input cannot
/// exhaust the stack.
///
/// ```swift
/// var bytes = Array(#"{"a": [1, "x"]}"#.utf8)
/// bytes.withUnsafeBufferPointer { buffer in
///     var s = JSONScanner(buffer)
///     _ = s.consume(UInt8(ascii: "{"))   // true
///     let key = s.span()                 // the span of `a`
/// }
/// ```
public struct JSONScanner {
    /// A string value's content between its quotes.
    public struct Span: Sendable {
        public var start: Int
        public var end: Int
        public var escaped: Bool

        @inlinable
        public init(start: Int, end: Int, escaped: Bool) {
            self.start = start
            self.end = end
            self.escaped = escaped
        }
    }

    /// A number as written: an integer when it has no fraction or exponent and fits 64 bits.
    public enum Number: Sendable, Equatable {
        case integer(Int64)
        case double(Double)

        public var doubleValue: Double {
            switch self {
            case .integer(let value): Double(value)
            case .double(let value): value
            }
        }
    }

    public let bytes: UnsafeBufferPointer<UInt8>
    public var index = 0

    public init(_ bytes: UnsafeBufferPointer<UInt8>) {
        self.bytes = bytes
    }

    @inlinable
    public var atEnd: Bool { index >= bytes.count }

    @inlinable
    public var current: UInt8 { index < bytes.count ? bytes[index] : 0 }

    @inlinable
    public mutating func skipSpace() {
        while index < bytes.count {
            let c = bytes[index]
            guard c == 0x20 || c == 0x09 || c == 0x0A || c == 0x0D else { return }
            index += 1
        }
    }

    /// Skips space, then consumes `c` if it is next.
    @inlinable
    public mutating func consume(_ c: UInt8) -> Bool {
        skipSpace()
        guard index < bytes.count, bytes[index] == c else { return false }
        index += 1
        return true
    }

    /// A string at the cursor (after space), or nil when there is none or it is malformed.
    @inlinable
    public mutating func span() -> Span? {
        skipSpace()
        guard index < bytes.count, bytes[index] == UInt8(ascii: "\"") else { return nil }
        index += 1
        let start = index
        var escaped = false
        while index < bytes.count {
            let c = bytes[index]
            if c == UInt8(ascii: "\"") {
                index += 1
                return Span(start: start, end: index - 1, escaped: escaped)
            } else if c == UInt8(ascii: "\\") {
                escaped = true
                index += 2
            } else if c < 0x20 {
                return nil
            } else {
                index += 1
            }
        }
        return nil
    }

    /// Whether a span's raw bytes are exactly `text` (no escapes in either).
    @inlinable @inline(__always)
    public func equals(_ span: Span, _ text: StaticString) -> Bool {
        guard !span.escaped, span.end - span.start == text.utf8CodeUnitCount else { return false }
        // Keys are short: a loop beats a call to memcmp.
        let expected = text.utf8Start, actual = bytes.baseAddress! + span.start
        for i in 0..<text.utf8CodeUnitCount where actual[i] != expected[i] { return false }
        return true
    }

    /// The decoded text of a span, or nil when it is not valid UTF-8 or an escape is malformed
    /// (a lone UTF-16 surrogate included).
    public func string(_ span: Span) -> String? {
        let raw = UnsafeBufferPointer(rebasing: bytes[span.start..<span.end])
        guard span.escaped else { return String(validating: raw, as: UTF8.self) }
        var out: [UInt8] = []
        out.reserveCapacity(raw.count)
        var i = 0
        while i < raw.count {
            let c = raw[i]
            guard c == UInt8(ascii: "\\") else {
                out.append(c)
                i += 1
                continue
            }
            guard i + 1 < raw.count else { return nil }
            let e = raw[i + 1]
            i += 2
            switch e {
            case UInt8(ascii: "\""), UInt8(ascii: "\\"), UInt8(ascii: "/"): out.append(e)
            case UInt8(ascii: "n"): out.append(0x0A)
            case UInt8(ascii: "r"): out.append(0x0D)
            case UInt8(ascii: "t"): out.append(0x09)
            case UInt8(ascii: "b"): out.append(0x08)
            case UInt8(ascii: "f"): out.append(0x0C)
            case UInt8(ascii: "u"):
                guard var scalar = Self.hex4(raw, i) else { return nil }
                i += 4
                if (0xD800..<0xDC00).contains(scalar) {
                    guard i + 6 <= raw.count, raw[i] == UInt8(ascii: "\\"), raw[i + 1] == UInt8(ascii: "u"),
                          let low = Self.hex4(raw, i + 2), (0xDC00..<0xE000).contains(low) else { return nil }
                    scalar = 0x10000 + ((scalar - 0xD800) << 10) + (low - 0xDC00)
                    i += 6
                }
                guard let unicode = Unicode.Scalar(scalar) else { return nil }
                out.append(contentsOf: String(Character(unicode)).utf8)
            default:
                return nil
            }
        }
        return String(validating: out, as: UTF8.self)
    }

    private static func hex4(_ raw: UnsafeBufferPointer<UInt8>, _ at: Int) -> UInt32? {
        guard at + 4 <= raw.count else { return nil }
        var value: UInt32 = 0
        for k in at..<(at + 4) {
            let c = raw[k]
            let digit: UInt32
            switch c {
            case 48...57: digit = UInt32(c - 48)
            case 65...70: digit = UInt32(c - 55)
            case 97...102: digit = UInt32(c - 87)
            default: return nil
            }
            value = value << 4 | digit
        }
        return value
    }

    /// An integer (a number without fraction or exponent, in 64 bits) at the cursor.
    public mutating func integer() -> Int64? {
        guard case .integer(let value)? = number() else { return nil }
        return value
    }

    /// A number at the cursor, by the JSON grammar: `-`? (`0` | [1-9][0-9]*) (`.` [0-9]+)?
    /// ([eE] [+-]? [0-9]+)?; nil (with the cursor anywhere) when it does not follow it or is out
    /// of range.
    public mutating func number() -> Number? {
        guard let (start, isInteger) = scanNumber() else { return nil }
        let raw = UnsafeBufferPointer(rebasing: bytes[start..<index])
        if isInteger, let value = Self.integerValue(raw) { return .integer(value) }
        let text = String(decoding: raw, as: UTF8.self)
        if isInteger, let value = Int64(text) { return .integer(value) }
        guard let value = Double(text), value.isFinite else { return nil }
        return .double(value)
    }

    /// Moves the cursor over a number by the JSON grammar; its first byte and whether it has
    /// neither fraction nor exponent, or nil when it does not follow the grammar.
    private mutating func scanNumber() -> (start: Int, isInteger: Bool)? {
        skipSpace()
        let start = index
        if current == UInt8(ascii: "-") { index += 1 }
        func digits() -> Int {
            let from = index
            while index < bytes.count, bytes[index] >= 48, bytes[index] <= 57 { index += 1 }
            return index - from
        }
        if current == UInt8(ascii: "0") {
            index += 1
        } else if digits() == 0 {
            return nil
        }
        var isInteger = true
        if current == UInt8(ascii: ".") {
            index += 1
            guard digits() > 0 else { return nil }
            isInteger = false
        }
        if current == UInt8(ascii: "e") || current == UInt8(ascii: "E") {
            index += 1
            if current == UInt8(ascii: "+") || current == UInt8(ascii: "-") { index += 1 }
            guard digits() > 0 else { return nil }
            isInteger = false
        }
        return (start, isInteger)
    }

    /// An integer's value straight from its digits (no `String` on the way: history scans read
    /// millions); nil when it has more than 18 digits, left to `Int64(String)` to range-check.
    private static func integerValue(_ raw: UnsafeBufferPointer<UInt8>) -> Int64? {
        var i = 0
        let negative = raw.first == UInt8(ascii: "-")
        if negative { i = 1 }
        guard raw.count - i <= 18 else { return nil }
        var value: Int64 = 0
        while i < raw.count {
            value = value * 10 + Int64(raw[i] &- 48)
            i += 1
        }
        return negative ? -value : value
    }

    /// `true`, `false`, `null` at the cursor.
    public mutating func literal(_ word: StaticString) -> Bool {
        skipSpace()
        let count = word.utf8CodeUnitCount
        guard index + count <= bytes.count, memcmp(bytes.baseAddress! + index, word.utf8Start, count) == 0 else { return false }
        index += count
        return true
    }

    /// Skips any value; false when it is malformed or nested deeper than 32.
    public mutating func skipValue(depth: Int = 0) -> Bool {
        guard depth < 32 else { return false }
        skipSpace()
        switch current {
        case UInt8(ascii: "\""):
            return span() != nil
        case UInt8(ascii: "{"):
            index += 1
            if consume(UInt8(ascii: "}")) { return true }
            repeat {
                guard span() != nil, consume(UInt8(ascii: ":")), skipValue(depth: depth + 1) else { return false }
            } while consume(UInt8(ascii: ","))
            return consume(UInt8(ascii: "}"))
        case UInt8(ascii: "["):
            index += 1
            if consume(UInt8(ascii: "]")) { return true }
            repeat {
                guard skipValue(depth: depth + 1) else { return false }
            } while consume(UInt8(ascii: ","))
            return consume(UInt8(ascii: "]"))
        case UInt8(ascii: "t"): return literal("true")
        case UInt8(ascii: "f"): return literal("false")
        case UInt8(ascii: "n"): return literal("null")
        default: return skipNumber()
        }
    }

    /// Skips a number without keeping it.
    /// Accepts and refuses exactly what ``number()`` does (a fraction or exponent out of range
    /// is refused); a short integer without building its value.
    public mutating func skipNumber() -> Bool {
        let saved = index
        guard let (start, isInteger) = scanNumber() else { return false }
        if isInteger, index - start <= 18 { return true }
        index = saved
        return number() != nil
    }

    /// Whether a span's raw bytes are exactly `text` (an enum raw value; never escaped).
    public func equalsRaw(_ span: Span, _ text: String) -> Bool {
        guard !span.escaped else { return false }
        var text = text
        return text.withUTF8 { t in
            t.count == span.end - span.start && memcmp(bytes.baseAddress! + span.start, t.baseAddress!, t.count) == 0
        }
    }
}
