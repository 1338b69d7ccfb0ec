import Foundation
import PostgresNIO
import Scheduler

/// The commit in force in the cluster (`jobctl_applied`): one row, moved by compare-and-swap.
/// Every node runs it and no other: claims and starts are fenced by it in the database (a node
/// that has not loaded it yet is refused until it has), and each node mirrors it to its own
/// applied ref (``ClusterAppliedSync``).
extension ClusterDatabase {
    func appliedCommit() async throws -> ClusterAppliedCommit? {
        var applied: ClusterAppliedCommit?
        let rows = try await query("SELECT commit, version, node, applied_at FROM jobctl_applied WHERE id = 1")
        for try await (commit, version, node, at) in rows.decode((String, Int64, String, Date).self) {
            applied = ClusterAppliedCommit(commit: commit, version: version, node: node, appliedAt: at)
        }
        return applied
    }

    /// Moves the applied commit from `expected` (nil: none yet) to `commit` for `node`.
    /// - Returns: false when it was no longer `expected` (nothing moved).
    func moveAppliedCommit(from expected: String?, to commit: String, by node: String) async throws -> Bool {
        let rows = if let expected {
            try await query("""
                UPDATE jobctl_applied SET commit = \(commit), version = version + 1, node = \(node), applied_at = now()
                WHERE id = 1 AND commit = \(expected) RETURNING version
                """)
        } else {
            try await query("""
                INSERT INTO jobctl_applied (id, commit, version, node) VALUES (1, \(commit), 1, \(node))
                ON CONFLICT (id) DO NOTHING RETURNING version
                """)
        }
        var moved = false
        for try await _ in rows { moved = true }
        return moved
    }
}
