import Foundation
import Testing
import History
import Scheduler
import TestSupport
@testable import Cluster

/// The commit in force in the cluster, against a real PostgreSQL server: moved only by
/// compare-and-swap, and fencing the claims and starts of a node that does not run it.
@Suite("Cluster applied commit (PostgreSQL)")
struct ClusterAppliedCommitTests {
    let old = String(repeating: "a", count: 40)
    let new = String(repeating: "b", count: 40)

    @Test("The applied commit moves only from the commit expected")
    func compareAndSwap() async throws {
        try await withClusterDatabase { _, database in
            let a = ClusterLedger(database: database, node: "a")
            #expect(try await a.appliedCommit() == nil)
            #expect(try await a.moveAppliedCommit(from: nil, to: old))
            // A second "first" loses, and so does a move from a commit no longer in force.
            #expect(try await a.moveAppliedCommit(from: nil, to: new) == false)
            #expect(try await a.moveAppliedCommit(from: new, to: old) == false)
            #expect(try await a.appliedCommit()?.commit == old)
            // Two nodes moving from the same commit at once: one wins.
            let b = ClusterLedger(database: database, node: "b")
            let wins = try await withThrowingTaskGroup(of: Bool.self) { group in
                for (ledger, target) in [(a, new), (b, String(repeating: "c", count: 40))] {
                    group.addTask { try await ledger.moveAppliedCommit(from: self.old, to: target) }
                }
                return try await group.reduce(0) { $0 + ($1 ? 1 : 0) }
            }
            #expect(wins == 1)
            let applied = try #require(try await a.appliedCommit())
            #expect(applied.version == 2 && applied.commit != old)
        }
    }

    @Test("A node that does not run the commit in force can neither claim nor start, until it runs it")
    func claimsAndStartsAreFenced() async throws {
        try await withClusterDatabase { _, database in
            let a = ClusterLedger(database: database, node: "a")
            try await database.register(node: "a", incarnation: a.incarnation)
            a.running(commit: old)
            #expect(try await a.moveAppliedCommit(from: nil, to: old))
            #expect(try await a.claim(job: "backup", scheduledFor: Date().addingTimeInterval(-3)))

            #expect(try await a.moveAppliedCommit(from: old, to: new))
            let fire = Date().addingTimeInterval(-2)
            await #expect(throws: CommitNotInForce.self) { try await a.claim(job: "backup", scheduledFor: fire) }
            let stale = InFlightRun(run: "r1", job: "backup", trigger: .manual, startedAt: Date(), commit: old, node: "a", owner: ProcessIdentity.current)
            await #expect(throws: CommitNotInForce.self) {
                try await a.admit(job: "backup", startsSince: nil, marker: stale) { _, _ in .start }
            }
            // A run of a definition of its own (rerun --at-commit) is not fenced.
            var pinned = stale
            (pinned.run, pinned.ownDefinition) = ("r2", true)
            #expect(try await a.admit(job: "pinned", startsSince: nil, marker: pinned) { _, _ in .start } == .start)

            // Once the node runs the new commit, the same fire is claimed.
            a.running(commit: new)
            #expect(try await a.claim(job: "backup", scheduledFor: fire))
            var current = stale
            (current.run, current.commit) = ("r3", new)
            #expect(try await a.admit(job: "backup", startsSince: nil, marker: current) { _, _ in .start } == .start)
        }
    }
}
