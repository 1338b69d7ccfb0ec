import Foundation
import Testing
@testable import Cluster

/// A statement that never answers (PostgresNIO on a connection the server closed) is given up at
/// its deadline instead of holding the node for ever.
@Suite("Deadline")
struct DeadlineTests {
    @Test func workThatNeverAnswersIsGivenUpAtItsDeadline() async throws {
        let error = await #expect(throws: ClusterError.self) {
            // Work that ignores cancellation and never returns.
            _ = try await Deadline.run(.milliseconds(20), what: "the test's database") { () async throws -> Int in
                await withCheckedContinuation { (_: CheckedContinuation<Void, Never>) in }
                return 0
            }
        }
        #expect(error?.message == "the test's database did not answer within 0.02 s")
    }

    @Test func anAnswerOrAnErrorIsPassedOn() async throws {
        #expect(try await Deadline.run(.seconds(600), what: "x") { 42 } == 42)
        await #expect(throws: CancellationError.self) {
            try await Deadline.run(.seconds(600), what: "x") { () async throws -> Int in throw CancellationError() }
        }
    }
}
