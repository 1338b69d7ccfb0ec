/// What a token may do: `read` < `run` < `admin`; each includes the ones before it.
///
/// - `read`: list and read jobs, runs, logs, fire times, metrics.
/// - `run`: also trigger runs, post events, cancel runs.
/// - `admin`: everything (no endpoint needs more than `run` today).
public enum Scope: String, Sendable, Codable, CaseIterable, Comparable {
    case read, run, admin

    public static func < (a: Scope, b: Scope) -> Bool {
        allCases.firstIndex(of: a)! < allCases.firstIndex(of: b)!
    }
}
