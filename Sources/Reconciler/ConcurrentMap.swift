import Dispatch

/// Maps an array on every core, keeping order: parsing job files is CPU-bound.
enum ConcurrentMap {
    static func map<Element: Sendable, Result: Sendable>(_ items: [Element], _ transform: @Sendable (Element) -> Result) -> [Result] {
        guard items.count > 32 else { return items.map(transform) }
        let slots = Slots<Result>(count: items.count)
        let chunks = min(max(items.count / 16, 1), 64)
        DispatchQueue.concurrentPerform(iterations: chunks) { chunk in
            for index in (items.count * chunk / chunks)..<(items.count * (chunk + 1) / chunks) {
                slots.set(index, transform(items[index]))
            }
        }
        return slots.values()
    }
}

/// Each slot is written by exactly one iteration and read only after all of them finished.
private final class Slots<Result>: @unchecked Sendable {
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

    func set(_ index: Int, _ value: Result) { storage[index] = value }

    func values() -> [Result] { (0..<count).map { storage[$0]! } }
}
