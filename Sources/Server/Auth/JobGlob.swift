/// A job-id pattern that limits a token: `reports/*` covers `reports/paid-search` but not
/// `reports/eu/x`; `reports/**` covers both; `?` is one character other than `/`.
public struct JobGlob: Sendable, Hashable, CustomStringConvertible {
    public let pattern: String

    public init(_ pattern: String) {
        self.pattern = pattern
    }

    public var description: String { pattern }

    /// Why `pattern` is not a usable glob, or nil.
    public static func problem(with pattern: String) -> String? {
        if pattern.isEmpty { return "the job glob is empty" }
        for c in pattern.unicodeScalars where !(("a"..."z").contains(c) || ("0"..."9").contains(c) || "-_/*?".unicodeScalars.contains(c)) {
            return "'\(pattern)': a job glob has lower-case letters, digits, '-', '_', '/', '*' and '?' only"
        }
        return nil
    }

    public func matches(_ job: String) -> Bool {
        Self.match(Array(pattern.utf8)[...], Array(job.utf8)[...])
    }

    private static func match(_ p: ArraySlice<UInt8>, _ s: ArraySlice<UInt8>) -> Bool {
        var p = p, s = s
        while let c = p.first {
            if c == UInt8(ascii: "*") {
                let doubled = p.dropFirst().first == UInt8(ascii: "*")
                let rest = p.dropFirst(doubled ? 2 : 1)
                var tail = s
                while true {
                    if match(rest, tail) { return true }
                    guard let next = tail.first, doubled || next != UInt8(ascii: "/") else { return false }
                    tail = tail.dropFirst()
                }
            }
            guard let d = s.first else { return false }
            if c == UInt8(ascii: "?") ? d == UInt8(ascii: "/") : c != d { return false }
            p = p.dropFirst()
            s = s.dropFirst()
        }
        return s.isEmpty
    }
}
