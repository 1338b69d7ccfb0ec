import Dispatch

/// Maps an array on every core, keeping order. Loading 10,000 files is CPU-bound parsing;
/// the reconciler parses changed blobs with it too, and `history --stats` scans parts of a file.
public enum ParallelMap {
    /// - Parameter itemsPerChunk: how many items are worth a thread of their own; with fewer than
    ///   two chunks' worth the map runs on the calling thread. The default suits small items
    ///   (a job file); pass 1 when each item is large.
    public static func map<Element: Sendable, Result: Sendable>(_ items: [Element], itemsPerChunk: Int = 32,
                                                                _ transform: @Sendable (Element) -> Result) -> [Result] {
        let per = max(1, itemsPerChunk)
        guard items.count >= 2 * per else { return items.map(transform) }
        let results = ResultBuffer<Result>(count: items.count)
        let chunks = min(items.count / per, 64)
        DispatchQueue.concurrentPerform(iterations: chunks) { chunk in
            let lower = items.count * chunk / chunks
            let upper = items.count * (chunk + 1) / chunks
            for index in lower..<upper {
                results.set(index, transform(items[index]))
            }
        }
        return results.values()
    }
}

/// Slots written by exactly one iteration each, read after all iterations finished.
private final class ResultBuffer<Result>: @unchecked Sendable {
    private let storage: UnsafeMutablePointer<Result?>
    private let count: Int

    init(count: Int) {
        self.count = count
        storage = .allocate(capacity: count)
        storage.initialize(repeating: nil, count: count)
    }

    deinit {
        storage.deinitialize(count: count)
        storage.deallocate()
    }

    func set(_ index: Int, _ value: Result) {
        storage[index] = value
    }

    func values() -> [Result] {
        (0..<count).map { storage[$0]! }
    }
}
