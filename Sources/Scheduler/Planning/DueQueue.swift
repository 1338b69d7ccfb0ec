public import Foundation
public import Definitions

/// One scheduled fire waiting in the queue: the job, its nominal time (the idempotence key) and
/// when it should start (nominal time plus jitter).
public struct DueFire: Sendable, Hashable {
    public var job: JobID
    public var scheduledFor: Date
    public var runAt: Date

    public init(job: JobID, scheduledFor: Date, runAt: Date) {
        self.job = job
        self.scheduledFor = scheduledFor
        self.runAt = runAt
    }
}

/// A min-heap of fires ordered by `runAt`, with at most one entry per job (the job's next fire).
/// Replacing a job's entry (after an apply) is O(log n) via lazy deletion.
public struct DueQueue: Sendable {
    private var heap: [DueFire] = []
    private var current: [JobID: DueFire] = [:]

    public init() {}

    public var count: Int { current.count }
    public var isEmpty: Bool { current.isEmpty }

    /// The fire queued for `job`, if any.
    public func fire(for job: JobID) -> DueFire? { current[job] }

    /// Queues `fire` as its job's next fire, replacing any earlier entry for the job.
    public mutating func schedule(_ fire: DueFire) {
        current[fire.job] = fire
        push(fire)
    }

    public mutating func remove(_ job: JobID) {
        current[job] = nil
        compactIfSparse()
    }

    /// The earliest live fire, without removing it.
    public mutating func peek() -> DueFire? {
        dropStale()
        return heap.first
    }

    /// Removes and returns every fire whose `runAt` is at or before `now`, earliest first.
    public mutating func popDue(at now: Date) -> [DueFire] {
        var due: [DueFire] = []
        while let first = peek(), first.runAt <= now {
            popFirst()
            current[first.job] = nil
            due.append(first)
        }
        return due
    }

    private mutating func dropStale() {
        while let first = heap.first, current[first.job] != first {
            popFirst()
        }
    }

    private mutating func compactIfSparse() {
        if heap.count > 64 && heap.count > current.count * 4 {
            heap = []
            for fire in current.values { push(fire) }
        }
    }

    private mutating func push(_ fire: DueFire) {
        heap.append(fire)
        var child = heap.count - 1
        while child > 0 {
            let parent = (child - 1) / 2
            guard Self.before(heap[child], heap[parent]) else { break }
            heap.swapAt(child, parent)
            child = parent
        }
    }

    private mutating func popFirst() {
        heap.swapAt(0, heap.count - 1)
        heap.removeLast()
        var parent = 0
        while true {
            let left = 2 * parent + 1, right = left + 1
            var smallest = parent
            if left < heap.count, Self.before(heap[left], heap[smallest]) { smallest = left }
            if right < heap.count, Self.before(heap[right], heap[smallest]) { smallest = right }
            if smallest == parent { return }
            heap.swapAt(parent, smallest)
            parent = smallest
        }
    }

    private static func before(_ a: DueFire, _ b: DueFire) -> Bool {
        (a.runAt, a.job.rawValue) < (b.runAt, b.job.rawValue)
    }
}
