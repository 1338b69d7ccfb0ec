import Foundation
import History
import Locks

/// Runs work that may never answer (a PostgresNIO query on a connection the server closed) with
/// a deadline: the caller gets the result, or a ``ClusterError`` once `limit` has passed. The
/// work runs in a task of its own, cancelled at the deadline or with the caller; if it still
/// never returns, it is left behind rather than holding the caller.
enum Deadline {
    static func run<T: Sendable>(_ limit: Duration, what: String, _ work: @escaping @Sendable () async throws -> T) async throws -> T {
        let waiting = Locked<CheckedContinuation<T, any Error>?>(nil)
        let tasks = Locked<(work: Task<Void, Never>?, timer: Task<Void, any Error>?)>((nil, nil))
        let answer = { @Sendable (result: Result<T, any Error>) in
            let continuation = waiting.withLock { continuation -> CheckedContinuation<T, any Error>? in
                defer { continuation = nil }
                return continuation
            }
            continuation?.resume(with: result)
        }
        return try await withTaskCancellationHandler {
            try await withCheckedThrowingContinuation { continuation in
                waiting.withLock { $0 = continuation }
                let work = Task {
                    let result: Result<T, any Error>
                    do { result = .success(try await work()) } catch { result = .failure(error) }
                    tasks.withLock { $0.timer }?.cancel()
                    answer(result)
                }
                let timer = Task {
                    try await Task.sleep(for: limit)
                    answer(.failure(ClusterError("\(what) did not answer within \(String(format: "%g", limit.seconds)) s")))
                    work.cancel()
                }
                tasks.withLock { $0 = (work, timer) }
            }
        } onCancel: {
            let (work, timer) = tasks.withLock { $0 }
            work?.cancel()
            timer?.cancel()
            answer(.failure(CancellationError()))
        }
    }
}
