public import Foundation

/// Who made a commit or moved a reference, and when (with the zone offset they recorded).
public struct Signature: Sendable, Hashable {
    public let name: String
    public let email: String
    public let date: Date
    /// The author's or committer's offset from UTC, in minutes (`+0200` is 120).
    public let timeZoneOffsetMinutes: Int

    public init(name: String, email: String, date: Date, timeZoneOffsetMinutes: Int) {
        self.name = name
        self.email = email
        self.date = date
        self.timeZoneOffsetMinutes = timeZoneOffsetMinutes
    }
}
