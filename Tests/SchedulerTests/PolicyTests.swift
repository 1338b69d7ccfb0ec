import Definitions
import Foundation
import History
import Scheduler
import Testing
import TestSupport

/// The scheduler's policies as pure types: no processes, no clocks, no files.
@Suite("Admission, fan-out and dependencies as pure policies")
struct PolicyTests {
    let now = Date(timeIntervalSince1970: 1_780_000_000)

    func job(_ yaml: String) throws -> JobDefinition {
        let parsed = DefinitionLoader.loadJob(SourceFile(path: "jobs/j.yaml", bytes: Array(yaml.utf8)), config: RepositoryConfig())
        return try #require(parsed.definition, "\(parsed.diagnostics)")
    }

    func plan(_ trigger: Trigger = .schedule, group: String? = nil, force: Bool = false) -> RunPlan {
        RunPlan(job: "j", trigger: trigger, fanout: group.map { Fanout(index: 0, of: 2, group: $0) }, force: force)
    }

    @Test func eachConcurrencyPolicyDecidesAgainstRunsInProgressOfAnotherFanOut() throws {
        let running = [Admission.RunInProgress(run: "r1", group: "g1", local: true)]
        let situation = Admission.Situation(now: now, inProgress: running)
        let steps = "steps:\n  - run: [\"true\"]\n"
        #expect(Admission.decide(plan(), job: try job(steps), situation: situation)
            == .refuse(.skipped, "skipped: run r1 of j is still in progress (concurrency: skip)", runInProgress: "r1"))
        #expect(Admission.decide(plan(), job: try job("concurrency: allow\n" + steps), situation: situation) == .start)
        #expect(Admission.decide(plan(), job: try job("concurrency: replace\n" + steps), situation: situation) == .startReplacing(["r1"]))
        #expect(Admission.decide(plan(), job: try job("concurrency: queue\n" + steps), situation: situation) == .queue)
        var full = situation
        full.queueIsFull = true
        #expect(Admission.decide(plan(), job: try job("concurrency: queue\n" + steps), situation: full)
            == .refuse(.skipped, "skipped: a run of j is already queued behind run r1 (concurrency: queue holds one)", runInProgress: "r1"))
        // Runs of the same fan-out never conflict; a retry continues its run.
        #expect(Admission.decide(plan(group: "g1"), job: try job(steps), situation: situation) == .start)
        #expect(Admission.decide(plan(.retry), job: try job(steps), situation: situation) == .start)
        // Another process's run cannot be replaced.
        let foreign = Admission.Situation(now: now, inProgress: [.init(run: "r9", group: nil, local: false)])
        #expect(Admission.decide(plan(), job: try job("concurrency: replace\n" + steps), situation: foreign)
            == .refuse(.skipped, "skipped: run r9 of j is in progress in another jobctl process, which this one cannot cancel (concurrency: replace)", runInProgress: "r9"))
        // A fan-out that still has runs waiting for maxParallel is in progress too.
        let between = Admission.Situation(now: now, unfinishedGroups: ["g1"])
        #expect(Admission.decide(plan(group: "g2"), job: try job(steps), situation: between)
            == .refuse(.skipped, "skipped: a fan-out of j is still in progress (concurrency: skip)", runInProgress: nil))
    }

    @Test func theRateLimitAndTheGlobalLimitHoldForEveryTriggerButRetries() throws {
        let limited = try job("rateLimit: {max: 1, per: 1h}\nconcurrency: allow\nsteps:\n  - run: [\"true\"]\n")
        let started = Admission.Situation(now: now, recentStarts: [now.addingTimeInterval(-600)])
        for trigger in [Trigger.schedule, .manual, .api, .event, .dependency, .catchup] {
            #expect(Admission.decide(plan(trigger), job: limited, situation: started)
                == .refuse(.rateLimited, "rate limit of 1 per 1h reached; next run possible at \(RecordTime.string(now.addingTimeInterval(3000)))", runInProgress: nil))
        }
        #expect(Admission.decide(plan(.retry), job: limited, situation: started) == .start)
        #expect(Admission.decide(plan(.manual, force: true), job: limited, situation: started) == .start)
        #expect(Admission.decide(plan(), job: limited, situation: Admission.Situation(now: now, recentStarts: [now.addingTimeInterval(-3600)])) == .start)
        let busy = Admission.Situation(now: now, running: 4, maxConcurrent: 4)
        #expect(Admission.decide(plan(), job: limited, situation: busy) == .waitForSlot)
    }

    @Test func aFanOutStartsAtMostMaxParallelRunsInOrderAndKnowsItsOutcome() throws {
        let matrix = try job("params: {market: {default: NL}}\nmatrix: {market: [NL, BE, DE]}\nmaxParallel: 2\nsteps:\n  - run: [\"true\"]\n")
        let plans = FanOut.plans(matrix, trigger: .schedule, scheduledFor: now, parameters: [:], group: "g")
        #expect(plans.map { $0.fanout?.key } == ["market=NL", "market=BE", "market=DE"])
        #expect(Set(plans.map(\.group)) == ["g"])
        var progress = FanOutProgress()
        let first = progress.begin(plans, limit: matrix.maxParallel)
        #expect(first.map { $0.fanout?.index } == [0, 1])
        #expect(progress.unfinishedGroups(of: "j") == ["g"])
        let (next, none) = progress.ended(first[1], run: "b", status: .completed)
        #expect(next?.fanout?.index == 2 && none == nil)
        #expect(progress.unfinishedGroups(of: "j").isEmpty)
        _ = progress.ended(first[0], run: "a", status: .failed)
        let (_, outcome) = progress.ended(next!, run: "c", status: .completed)
        #expect(outcome == FanOutProgress.Outcome(group: "g", job: "j", runs: ["a", "b", "c"], statuses: [.failed, .completed, .completed]))
        #expect(outcome?.succeeded == false)
        // A parameter given by the caller pins its axis: one run.
        #expect(FanOut.plans(matrix, trigger: .manual, scheduledFor: nil, parameters: ["market": .string("BE")], explicit: ["market"], group: "h").count == 1)
    }

    @Test func aDependentRunsWhenEveryNeedSucceededAndIsBlockedWhenOneFails() throws {
        func definition(_ id: JobID, needs: [String]) throws -> JobDefinition {
            var job = try self.job("steps:\n  - run: [\"true\"]\n")
            job.id = id
            job.needs = needs.map { JobID($0)! }
            return job
        }
        var gate = DependencyGate()
        gate.load([try definition("load", needs: []), try definition("extract", needs: []), try definition("report", needs: ["load", "extract"])])
        #expect(gate.ended("load", succeeded: true, run: "l1", status: "completed").isEmpty)
        #expect(gate.ended("extract", succeeded: true, run: "e1", status: "completed") == [.run("report")])
        // It runs again only after a later success of each.
        #expect(gate.ended("extract", succeeded: true, run: "e2", status: "completed").isEmpty)
        #expect(gate.ended("load", succeeded: false, run: "l2", status: "failed") == [.block("report", upstream: "load", run: "l2", status: "failed")])
        #expect(gate.ended("extract", succeeded: true, run: "e3", status: "completed").isEmpty)
        #expect(gate.ended("load", succeeded: true, run: "l3", status: "completed") == [.run("report")])
    }
}

@Suite("The alarm: the scheduler's one way to wait")
struct AlarmTests {
    @Test func sleepsUntilTheDeadlineOnTheClock() async throws {
        let clock = ManualClock()
        let alarm = Alarm(clock: clock)
        let sleeping = Task { await alarm.sleep(until: clock.now().addingTimeInterval(60)) }
        try await eventually { alarm.hasSleeper && clock.sleeperCount == 1 }
        clock.advance(by: 59)
        #expect(alarm.hasSleeper)
        clock.advance(by: 1)
        await sleeping.value
        #expect(!alarm.hasSleeper)
    }

    @Test func aRingWakesTheSleeperAndARingWithNoSleeperIsKeptForTheNext() async throws {
        let clock = ManualClock()
        let alarm = Alarm(clock: clock)
        let sleeping = Task { await alarm.sleep(until: clock.now().addingTimeInterval(3600)) }
        try await eventually { alarm.hasSleeper }
        alarm.ring()
        await sleeping.value
        alarm.ring()
        await alarm.sleep(until: clock.now().addingTimeInterval(3600))  // returns at once
        #expect(!alarm.hasSleeper)
    }

    @Test func aLateTimerOfAnEarlierSleepDoesNotCutALaterSleepShort() async throws {
        let clock = ManualClock()
        let alarm = Alarm(clock: clock)
        let first = Task { await alarm.sleep(until: clock.now().addingTimeInterval(10)) }
        try await eventually { alarm.hasSleeper }
        alarm.ring()
        await first.value
        let second = Task { await alarm.sleep(until: clock.now().addingTimeInterval(100)) }
        // Only the second sleep's timer waits on the clock: the first's was cancelled with it.
        try await eventually { alarm.hasSleeper && clock.sleeperCount == 1 }
        clock.advance(by: 10)
        #expect(alarm.hasSleeper)
        clock.advance(by: 90)
        await second.value
    }

    @Test func cancellingTheSleepingTaskReturns() async throws {
        let clock = ManualClock()
        let alarm = Alarm(clock: clock)
        let sleeping = Task { await alarm.sleep(until: clock.now().addingTimeInterval(3600)) }
        try await eventually { alarm.hasSleeper }
        sleeping.cancel()
        await sleeping.value
    }
}
