public import Foundation
public import Scheduler
import Locks

/// A node's clock in cluster mode: its own clock corrected by the offset to the database's
/// clock, measured at every heartbeat. Fire times are computed on it, so a node whose clock is
/// skewed tries a fire when the database says it is due; the claim itself is decided by the
/// database's clock either way (``ClusterLedger/claim(job:scheduledFor:)``).
public final class ClusterClock: SchedulerClock {
    public let base: any SchedulerClock
    private let offset = Locked<TimeInterval>(0)

    public init(base: any SchedulerClock) {
        self.base = base
    }

    /// Seconds to add to the base clock to read the database's.
    public var databaseOffset: TimeInterval { offset.withLock { $0 } }

    /// Takes a reading: the database said `databaseNow` while the base clock read between
    /// `sent` and `received` (the midpoint is taken as the base clock's reading).
    func observe(databaseNow: Date, sent: Date, received: Date) {
        let local = sent.addingTimeInterval(received.timeIntervalSince(sent) / 2)
        offset.withLock { $0 = databaseNow.timeIntervalSince(local) }
    }

    public func now() -> Date { base.now().addingTimeInterval(databaseOffset) }

    public func sleep(until deadline: Date) async throws {
        try await base.sleep(until: deadline.addingTimeInterval(-databaseOffset))
    }
}
