import Foundation
import Reconciler
@testable import Scheduler
import Synchronization
import Testing
import TestSupport

@Suite("Following a remote: the watcher's fetches, reports and back-off")
struct RemoteWatcherTests {
    @Test func failedFetchesBackOffByDoublingUpToTenMinutes() {
        #expect(RemoteWatcher.backoff(interval: 30, failures: 1) == 30)
        #expect(RemoteWatcher.backoff(interval: 30, failures: 2) == 60)
        #expect(RemoteWatcher.backoff(interval: 30, failures: 4) == 240)
        #expect(RemoteWatcher.backoff(interval: 30, failures: 6) == 600)
        #expect(RemoteWatcher.backoff(interval: 30, failures: 500) == 600)
        // A poll longer than the cap is never shortened by a failure.
        #expect(RemoteWatcher.backoff(interval: 3600, failures: 3) == 3600)
    }

    @Test func reportsEachRefusedHeadOnceAndClearsItWhenAGoodHeadIsApplied() async throws {
        let work = try TemporaryGitRepository(files: ["jobs/a.yaml": "steps:\n  - run: echo a\n"])
        let forge = try TemporaryGitRepository(bare: true)
        try work.git("push", "--quiet", forge.path, "main")
        let refusals = Mutex<[String]>([])
        let watcher = RemoteWatcher(source: RemoteSource(url: forge.path), mirrorPath: forge.container + "/mirror.git",
                                    interval: .seconds(30), clock: ManualClock(), log: { _ in },
                                    onRefused: { message in refusals.withLock { $0.append(message) } })
        #expect(await watcher.syncOnce() == 30)
        let first = watcher.status
        #expect(first.appliedCommit == (try work.git("rev-parse", "HEAD")))
        #expect(!first.isBehind && first.fetches == 1 && first.lastRefusal == nil)

        try work.write("jobs/b.yaml", "steps: [\n")
        let broken = try work.commit("broken")
        try work.git("push", "--quiet", forge.path, "main")
        await watcher.syncOnce()
        await watcher.syncOnce()
        #expect(refusals.withLock { $0.count } == 1)
        #expect(watcher.status.lastRefusal?.commit == broken)
        #expect(watcher.status.lastRefusal?.diagnostics.first?.hasPrefix("jobs/b.yaml:") == true)
        #expect(watcher.status.isBehind)

        try work.write("jobs/b.yaml", "steps:\n  - run: echo b\n")
        let fixed = try work.commit("fixed")
        try work.git("push", "--quiet", forge.path, "main")
        await watcher.syncOnce()
        #expect(watcher.status.appliedCommit == fixed)
        #expect(watcher.status.lastRefusal == nil)
        #expect(!watcher.status.isBehind)
    }

    @Test func aFailingFetchIsCountedAndBacksOff() async throws {
        let folder = try TemporaryGitRepository(bare: true)
        let lines = Mutex<[String]>([])
        let watcher = RemoteWatcher(source: RemoteSource(url: "file:///nonexistent/forge.git"), mirrorPath: folder.container + "/mirror.git",
                                    interval: .seconds(30), clock: ManualClock(), log: { line in lines.withLock { $0.append(line) } })
        #expect(await watcher.syncOnce() == 30)
        #expect(await watcher.syncOnce() == 60)
        let status = watcher.status
        #expect(status.consecutiveFailures == 2 && status.fetchFailures == 2 && status.lastSuccessAt == nil)
        #expect(status.lastError?.hasPrefix("cannot fetch from 'file:///nonexistent/forge.git'") == true)
        #expect(lines.withLock { $0.last }?.contains("failure 2 in a row; next try in 1m") == true)
    }

    @Test func signalsBeforeAWaitCoalesceIntoOneWake() async throws {
        let clock = ManualClock()
        let wakeup = Wakeup()
        wakeup.signal()
        wakeup.signal()
        #expect(wakeup.isPending)
        // The two signals wake one wait at once, and leave nothing behind ...
        await wakeup.wait(until: clock.now().addingTimeInterval(3600), clock: clock)
        #expect(!wakeup.isPending)
        // ... so the next wait lasts until its deadline (or a new signal).
        let waiting = Task { await wakeup.wait(until: clock.now().addingTimeInterval(60), clock: clock) }
        #expect(try await eventually { clock.sleeperCount == 1 })
        #expect(!wakeup.isPending)
        clock.advance(to: clock.now().addingTimeInterval(60))
        await waiting.value
        #expect(clock.sleeperCount == 0)
    }
}
