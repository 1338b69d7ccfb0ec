public import Foundation

/// Wall-clock time for the scheduler, injected so tests can drive it without sleeping.
///
/// Fire times are instants (`Date`); waiting for one goes through `sleep(until:)`, which a test
/// clock resumes when the test advances time past the deadline.
public protocol SchedulerClock: Sendable {
    func now() -> Date
    /// Returns at or after `deadline`, or early if the task is cancelled.
    /// - Throws: `CancellationError` when the task is cancelled while waiting.
    func sleep(until deadline: Date) async throws
}

/// The real clock. Long waits are taken in slices of at most `maximumSlice`, re-reading the wall
/// clock each time, so a wall-clock jump (NTP, suspend) is noticed within a slice.
public struct SystemClock: SchedulerClock {
    public var maximumSlice: Duration

    public init(maximumSlice: Duration = .seconds(60)) {
        self.maximumSlice = maximumSlice
    }

    public func now() -> Date { Date() }

    public func sleep(until deadline: Date) async throws {
        while true {
            let remaining = deadline.timeIntervalSinceNow
            if remaining <= 0 { return }
            let slice = min(Duration.milliseconds(Int64((remaining * 1000).rounded(.up))), maximumSlice)
            try await ContinuousClock().sleep(for: slice, tolerance: .microseconds(200))
        }
    }
}

/// A clock `offset` seconds off another: a node whose clock is wrong, for fault tests
/// (`serve --clock-offset`, hidden) and for what cluster mode must survive.
public struct OffsetClock: SchedulerClock {
    public var base: any SchedulerClock
    public var offset: TimeInterval

    public init(base: any SchedulerClock = SystemClock(), offset: TimeInterval) {
        self.base = base
        self.offset = offset
    }

    public func now() -> Date { base.now().addingTimeInterval(offset) }

    public func sleep(until deadline: Date) async throws {
        try await base.sleep(until: deadline.addingTimeInterval(-offset))
    }
}
