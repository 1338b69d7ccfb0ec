public import Foundation
public import Definitions
public import Schedules

/// What to do about the fires a job missed while jobctl was not running (DESIGN.md §3 "Catch-up").
///
/// The fires in `(lastFire, now]` are counted exactly, however many there are; those the policy
/// runs are returned in order, and the rest become a single `missed` summary — never dropped silently.
public struct CatchupPlan: Sendable, Equatable {
    /// Fires to run now, oldest first (trigger `catchup`).
    public var run: [FireTime]
    /// The fires not run, as one summary; nil when none were missed.
    public var missed: MissedFires?
    /// The first fire after `now`: where normal scheduling resumes.
    public var next: FireTime?
}

public struct MissedFires: Sendable, Equatable {
    public var count: Int
    public var first: Date
    public var last: Date

    public init(count: Int, first: Date, last: Date) {
        self.count = count
        self.first = first
        self.last = last
    }
}

public enum CatchupPlanner {
    /// - Parameters:
    ///   - lastFire: the last fire recorded for the job (any final record with a scheduled time),
    ///     or the time it was applied when it never fired.
    public static func plan(schedule: JobSchedule, policy: CatchupPolicy, window: JobDuration, lastFire: Date, now: Date) -> CatchupPlan {
        let windowStart = now.addingTimeInterval(-window.seconds)
        var count = 0
        var first: Date?
        var last: FireTime?
        var beforeLast: Date?
        var lastBeforeWindow: Date?
        var inWindow: [FireTime] = []
        var cursor = lastFire
        var next: FireTime?
        while let fire = schedule.nextFire(after: cursor) {
            if fire.scheduledFor > now {
                next = fire
                break
            }
            count += 1
            if first == nil { first = fire.scheduledFor }
            beforeLast = last?.scheduledFor
            last = fire
            if fire.scheduledFor < windowStart {
                lastBeforeWindow = fire.scheduledFor
            } else if policy == .all {
                inWindow.append(fire)
            }
            cursor = fire.scheduledFor
        }
        guard let first, let last else { return CatchupPlan(run: [], missed: nil, next: next) }
        switch policy {
        case .none:
            return CatchupPlan(run: [], missed: MissedFires(count: count, first: first, last: last.scheduledFor), next: next)
        case .latest:
            guard last.scheduledFor >= windowStart else {
                return CatchupPlan(run: [], missed: MissedFires(count: count, first: first, last: last.scheduledFor), next: next)
            }
            let missed = beforeLast.map { MissedFires(count: count - 1, first: first, last: $0) }
            return CatchupPlan(run: [last], missed: missed, next: next)
        case .all:
            let missed = lastBeforeWindow.map { MissedFires(count: count - inWindow.count, first: first, last: $0) }
            return CatchupPlan(run: inWindow, missed: missed, next: next)
        }
    }
}
