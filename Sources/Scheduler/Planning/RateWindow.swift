public import Foundation
public import Definitions

/// A sliding-window rate limit: at most `limit.max` starts in any `limit.per`.
public struct RateWindow: Sendable {
    public let limit: RateLimit
    private var starts: [Date] = []

    public init(limit: RateLimit) {
        self.limit = limit
    }

    /// Records a start at `now` if the window allows it.
    /// - Returns: true when the run may start; false when it is rate limited.
    public mutating func admit(at now: Date) -> Bool {
        let horizon = now.addingTimeInterval(-limit.per.seconds)
        starts.removeAll { $0 <= horizon }
        guard starts.count < limit.max else { return false }
        starts.append(now)
        return true
    }

    /// When the next start would be admitted.
    public func nextAdmission(after now: Date) -> Date {
        guard starts.count >= limit.max, let oldest = starts.first else { return now }
        return oldest.addingTimeInterval(limit.per.seconds)
    }
}
