/// Checks that need every job of a root at once: `needs` naming unknown jobs, and dependency cycles.
/// They run over every file that has an id, valid or not, so one broken file does not hide them.
enum CrossFileChecks {
    /// - Parameters:
    ///   - needs: each job's file and the `needs` it wrote.
    ///   - needsLocations: where each job wrote each of its `needs` entries.
    static func check(needs: [JobID: (file: String, needs: [JobID])], needsLocations: [JobID: [JobID: SourceLocation]]) -> [Diagnostic] {
        var diagnostics: [Diagnostic] = []
        func location(_ id: JobID, _ need: JobID) -> SourceLocation {
            needsLocations[id]?[need] ?? SourceLocation(file: needs[id]?.file ?? "", line: 1, column: 1)
        }
        let ids = needs.keys.sorted()
        for id in ids {
            for need in needs[id]!.needs where needs[need] == nil {
                let hint = Suggestion.didYouMean(need.rawValue, among: ids.map(\.rawValue))
                diagnostics.append(Diagnostic(.error, "'needs': unknown job '\(need)'\(hint)", at: location(id, need)))
            }
        }
        // Cycles: an iterative depth-first search in id order, so the reported cycle is stable.
        var state: [JobID: Int] = [:]  // 1 on the current path, 2 finished
        var reported = Set<Set<JobID>>()
        for start in ids where state[start] == nil {
            var path: [JobID] = [start]
            var nextChild: [Int] = [0]
            state[start] = 1
            while let id = path.last {
                let children = needs[id]?.needs ?? []
                let index = nextChild[nextChild.count - 1]
                guard index < children.count else {
                    state[id] = 2
                    path.removeLast()
                    nextChild.removeLast()
                    continue
                }
                nextChild[nextChild.count - 1] += 1
                let need = children[index]
                guard needs[need] != nil else { continue }
                if state[need] == 1 {
                    let cycle = Array(path[path.firstIndex(of: need)!...])
                    if reported.insert(Set(cycle)).inserted {
                        let text = (cycle + [need]).map(\.rawValue).joined(separator: " -> ")
                        diagnostics.append(Diagnostic(.error, "'needs' makes a dependency cycle: \(text)", at: location(id, need)))
                    }
                } else if state[need] == nil {
                    state[need] = 1
                    path.append(need)
                    nextChild.append(0)
                }
            }
        }
        return diagnostics
    }
}
