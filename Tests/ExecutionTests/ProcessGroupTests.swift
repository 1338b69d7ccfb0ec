import Foundation
import Testing
import TestSupport
import Definitions
@testable import Execution

@Suite("timeouts, cancellation and leftover processes kill the whole process group")
struct ProcessGroupTests {
    @Test("a step timeout kills the whole tree, including a child that ignores SIGTERM")
    func stepTimeoutKillsTree() async throws {
        let fixture = try Fixture(job: #"""
            steps:
              - name: hang
                timeout: 1s
                run: 'sleep 1000 & sleep 1000 & sh -c "trap \"\" TERM; sleep 1000" & echo started; wait'
              - name: never
                run: [echo, never]
            """#)
        let children = StartedChildren()
        let outcome = await RunExecutor(killGrace: .milliseconds(300)).execute(fixture.request(), onChildStarted: children.callback)
        let group = try #require(await children.next())
        #expect(outcome.status == .timedOut)
        #expect(outcome.steps.map(\.status) == [.timedOut, .skipped])
        #expect(outcome.error == "step 'hang': timed out after 1s; its process group was killed")
        #expect(groupIsGone(group))
    }

    @Test("a timeout is a cancelled task: measured on the injected clock, no real waiting")
    func timeoutOnInjectedClock() async throws {
        let fixture = try Fixture(job: #"""
            steps:
              - name: hang
                timeout: 1h
                run: [sleep, "1000"]
            """#)
        let clock = ManualClock()
        let children = StartedChildren()
        let executor = RunExecutor(killGrace: .milliseconds(300), clock: clock.asClock)
        let request = fixture.request()
        let callback = children.callback
        let task = Task { await executor.execute(request, onChildStarted: callback) }
        let group = try #require(await children.next())
        #expect(try await eventually { clock.sleeperCount == 1 })
        clock.advance(by: .seconds(3599))
        #expect(!groupIsGone(group))
        clock.advance(by: .seconds(1))
        let outcome = await task.value
        #expect(outcome.status == .timedOut)
        #expect(outcome.error == "step 'hang': timed out after 1h; its process group was killed")
        #expect(groupIsGone(group))
    }

    @Test("the job timeout bounds the whole run")
    func jobTimeout() async throws {
        let fixture = try Fixture(job: #"""
            timeout: 1s
            steps:
              - name: quick
                run: ["true"]
              - name: slow
                run: [sleep, "1000"]
            """#)
        let children = StartedChildren()
        // The limit is measured on a manual clock: however long `true` takes on a loaded machine,
        // the time runs out only once the second step's child has started.
        let clock = ManualClock()
        let executor = RunExecutor(killGrace: .milliseconds(200), clock: clock.asClock)
        let request = fixture.request()
        let callback = children.callback
        let task = Task { await executor.execute(request, onChildStarted: callback) }
        _ = try #require(await children.next())
        let slow = try #require(await children.next())
        try await eventually { clock.sleeperCount == 1 }
        clock.advance(by: 1)
        let outcome = await task.value
        #expect(outcome.status == .timedOut)
        #expect(outcome.steps.map(\.status) == [.completed, .timedOut])
        #expect(outcome.error?.hasPrefix("step 'slow': the job's timeout ran out") == true)
        #expect(groupIsGone(slow))
    }

    @Test("cancelling the task tears the group down and returns cancelled")
    func cancellation() async throws {
        let fixture = try Fixture(job: #"""
            steps:
              - name: hang
                run: 'sleep 1000 & sh -c "sleep 1000" & wait'
              - name: never
                run: [echo, never]
            """#)
        let children = StartedChildren()
        let executor = RunExecutor(killGrace: .milliseconds(300))
        let request = fixture.request()
        let callback = children.callback
        let task = Task { await executor.execute(request, onChildStarted: callback) }
        let group = try #require(await children.next())
        #expect(!groupIsGone(group))
        task.cancel()
        let outcome = await task.value
        #expect(outcome.status == .cancelled)
        #expect(outcome.steps.map(\.status) == [.cancelled, .skipped])
        #expect(outcome.error == "step 'hang': cancelled; its process group was terminated")
        #expect(groupIsGone(group))
    }

    @Test("a cancelled run that has not started a step yet starts none")
    func cancelledBeforeStart() async throws {
        let fixture = try Fixture(job: #"""
            steps:
              - name: first
                run: [touch, ran]
            """#)
        let executor = RunExecutor()
        let request = fixture.request()
        let task = Task {
            withUnsafeCurrentTask { $0?.cancel() }
            return await executor.execute(request)
        }
        let outcome = await task.value
        #expect(outcome.status == .cancelled)
        #expect(outcome.steps.map(\.status) == [.skipped])
        #expect(!FileManager.default.fileExists(atPath: fixture.root.path + "/ran"))
    }

    @Test("processes a step leaves running in the background are ended when it exits, with a warning")
    func leftoversAreKilled() async throws {
        let fixture = try Fixture(job: #"""
            steps:
              - name: detach
                run: 'sleep 1000 & echo left-one-behind'
            """#)
        let children = StartedChildren()
        let outcome = await RunExecutor(killGrace: .milliseconds(300)).execute(fixture.request(), onChildStarted: children.callback)
        let group = try #require(await children.next())
        #expect(outcome.status == .completed)
        #expect(outcome.steps[0].output == "left-one-behind")
        #expect(outcome.warnings == ["step 'detach': processes it started were still running after it exited; they were terminated"])
        #expect(groupIsGone(group))
    }

    @Test("a step killed by a signal fails and names the signal")
    func killedBySignal() async throws {
        let fixture = try Fixture(job: #"""
            steps:
              - name: suicide
                run: 'kill -KILL $$'
            """#)
        let outcome = await RunExecutor().execute(fixture.request())
        #expect(outcome.status == .failed)
        #expect(outcome.steps[0].exitCode == nil)
        #expect(outcome.error == "step 'suicide': /bin/sh was killed by signal 9 (SIGKILL)")
    }
}
