public import Foundation
import History

/// A `jobctl serve` (or any jobctl command) running in the background as a real child process,
/// for end-to-end tests of the daemon. Output goes to files so the child never blocks on a pipe.
public final class DaemonProcess: @unchecked Sendable {
    public let process = Process()
    public let outputPath: String

    /// - Parameter launcher: a command that starts jobctl (e.g. `["setpriv", "--reuid", "65534", …, "--"]`);
    ///   empty: jobctl is started directly.
    public init(_ arguments: [String], in directory: String? = nil, environment: [String: String] = [:], launcher: [String] = []) throws {
        outputPath = FileManager.default.temporaryDirectory.appendingPathComponent("jobctl-daemon-\(UUID().uuidString).log").path
        FileManager.default.createFile(atPath: outputPath, contents: nil)
        let output = try FileHandle(forWritingTo: URL(fileURLWithPath: outputPath))
        if launcher.isEmpty {
            process.executableURL = JobctlProcess.executable
            process.arguments = arguments
        } else {
            process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
            process.arguments = launcher + [JobctlProcess.executable.path] + arguments
        }
        if let directory { process.currentDirectoryURL = URL(fileURLWithPath: directory) }
        process.environment = ProcessInfo.processInfo.environment.merging(environment) { $1 }
        process.standardOutput = output
        process.standardError = output
        process.standardInput = FileHandle.nullDevice
        try ChildSpawn.start(process)
    }

    deinit {
        if process.isRunning { kill(process.processIdentifier, SIGKILL) }
        try? FileManager.default.removeItem(atPath: outputPath)
    }

    public var pid: Int32 { process.processIdentifier }

    /// Everything the process printed so far (stdout and stderr).
    public var output: String {
        (FileManager.default.contents(atPath: outputPath)).map { String(decoding: $0, as: UTF8.self) } ?? ""
    }

    public func signal(_ signal: Int32) {
        kill(process.processIdentifier, signal)
    }

    /// `http://127.0.0.1:PORT` from "HTTP API listening on http://127.0.0.1:PORT", once the
    /// applied jobs are loaded too (`running …`). Fails the wait after 600 s.
    public func apiURL() async throws -> String {
        var port: Int?
        _ = try await eventually("the API listens") {
            let text = output
            guard text.contains("running "), let range = text.range(of: "listening on http://127.0.0.1:") else { return false }
            port = Int(text[range.upperBound...].prefix { $0.isNumber })
            return port != nil
        }
        return "http://127.0.0.1:\(port ?? 0)"
    }

    /// Waits for the process to exit, up to `seconds`; returns its status, or nil if it is still running.
    public func waitForExit(within seconds: TimeInterval) async throws -> Int32? {
        let deadline = Date().addingTimeInterval(seconds)
        while process.isRunning {
            if Date() > deadline { return nil }
            try await Task.sleep(for: .milliseconds(20))
        }
        return process.terminationStatus
    }
}

/// The processes of a process group that are alive (zombies — exited, not yet reaped — do not
/// count: in a container whose PID 1 never reaps, killed orphans stay zombies for ever).
public func liveProcesses(inGroup group: Int32) -> [Int32] {
    ProcFiles.processIDs().filter { pid in
        guard let stat = ProcStat(pid: pid) else { return false }
        return stat.processGroup == group && !stat.isZombie
    }
}
