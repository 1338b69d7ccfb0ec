public import Foundation
import Locks

/// Run ids: `20261122T081500.123Z-7k2m9q4x`, the run's start time in UTC to the millisecond and
/// eight random characters (Crockford base 32, lower case; 40 bits).
///
/// Ids are fixed-width, so sorting them as strings sorts runs by start time. Within one process
/// ids are strictly increasing: a second id in the same millisecond (or after the clock stepped
/// back) reuses the last time and increments the random part, as ULID's monotonic mode does.
/// They are safe in file names and URLs.
public final class RunIDGenerator: Sendable {
    private let last = Locked<(ms: Int64, random: UInt64)>((Int64.min, 0))

    public init() {}

    /// A new id for a run starting at `startedAt`.
    public func next(at startedAt: Date) -> String {
        let (ms, random) = last.withLock { state -> (Int64, UInt64) in
            let now = RecordTime.milliseconds(startedAt)
            if now > state.ms {
                state = (now, UInt64.random(in: 0..<(1 << 40)))
            } else if state.random + 1 < (1 << 40) {
                state.random += 1
            } else {
                state = (state.ms + 1, UInt64.random(in: 0..<(1 << 39)))
            }
            return state
        }
        return RunID.make(milliseconds: ms, random: random)
    }
}

public enum RunID {
    static let alphabet = Array("0123456789abcdefghjkmnpqrstvwxyz".utf8)

    static func make(milliseconds: Int64, random: UInt64) -> String {
        var bytes: [UInt8] = []
        bytes.reserveCapacity(29)
        RecordTime.appendCompact(milliseconds, to: &bytes)
        bytes.append(UInt8(ascii: "-"))
        for shift in stride(from: 35, through: 0, by: -5) {
            bytes.append(alphabet[Int((random >> UInt64(shift)) & 31)])
        }
        return String(decoding: bytes, as: UTF8.self)
    }

    /// The start time an id of this format carries, or nil for any other text.
    public static func startTime(of id: String) -> Date? {
        // 20261122T081500.123Z-...
        let bytes = Array(id.utf8)
        guard bytes.count >= 20, bytes[8] == UInt8(ascii: "T"), bytes[15] == UInt8(ascii: "."), bytes[19] == UInt8(ascii: "Z") else { return nil }
        func field(_ start: Int, _ count: Int) -> String { String(decoding: bytes[start..<(start + count)], as: UTF8.self) }
        let text = "\(field(0, 4))-\(field(4, 2))-\(field(6, 2))T\(field(9, 2)):\(field(11, 2)):\(field(13, 2)).\(field(16, 3))Z"
        return RecordTime.parse(text)
    }

    /// Whether `id` can name a run: 1-100 characters of letters, digits, `.`, `_`, `-`, not
    /// starting with a dot (it becomes a file name: `<run>.log`, `<run>.json`).
    public static func isValid(_ id: String) -> Bool {
        let bytes = Array(id.utf8)
        guard (1...100).contains(bytes.count), bytes[0] != UInt8(ascii: ".") else { return false }
        return bytes.allSatisfy { c in
            (c >= 48 && c <= 57) || (c >= 65 && c <= 90) || (c >= 97 && c <= 122) || c == UInt8(ascii: ".") || c == UInt8(ascii: "_") || c == UInt8(ascii: "-")
        }
    }
}
