public import Foundation
import Locks

/// The scheduler's one way to wait: sleep on the clock until a deadline, or until something rings
/// (a new apply, a finished run, a retry to schedule), or until the task is cancelled — whichever
/// comes first. A ring while nobody sleeps is kept, so the next sleep returns at once and no
/// wake-up is ever lost.
///
/// ```swift
/// let alarm = Alarm(clock: clock)
/// Task { await alarm.sleep(until: nextFire) }   // returns at nextFire...
/// alarm.ring()                                  // ...or now
/// ```
///
/// Each sleep waits on its own continuation, identified so that the timer of an earlier sleep can
/// never cut a later one short (the busy loop of an earlier version came from a shared stream).
public final class Alarm: Sendable {
    private struct State {
        var sleeper: (id: Int, continuation: CheckedContinuation<Void, Never>)?
        var nextID = 0
        var rang = false
    }

    private let clock: any SchedulerClock
    private let state = Locked(State())

    public init(clock: any SchedulerClock) {
        self.clock = clock
    }

    /// Returns at `deadline` on the clock, on `ring()`, or on cancellation. One sleeper at a time.
    public func sleep(until deadline: Date) async {
        let id: Int? = state.withLock { state in
            if state.rang {
                state.rang = false
                return nil
            }
            state.nextID += 1
            return state.nextID
        }
        guard let id else { return }
        let clock = self.clock
        let timer = Task {
            try? await clock.sleep(until: deadline)
            self.resume(id)
        }
        await withTaskCancellationHandler {
            await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
                let resumeNow = state.withLock { state -> Bool in
                    if state.rang || Task.isCancelled {
                        state.rang = false
                        return true
                    }
                    state.sleeper = (id, continuation)
                    return false
                }
                if resumeNow { continuation.resume() }
            }
        } onCancel: {
            self.resume(id)
        }
        timer.cancel()
    }

    /// Wakes the sleeper now, or the next one to sleep.
    public func ring() {
        let sleeper = state.withLock { state -> CheckedContinuation<Void, Never>? in
            guard let sleeper = state.sleeper else {
                state.rang = true
                return nil
            }
            state.sleeper = nil
            return sleeper.continuation
        }
        sleeper?.resume()
    }

    /// Whether a task is sleeping.
    public var hasSleeper: Bool { state.withLock { $0.sleeper != nil } }

    /// Resumes sleeper `id` if it is still the one waiting.
    private func resume(_ id: Int) {
        let sleeper = state.withLock { state -> CheckedContinuation<Void, Never>? in
            guard let sleeper = state.sleeper, sleeper.id == id else { return nil }
            state.sleeper = nil
            return sleeper.continuation
        }
        sleeper?.resume()
    }
}
