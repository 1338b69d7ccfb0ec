import Dispatch

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
    private let queue: DispatchQueue

    public init(label: String) {
        queue = DispatchQueue(label: label)
    }

    /// Runs `body` on the queue, after everything enqueued before it, and returns its result.
    public func run<T: Sendable, E: Error>(_ body: @escaping @Sendable () throws(E) -> T) async throws(E) -> T {
        let result: Result<T, E> = await withCheckedContinuation { continuation in
            queue.async {
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
        queue.async(execute: body)
    }
}
