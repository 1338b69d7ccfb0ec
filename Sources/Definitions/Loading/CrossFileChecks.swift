/// Checks that need every job of a root at once: `needs` naming unknown jobs, and dependency cycles.
enum CrossFileChecks {
    /// - Parameter needsLocations: where each job wrote its `needs` entries, for pointing at them.
    static func check(_ jobs: [JobID: JobDefinition], invalid: Set<JobID>, needsLocations: [JobID: [JobID: SourceLocation]]) -> [Diagnostic] {
        var diagnostics: [Diagnostic] = []
        let known = Set(jobs.keys).union(invalid)
        for id in jobs.keys.sorted() {
            let job = jobs[id]!
            for need in job.needs where !known.contains(need) {
                let location = needsLocations[id]?[need] ?? SourceLocation(file: job.file, line: 1, column: 1)
                let hint = Suggestion.didYouMean(need.rawValue, among: known.map(\.rawValue))
                diagnostics.append(Diagnostic(.error, "'needs': unknown job '\(need)'\(hint)", at: location))
            }
        }
        // Cycles: depth-first search in id order, so the reported cycle is stable.
        var state: [JobID: Int] = [:]  // 1 visiting, 2 done
        var path: [JobID] = []
        var reported = Set<Set<JobID>>()
        func visit(_ id: JobID) {
            state[id] = 1
            path.append(id)
            for need in jobs[id]?.needs ?? [] where jobs[need] != nil {
                if state[need] == 1 {
                    let start = path.firstIndex(of: need)!
                    let cycle = Array(path[start...])
                    if reported.insert(Set(cycle)).inserted {
                        let text = (cycle + [need]).map(\.rawValue).joined(separator: " -> ")
                        let location = needsLocations[id]?[need] ?? SourceLocation(file: jobs[id]!.file, line: 1, column: 1)
                        diagnostics.append(Diagnostic(.error, "'needs' makes a dependency cycle: \(text)", at: location))
                    }
                } else if state[need] == nil {
                    visit(need)
                }
            }
            path.removeLast()
            state[id] = 2
        }
        for id in jobs.keys.sorted() where state[id] == nil {
            visit(id)
        }
        return diagnostics
    }
}
