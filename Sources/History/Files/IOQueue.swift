import Dispatch
import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// Blocking file work — writes, `fsync`, `flock`, reading history — on a thread of its own, one
/// item at a time in the order given, so the cooperative pool (two threads on a two-core
/// machine) never waits on a disk, and a timer's task runs while a slow write is in flight.
///
/// ```swift
/// let io = IOQueue(label: "jobctl.runs")
/// let markers = try await io.run { try registry.list() }
/// io.enqueue { try? registry.update(marker) }   // ordered after everything enqueued before
/// ```
public final class IOQueue: Sendable {
    private let queue: DispatchQueue?
    private let worker: LowPriorityWorker?

    /// - Parameter lowPriority: run the work on a thread of its own at the lowest CPU priority
    ///   (nice 19), for work that must never compete with firing and spawning (notification
    ///   attempt lines); otherwise a serial dispatch queue.
    public init(label: String, lowPriority: Bool = false) {
        if lowPriority {
            queue = nil
            worker = LowPriorityWorker(label: label)
        } else {
            queue = DispatchQueue(label: label)
            worker = nil
        }
    }

    private func submit(_ body: @escaping @Sendable () -> Void) {
        if let worker { worker.enqueue(body) } else { queue?.async(execute: body) }
    }

    /// Runs `body` on the queue, after everything enqueued before it, and returns its result.
    public func run<T: Sendable, E: Error>(_ body: @escaping @Sendable () throws(E) -> T) async throws(E) -> T {
        let result: Result<T, E> = await withCheckedContinuation { continuation in
            submit {
                do throws(E) {
                    continuation.resume(returning: .success(try body()))
                } catch {
                    continuation.resume(returning: .failure(error))
                }
            }
        }
        return try result.get()
    }

    /// Queues `body` without waiting for it.
    public func enqueue(_ body: @escaping @Sendable () -> Void) {
        submit(body)
    }
}

/// Runs blocking work that may wait long (a lock another process holds) on a new thread and
/// resumes the caller when it is done, so the wait never holds a thread of the cooperative pool.
/// For the rare slow path only: a thread is created for each call.
public enum DedicatedThread {
    public static func run<T: Sendable, E: Error>(_ work: @escaping @Sendable () throws(E) -> T) async throws(E) -> T {
        let result: Result<T, E> = await withCheckedContinuation { continuation in
            let thread = Thread {
                do throws(E) {
                    continuation.resume(returning: .success(try work()))
                } catch {
                    continuation.resume(returning: .failure(error))
                }
            }
            thread.start()
        }
        return try result.get()
    }
}

/// One thread, niced to 19 once (a thread's priority cannot be raised back without privilege, so
/// it is never shared with other work), that runs what it is given in order.
final class LowPriorityWorker: @unchecked Sendable {
    private let condition = NSCondition()
    private var items: [@Sendable () -> Void] = []

    init(label: String) {
        let thread = Thread { [self] in
            #if os(Linux)
            // On Linux a thread has its own nice value; `who` 0 names the calling thread (setpriority(2), NOTES).
            setpriority(__priority_which_t(PRIO_PROCESS.rawValue), 0, 19)
            #endif
            loop()
        }
        thread.name = label
        thread.start()
    }

    func enqueue(_ item: @escaping @Sendable () -> Void) {
        condition.lock()
        items.append(item)
        condition.signal()
        condition.unlock()
    }

    private func loop() {
        while true {
            condition.lock()
            while items.isEmpty { condition.wait() }
            let item = items.removeFirst()
            condition.unlock()
            item()
        }
    }
}
