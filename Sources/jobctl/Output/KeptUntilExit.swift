import Synchronization

/// What a command holds until the process exits, so that it is not freed piece by piece just
/// before the operating system takes the whole address space back: freeing 10,000 job
/// definitions one by one was 7% of `jobctl validate` (`perf record`).
enum KeptUntilExit {
    private static let values = Mutex<[any Sendable]>([])

    static func keep(_ value: some Sendable) {
        values.withLock { $0.append(value) }
    }
}
