import Foundation
import Testing
import TestSupport
@testable import Execution

/// Every process a step starts is accounted for: members that moved to a process group of their
/// own are found by their session, and those that left the session (setsid) by the run they
/// carry in their environment.
@Suite struct SessionSweepTests {
    /// The pids of live processes whose argv is exactly `argv`.
    static func running(_ argv: [String]) -> [Int32] {
        let names = (try? FileManager.default.contentsOfDirectory(atPath: "/proc")) ?? []
        return names.compactMap(Int32.init).filter { pid in
            guard let data = FileManager.default.contents(atPath: "/proc/\(pid)/cmdline"), !data.isEmpty,
                  let stat = try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8), !stat.contains(") Z ") else { return false }
            return data.split(separator: 0).map { String(decoding: $0, as: UTF8.self) } == argv
        }
    }

    /// A number of seconds no other test sleeps for, so that `sleep N` names this test's process.
    static func unique() -> String { String(100_000 + Int.random(in: 0..<800_000)) }

    @Test func aChildInAProcessGroupOfItsOwnIsKilledOnTimeout() async throws {
        let seconds = Self.unique()
        let fixture = try Fixture(job: """
            steps:
              - name: hang-in-own-group
                timeout: 1s
                run: 'timeout 2000 sleep \(seconds) & sleep 2001'
            """)
        let outcome = await RunExecutor(killGrace: .milliseconds(300)).execute(fixture.request())
        #expect(outcome.status == .timedOut)
        #expect(Self.running(["sleep", seconds]).isEmpty, "`timeout` put sleep in a group of its own; the session sweep must reach it")
    }

    @Test func aChildThatMovedToItsOwnGroupDoesNotOutliveACompletedRun() async throws {
        let seconds = Self.unique()
        let fixture = try Fixture(job: """
            steps:
              - name: spawn
                run: [python3, -c, "import subprocess; subprocess.Popen(['sleep', '\(seconds)'], process_group=0)"]
            """)
        let outcome = await RunExecutor(killGrace: .milliseconds(300)).execute(fixture.request())
        #expect(outcome.status == .completed)
        #expect(outcome.warnings == ["step 'spawn': processes it started were still running after it exited; they were terminated"])
        #expect(Self.running(["sleep", seconds]).isEmpty)
    }

    @Test func aChildThatLeftTheSessionIsFoundByItsRunTerminatedAndReported() async throws {
        let seconds = Self.unique()
        let fixture = try Fixture(job: """
            steps:
              - name: escape
                run: 'setsid sleep \(seconds) & echo started'
            """)
        var executor = RunExecutor(killGrace: .milliseconds(300))
        executor.cgroups = false
        let outcome = await executor.execute(fixture.request())
        defer { for pid in Self.running(["sleep", seconds]) { kill(pid, SIGKILL) } }
        #expect(outcome.status == .completed)
        #expect(outcome.warnings.contains { $0.contains("left its session (setsid)") && $0.contains("terminated") }, "\(outcome.warnings)")
        #expect(try await eventually { Self.running(["sleep", seconds]).isEmpty })
    }

    /// A process that leaves the session and clears its environment cannot be found by its run:
    /// only the step's cgroup still holds it.
    @Test(.enabled(if: StepCgroup.base != nil, "needs a writable cgroup2 hierarchy"))
    func aChildThatLeftTheSessionAndClearedItsEnvironmentIsEndedThroughTheCgroup() async throws {
        let seconds = Self.unique()
        let fixture = try Fixture(job: """
            steps:
              - name: escape
                run: 'setsid env -i sleep \(seconds) & echo started'
            """)
        let outcome = await RunExecutor(killGrace: .milliseconds(300)).execute(fixture.request())
        defer { for pid in Self.running(["sleep", seconds]) { kill(pid, SIGKILL) } }
        #expect(outcome.status == .completed)
        #expect(outcome.warnings.contains { $0.contains("left its session (setsid)") && $0.contains("found in the step's cgroup and terminated") }, "\(outcome.warnings)")
        #expect(Self.running(["sleep", seconds]).isEmpty)
    }

    @Test(.enabled(if: StepCgroup.base != nil, "needs a writable cgroup2 hierarchy"))
    func aTimeoutEndsEveryProcessOfTheCgroupIncludingOnesThatLeftTheSession() async throws {
        let seconds = Self.unique()
        let fixture = try Fixture(job: """
            steps:
              - name: hang
                timeout: 1s
                run: 'setsid env -i sleep \(seconds) & sleep 2000'
            """)
        let outcome = await RunExecutor(killGrace: .milliseconds(300)).execute(fixture.request())
        defer { for pid in Self.running(["sleep", seconds]) { kill(pid, SIGKILL) } }
        #expect(outcome.status == .timedOut)
        #expect(Self.running(["sleep", seconds]).isEmpty)
    }
}

@Suite struct StepCgroupCostTests {
    /// The start-up note names the missing mount option exactly when step cgroups are in use and
    /// the cgroup2 hierarchy lacks `favordynmods` (read here from mountinfo on its own).
    @Test func theSlowMigrationNoteAppearsExactlyWhenFavordynmodsIsMissing() throws {
        let mountinfo = (try? String(contentsOfFile: "/proc/self/mountinfo", encoding: .utf8)) ?? ""
        let line = mountinfo.split(separator: "\n").first { $0.contains(" - cgroup2 ") }
        let usable = StepCgroup.make().map { cgroup in
            cgroup.remove()
            return true
        } ?? false
        let note = StepCgroup.slowMigrationNote
        if usable, let line, !line.contains("favordynmods") {
            #expect(note?.contains("mounted without favordynmods") == true, "\(String(describing: note))")
        } else {
            #expect(note == nil, "\(String(describing: note))")
        }
    }
}
