import Foundation
import Locks

/// Refuses a webhook delivery seen before: a GitHub-style delivery id (`X-GitHub-Delivery`) per
/// job, or a jobctl-scheme signature within its timestamp window. Kept in memory: the newest
/// ``capacity`` ids per kind (a restart forgets them; jobctl-scheme deliveries stay bounded by
/// their 5-minute window anyway).
final class WebhookReplayGuard: Sendable {
    static let capacity = 10_000
    private let seen = Locked<(keys: Set<String>, order: [String])>(([], []))

    /// True the first time `key` is offered, false for a replay.
    func firstDelivery(_ key: String) -> Bool {
        seen.withLock { state in
            guard state.keys.insert(key).inserted else { return false }
            state.order.append(key)
            if state.order.count > Self.capacity {
                let dropped = state.order.removeFirst(state.order.count - Self.capacity / 2)
                for old in dropped { state.keys.remove(old) }
            }
            return true
        }
    }
}

extension Array {
    /// Removes and returns the first `count` elements.
    fileprivate mutating func removeFirst(_ count: Int) -> [Element] {
        let head = Array(prefix(count))
        removeSubrange(0..<Swift.min(count, self.count))
        return head
    }
}
