import Foundation
import History
import Outbound
import Testing
import TestSupport

/// History on a file system that fails — remounted read-only, or full — while a job fires every
/// second: the daemon reports the fault (health degraded, a metric, `status`), keeps every
/// finished run's record in its marker, appends them once the disk is back, and a checker then
/// accounts for every fire: each second recorded exactly once, no torn line, no marker left.
/// Needs root (mount); CI runs as root.
@Suite(.serialized) struct HistoryFaultTests {
    static func mount(_ arguments: [String]) throws {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/bin/mount")
        process.arguments = arguments
        try ChildSpawn.start(process)
        process.waitUntilExit()
        guard process.terminationStatus == 0 else { throw CocoaError(.fileWriteUnknown, userInfo: [NSLocalizedDescriptionKey: "mount \(arguments) failed"]) }
    }

    static func unmount(_ path: String) {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/bin/umount")
        process.arguments = ["-l", path]
        try? ChildSpawn.start(process)
        process.waitUntilExit()
    }

    static func get(_ url: String, token: String? = nil) async -> String {
        let request = OutboundRequest(method: "GET", url: url, headers: token.map { [("Authorization", "Bearer \($0)")] } ?? [], timeout: .seconds(30))
        return (try? await request.perform(responseCap: 1 << 20)).map { String(decoding: $0.body, as: UTF8.self) } ?? ""
    }

    /// Every line of `history/tick.jsonl` parses; each scheduled second appears once, with none
    /// missing between the first and the last; no marker is left.
    static func checkEveryFireOnce(_ repo: TemporaryGitRepository) throws {
        let text = try String(contentsOfFile: repo.path + "/history/tick.jsonl", encoding: .utf8)
        var seconds: [String] = []
        for line in text.split(separator: "\n", omittingEmptySubsequences: false) where !line.isEmpty {
            let record = try #require(try? JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any], "a torn line: \(line)")
            if let scheduled = record["scheduledFor"] as? String { seconds.append(scheduled) }
        }
        #expect(Set(seconds).count == seconds.count, "a fire recorded twice")
        let formatter = ISO8601DateFormatter()
        formatter.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
        let dates = seconds.compactMap { formatter.date(from: $0) }.sorted()
        let span = Int((dates.last!.timeIntervalSince(dates.first!)).rounded()) + 1
        #expect(dates.count == span, "\(span - dates.count) fire(s) missing between \(seconds.first!) and \(seconds.last!)")
        let markers = ((try? FileInFlightRegistry(root: repo.path).list()) ?? []).map(\.run)
        #expect(markers.isEmpty, "markers left: \(markers)")
    }

    func whileHistoryFails(_ name: String, break breakIt: (String) throws -> Void, mend: (String) throws -> Void) async throws {
        let repo = try TemporaryGitRepository(files: [
            ".gitignore": "/.jobctl/\n/history/\n",
            "jobs/tick.yaml": "schedule: \"* * * * * *\"\nsteps:\n  - run: [\"true\"]\n",
        ])
        _ = try await JobctlProcess.run(["apply", "--root", repo.path])
        let created = try await JobctlProcess.run(["token", "create", "--root", repo.path, "--scope", "read", "--name", "probe"])
        let token = try #require(created.stdout.split(separator: "\n").last.map(String.init))
        let history = repo.path + "/history"
        try FileManager.default.createDirectory(atPath: history, withIntermediateDirectories: true)
        try Self.mount(["-t", "tmpfs", "-o", "size=4m", "jobctl-test-\(name)", history])
        defer { Self.unmount(history) }
        let daemon = try DaemonProcess(["serve", "--root", repo.path, "--listen", "127.0.0.1:0", "--grace", "1s"])
        let server = try await daemon.apiURL()
        #expect(try await eventually { (try? String(contentsOfFile: history + "/tick.jsonl", encoding: .utf8))?.split(separator: "\n").count ?? 0 >= 3 }, "\(daemon.output)")

        try breakIt(history)
        #expect(try await eventually { await Self.get(server + "/healthz").contains(#""status":"degraded""#) }, "\(daemon.output)")
        let health = await Self.get(server + "/healthz")
        #expect(health.contains("recordsWaiting"), "\(health)")
        #expect(await Self.get(server + "/metrics", token: token).contains("jobctl_history_write_failing 1"))
        let status = try await JobctlProcess.run(["status", "--root", repo.path])
        #expect(status.stdout.contains("warning: history cannot be written:"), "\(status.stdout)")
        // Some fires happen while it fails (the checker then finds each of them once).
        try await Task.sleep(for: .seconds(3))

        try mend(history)
        #expect(try await eventually { await Self.get(server + "/healthz").contains(#""status":"ok""#) }, "\(daemon.output)")
        #expect(await Self.get(server + "/metrics", token: token).contains("jobctl_history_write_failing 0"))
        daemon.signal(SIGTERM)
        #expect(try await daemon.waitForExit(within: 90) == 0, "\(daemon.output)")
        try Self.checkEveryFireOnce(repo)
    }

    @Test(.enabled(if: geteuid() == 0, "mounting needs root"))
    func aReadOnlyHistoryMountLosesNoFire() async throws {
        // A read-only remount is refused (EBUSY) while a file on it is open for writing: the
        // daemon's append of that moment. Tried again until it takes.
        try await whileHistoryFails("ro", break: { path in
            var attempt = 0
            while true {
                do { return try Self.mount(["-o", "remount,ro", path]) } catch {
                    attempt += 1
                    if attempt >= 600 { throw error }
                    usleep(100_000)
                }
            }
        }, mend: { try Self.mount(["-o", "remount,rw", $0]) })
    }

    @Test(.enabled(if: geteuid() == 0, "mounting needs root"))
    func aFullHistoryFileSystemLosesNoFire() async throws {
        try await whileHistoryFails("full", break: { history in
            // Fill the tmpfs to the last byte.
            let filler = history + "/filler"
            FileManager.default.createFile(atPath: filler, contents: nil)
            let handle = try FileHandle(forWritingTo: URL(fileURLWithPath: filler))
            for size in [64 * 1024, 4096, 1] {
                let block = Data(count: size)
                while (try? handle.write(contentsOf: block)) != nil {}
            }
            try? handle.close()
        }, mend: { history in
            try FileManager.default.removeItem(atPath: history + "/filler")
        })
    }
}
