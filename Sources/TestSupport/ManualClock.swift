public import Foundation
import Synchronization

/// A clock that moves only when the test says so: `sleep(until:)` returns when `advance` passes
/// the deadline (or throws `CancellationError` when the sleeping task is cancelled). Nothing in a
/// test using it waits on real time.
///
/// It is a wall clock (`now() -> Date`, `sleep(until: Date)`, what the scheduler's
/// `SchedulerClock` asks for; SchedulerTests declare that conformance), and `asClock` is the same
/// time line as a Swift `Clock` (what step and job timeouts are measured on).
///
/// ```swift
/// let clock = ManualClock(Date(timeIntervalSince1970: 0))
/// let task = Task { try await clock.sleep(for: .seconds(60)) }
/// clock.advance(by: 60)   // task returns
/// ```
public final class ManualClock: Sendable {
    /// This clock as a Swift `Clock`: its instants are the manual clock's dates.
    public struct Elapsed: Clock {
        public struct Instant: InstantProtocol {
            public var date: Date
            public func advanced(by duration: Duration) -> Instant { Instant(date: date.addingTimeInterval(duration.seconds)) }
            public func duration(to other: Instant) -> Duration { .seconds(other.date.timeIntervalSince(date)) }
            public static func < (lhs: Instant, rhs: Instant) -> Bool { lhs.date < rhs.date }
        }

        let base: ManualClock
        public var now: Instant { Instant(date: base.now()) }
        public var minimumResolution: Duration { .zero }

        public func sleep(until deadline: Instant, tolerance: Duration?) async throws {
            try await base.sleep(until: deadline.date)
        }
    }

    public var asClock: Elapsed { Elapsed(base: self) }

    private struct Sleeper {
        var id: Int
        var deadline: Date
        var continuation: CheckedContinuation<Void, any Error>
    }

    private struct State {
        var now: Date
        var sleepers: [Sleeper] = []
        var cancelled: Set<Int> = []
        var nextID = 0
    }

    private let state: Mutex<State>

    public init(_ start: Date = Date(timeIntervalSince1970: 1_780_000_000)) {
        state = Mutex(State(now: start))
    }

    public func now() -> Date { state.withLock { $0.now } }

    /// How many tasks are waiting on the clock.
    public var sleeperCount: Int { state.withLock { $0.sleepers.count } }

    public func sleep(until deadline: Date) async throws {
        let id = state.withLock { state -> Int in
            state.nextID += 1
            return state.nextID
        }
        try await withTaskCancellationHandler {
            try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<Void, any Error>) in
                let resume: Result<Void, any Error>? = state.withLock { state in
                    if state.cancelled.contains(id) || Task.isCancelled { return .failure(CancellationError()) }
                    if deadline <= state.now { return .success(()) }
                    state.sleepers.append(Sleeper(id: id, deadline: deadline, continuation: continuation))
                    return nil
                }
                if let resume { continuation.resume(with: resume) }
            }
        } onCancel: {
            let sleeper = state.withLock { state -> Sleeper? in
                state.cancelled.insert(id)
                guard let index = state.sleepers.firstIndex(where: { $0.id == id }) else { return nil }
                return state.sleepers.remove(at: index)
            }
            sleeper?.continuation.resume(throwing: CancellationError())
        }
    }

    /// Moves time forward to `date` (never back), waking every sleeper whose deadline has passed.
    public func advance(to date: Date) {
        let due = state.withLock { state -> [Sleeper] in
            state.now = max(state.now, date)
            let now = state.now
            let due = state.sleepers.filter { $0.deadline <= now }
            state.sleepers.removeAll { $0.deadline <= now }
            return due
        }
        for sleeper in due { sleeper.continuation.resume() }
    }

    public func advance(by seconds: TimeInterval) {
        advance(to: now().addingTimeInterval(seconds))
    }

    public func advance(by duration: Duration) {
        advance(by: duration.seconds)
    }
}
