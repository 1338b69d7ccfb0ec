import Synchronization

/// What was computed from a text (or a rule) once, kept for the next one like it: a repository
/// writes the same few crons, durations and day rules in many files (and Definitions the same
/// templates and conditions). Bounded: when full it is emptied and fills again. Safe from any
/// thread. Only for pure functions of the key.
public final class ParseMemo<Key: Hashable & Sendable, Value: Sendable>: Sendable {
    private let entries = Mutex<[Key: Value]>([:])
    private let limit: Int

    public init(limit: Int = 4_096) {
        self.limit = limit
    }

    /// The value kept for `key`, or `make()`'s, kept from now on.
    public func value(for key: Key, _ make: () -> Value) -> Value {
        if let known = entries.withLock({ $0[key] }) { return known }
        let value = make()
        entries.withLock { entries in
            if entries.count >= limit { entries.removeAll(keepingCapacity: true) }
            entries[key] = value
        }
        return value
    }
}
