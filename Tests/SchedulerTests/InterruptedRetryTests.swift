import Definitions
import Foundation
import History
import Scheduler
import Testing

/// What a cluster node does with the retry of a run interrupted with its node, by the job's
/// retry policy: a pure decision, no database.
@Suite("Retries of interrupted runs (cluster queue)")
struct InterruptedRetryTests {
    let interruptedAt = Date(timeIntervalSince1970: 1_780_000_000)

    func job(_ retries: String) throws -> JobDefinition {
        let yaml = "\(retries)steps:\n  - run: [\"true\"]\n"
        let parsed = DefinitionLoader.loadJob(SourceFile(path: "jobs/j.yaml", bytes: Array(yaml.utf8)), config: RepositoryConfig())
        return try #require(parsed.definition, "\(parsed.diagnostics)")
    }

    func queued(attempt: Int? = nil, hasEvent: Bool = false, ownDefinition: Bool = false) -> QueuedRun {
        let run = InFlightRun(run: "r1", job: "j", trigger: .schedule, status: .running, scheduledFor: interruptedAt.addingTimeInterval(-60),
                              startedAt: interruptedAt.addingTimeInterval(-59), attempt: attempt, params: ["n": .integer(3), "who": .string("ops")],
                              fanout: Fanout(index: 1, of: 2, group: "g"), node: "n1", hasEvent: hasEvent, ownDefinition: ownDefinition)
        return QueuedRun(entry: 7, interrupted: run, queuedAt: interruptedAt)
    }

    @Test func aRunWithRetriesLeftIsRetriedAfterItsBackoffWithItsParametersAndFire() throws {
        let job = try job("retries: {max: 2, backoff: 10s}\n")
        // Attempt 1 interrupted: the first backoff (10 s) counts from the interruption.
        guard case .wait(let until) = InterruptedRetry.disposition(of: queued(), job: job, now: interruptedAt.addingTimeInterval(3)) else {
            Issue.record("expected to wait for the backoff")
            return
        }
        #expect(until == interruptedAt.addingTimeInterval(10))
        guard case .run(let plan) = InterruptedRetry.disposition(of: queued(), job: job, now: until) else {
            Issue.record("expected a retry once the backoff is over")
            return
        }
        #expect(plan.trigger == .retry && plan.attempt == 2 && plan.queueEntry == 7)
        #expect(plan.scheduledFor == interruptedAt.addingTimeInterval(-60))
        #expect(plan.parameters == ["n": .number(3), "who": .string("ops")])
        #expect(plan.fanout == Fanout(index: 1, of: 2, group: "g"))
        #expect(plan.warnings == ["retry of run r1, interrupted when node n1 went silent or restarted"])
        // Attempt 2 interrupted: the backoff doubles.
        guard case .wait(let second) = InterruptedRetry.disposition(of: queued(attempt: 2), job: job, now: interruptedAt) else {
            Issue.record("expected to wait for the second backoff")
            return
        }
        #expect(second == interruptedAt.addingTimeInterval(20))
    }

    @Test func aRunIsNotRetriedWithoutRetriesLeftOrWhatItRanWith() throws {
        let later = interruptedAt.addingTimeInterval(3600)
        func reason(_ queued: QueuedRun, _ job: JobDefinition?) -> String? {
            if case .drop(let reason) = InterruptedRetry.disposition(of: queued, job: job, now: later) { return reason }
            return nil
        }
        #expect(reason(queued(), try job("")) == "the job has no retries")
        #expect(reason(queued(attempt: 3), try job("retries: {max: 2}\n")) == "attempt 3 was the last of 3 (retries.max 2)")
        #expect(reason(queued(), nil) == "job j is no longer applied")
        #expect(reason(queued(hasEvent: true), try job("retries: {max: 2}\n"))?.contains("the event's payload is kept on node n1") == true)
        #expect(reason(queued(ownDefinition: true), try job("retries: {max: 2}\n")) == "it ran a definition other than the applied one")
    }

    @Test func aMarkerSaysWhetherAnEventOrItsOwnDefinitionRanIt() throws {
        let run = InFlightRun(run: "r1", job: "j", trigger: .api, hasEvent: true, ownDefinition: true)
        let decoded = try JSONDecoder().decode(InFlightRun.self, from: JSONEncoder().encode(run))
        #expect(decoded.hasEvent && decoded.ownDefinition)
        let plain = String(decoding: try JSONEncoder().encode(InFlightRun(run: "r2", job: "j", trigger: .api)), as: UTF8.self)
        #expect(!plain.contains("hasEvent") && !plain.contains("ownDefinition"))
    }
}
