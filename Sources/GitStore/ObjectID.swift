internal import CGit2

/// The SHA-1 name of a git object (commit, tree or blob), as 40 lower-case hex digits.
///
/// ```swift
/// let head = try repository.resolveCommit("HEAD")
/// print(head.short)   // "3f2a9c1"
/// ```
public struct ObjectID: Sendable, Hashable, Comparable, Codable, CustomStringConvertible {
    /// The full 40-digit lower-case hex name.
    public let hex: String

    /// Parses a full hex object name; `nil` unless it is exactly 40 hex digits (any case).
    public init?(hex: String) {
        let lower = hex.lowercased()
        guard lower.utf8.count == 40,
              lower.utf8.allSatisfy({ (UInt8(ascii: "0")...UInt8(ascii: "9")).contains($0)
                  || (UInt8(ascii: "a")...UInt8(ascii: "f")).contains($0) })
        else { return nil }
        self.hex = lower
    }

    /// The first seven hex digits, as `git log --oneline` shows them.
    public var short: String { String(hex.prefix(7)) }

    public var description: String { hex }

    public static func < (lhs: ObjectID, rhs: ObjectID) -> Bool { lhs.hex < rhs.hex }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.singleValueContainer()
        let text = try container.decode(String.self)
        guard let id = ObjectID(hex: text) else {
            throw DecodingError.dataCorruptedError(
                in: container, debugDescription: "'\(text)' is not a 40-digit hex object id")
        }
        self = id
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(hex)
    }
}

extension ObjectID {
    init(_ oid: UnsafePointer<git_oid>) {
        hex = String(cString: git_oid_tostr_s(oid))
    }

    init(_ oid: git_oid) {
        var copy = oid
        self.init(&copy)
    }

    /// The libgit2 form. `hex` was validated on the way in, so parsing cannot fail.
    var oid: git_oid {
        var oid = git_oid()
        _ = git_oid_fromstr(&oid, hex)
        return oid
    }

    /// `nil` for the all-zero id that libgit2 uses for "no object" (e.g. a reflog's creation entry).
    static func nonZero(_ oid: UnsafePointer<git_oid>) -> ObjectID? {
        git_oid_is_zero(oid) == 1 ? nil : ObjectID(oid)
    }
}
