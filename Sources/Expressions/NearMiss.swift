import Diagnostics

/// "Did you mean" suggestions: the closest known name to a misspelt one.
enum NearMiss {
    /// The best candidate for `name`: an exact match ignoring case, then the smallest edit
    /// distance within a budget that grows with the name's length, then a candidate that
    /// the name starts (`len` → `length`) or that starts the name (`lowercase` → `lower`).
    static func best(for name: String, among candidates: [String]) -> String? {
        let lowered = name.lowercased()
        if let exact = candidates.first(where: { $0.lowercased() == lowered }) { return exact }
        let budget = lowered.count <= 3 ? 1 : (lowered.count <= 6 ? 2 : 3)
        var best: (candidate: String, distance: Int)?
        for candidate in candidates {
            let distance = EditDistance.between(lowered, candidate.lowercased())
            if distance <= budget, best == nil || distance < best!.distance {
                best = (candidate, distance)
            }
        }
        if let best { return best.candidate }
        if lowered.count >= 3, let longer = candidates.first(where: { $0.lowercased().hasPrefix(lowered) }) {
            return longer
        }
        return candidates.first { $0.count >= 3 && lowered.hasPrefix($0.lowercased()) }
    }
}
