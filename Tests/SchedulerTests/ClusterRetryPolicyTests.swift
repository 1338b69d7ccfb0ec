import Definitions
import Foundation
import History
import Scheduler
import Testing

/// What a cluster node does with a retry it took from the cluster's queue, by the job's retry
/// policy: a pure decision, no database.
@Suite("Retries through the cluster's queue")
struct ClusterRetryPolicyTests {
    let endedAt = Date(timeIntervalSince1970: 1_780_000_000)

    func job(_ retries: String) throws -> JobDefinition {
        let yaml = "\(retries)steps:\n  - run: [\"true\"]\n"
        let parsed = DefinitionLoader.loadJob(SourceFile(path: "jobs/j.yaml", bytes: Array(yaml.utf8)), config: RepositoryConfig())
        return try #require(parsed.definition, "\(parsed.diagnostics)")
    }

    func queued(_ cause: RunStatus = .interrupted, attempt: Int? = nil, fanOut: Bool = true, hasEvent: Bool = false, ownDefinition: Bool = false) -> QueuedRun {
        let run = InFlightRun(run: "r1", job: "j", trigger: .schedule, status: .running, scheduledFor: endedAt.addingTimeInterval(-60),
                              startedAt: endedAt.addingTimeInterval(-59), attempt: attempt, params: ["n": .integer(3), "who": .string("ops")],
                              fanout: fanOut ? Fanout(index: 1, of: 2, group: "g") : nil, node: "n1", hasEvent: hasEvent, ownDefinition: ownDefinition)
        return QueuedRun(entry: 7, run: run, cause: cause, queuedAt: endedAt)
    }

    @Test func aRunWithRetriesLeftIsRetriedAfterItsBackoffWithItsParametersAndFire() throws {
        let job = try job("retries: {max: 2, backoff: 10s}\n")
        // Attempt 1 interrupted: the first backoff (10 s) counts from the interruption.
        guard case .wait(let until) = ClusterRetry.disposition(of: queued(), job: job, now: endedAt.addingTimeInterval(3)) else {
            Issue.record("expected to wait for the backoff")
            return
        }
        #expect(until == endedAt.addingTimeInterval(10))
        guard case .run(let plan) = ClusterRetry.disposition(of: queued(), job: job, now: until) else {
            Issue.record("expected a retry once the backoff is over")
            return
        }
        #expect(plan.trigger == .retry && plan.attempt == 2 && plan.queueEntry == 7)
        #expect(plan.scheduledFor == endedAt.addingTimeInterval(-60))
        #expect(plan.parameters == ["n": .number(3), "who": .string("ops")])
        #expect(plan.fanout == Fanout(index: 1, of: 2, group: "g"))
        #expect(plan.warnings == ["retry of run r1, interrupted when node n1 went silent or restarted"])
        // Attempt 2 failed: the backoff doubles, and the warning says how it ended.
        guard case .wait(let second) = ClusterRetry.disposition(of: queued(.failed, attempt: 2, fanOut: false), job: job, now: endedAt) else {
            Issue.record("expected to wait for the second backoff")
            return
        }
        #expect(second == endedAt.addingTimeInterval(20))
        guard case .run(let timedOut) = ClusterRetry.disposition(of: queued(.timedOut, fanOut: false), job: job, now: second) else {
            Issue.record("expected a retry of a run that timed out")
            return
        }
        #expect(timedOut.warnings == ["retry of run r1, which timed out on node n1"])
    }

    @Test func aRunIsNotRetriedWithoutRetriesLeftNorWhereItsNodeKeepsWhatItRanWith() throws {
        let later = endedAt.addingTimeInterval(3600)
        let retrying = try job("retries: {max: 2}\n")
        func reason(_ queued: QueuedRun, _ job: JobDefinition?) -> String? {
            if case .drop(let reason) = ClusterRetry.disposition(of: queued, job: job, now: later) { return reason }
            return nil
        }
        #expect(reason(queued(), try job("")) == "the job has no retries")
        #expect(reason(queued(attempt: 3), retrying) == "attempt 3 was the last of 3 (retries.max 2)")
        #expect(reason(queued(), nil) == "job j is no longer applied")
        #expect(reason(queued(hasEvent: true), retrying) == "an event triggered it, and the event's payload is kept on the node that ran it")
        #expect(reason(queued(ownDefinition: true), retrying) == "it ran a definition other than the applied one")
        // A failed run of a fan-out is retried on its node; an interrupted one (above) anywhere.
        #expect(reason(queued(.failed), retrying) == "it is one run of a fan-out, whose progress the node that ran it keeps: it is retried there")
        #expect(ClusterRetry.staysOnItsNode(hasEvent: false, ownDefinition: false, fanOut: false) == nil)
    }

    @Test func aMarkerSaysWhetherAnEventOrItsOwnDefinitionRanIt() throws {
        let run = InFlightRun(run: "r1", job: "j", trigger: .api, hasEvent: true, ownDefinition: true)
        let decoded = try JSONDecoder().decode(InFlightRun.self, from: JSONEncoder().encode(run))
        #expect(decoded.hasEvent && decoded.ownDefinition)
        let plain = String(decoding: try JSONEncoder().encode(InFlightRun(run: "r2", job: "j", trigger: .api)), as: UTF8.self)
        #expect(!plain.contains("hasEvent") && !plain.contains("ownDefinition"))
    }
}
