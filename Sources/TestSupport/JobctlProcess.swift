public import Foundation
import History

/// Runs the built `jobctl` executable as a real child process, for end-to-end tests of the CLI.
public enum JobctlProcess {
    public struct Output: Sendable {
        public var status: Int32
        public var stdout: String
        public var stderr: String
    }

    /// The `jobctl` binary next to the test bundle (`swift build` puts products side by side).
    public static var executable: URL {
        let testBinary = URL(fileURLWithPath: CommandLine.arguments[0]).resolvingSymlinksInPath()
        var folder = testBinary.deletingLastPathComponent()
        while folder.path != "/" {
            let candidate = folder.appendingPathComponent("jobctl")
            if FileManager.default.isExecutableFile(atPath: candidate.path), !candidate.hasDirectoryPath {
                return candidate
            }
            folder = folder.deletingLastPathComponent()
        }
        return URL(fileURLWithPath: "jobctl")
    }

    /// Runs `jobctl arguments...` in `directory` and waits for it. The wait happens on a thread of
    /// its own, never on the cooperative pool: a long command (`run --wait`, `logs --follow`) must
    /// not hold one of the pool's few threads while other tests' timers and processes need them.
    public static func run(_ arguments: [String], in directory: String? = nil, environment: [String: String] = [:], stdin: String? = nil) async throws -> Output {
        try await BlockingWork.run { try runBlocking(arguments, in: directory, environment: environment, stdin: stdin) }
    }

    /// Runs another program the same way (a test's client script: `/usr/bin/env python3 ...`).
    public static func run(program: String, _ arguments: [String], environment: [String: String] = [:]) async throws -> Output {
        try await BlockingWork.run { try runBlocking(arguments, in: nil, environment: environment, stdin: nil, program: URL(fileURLWithPath: program)) }
    }

    static func runBlocking(_ arguments: [String], in directory: String?, environment: [String: String], stdin: String?, program: URL? = nil) throws -> Output {
        let process = Process()
        process.executableURL = program ?? executable
        process.arguments = arguments
        if let directory { process.currentDirectoryURL = URL(fileURLWithPath: directory) }
        process.environment = ProcessInfo.processInfo.environment.merging(environment) { $1 }
        let (out, err, input) = try ChildSpawn.start(process) {
            let pipes = (Pipe(), Pipe(), Pipe())
            process.standardOutput = pipes.0
            process.standardError = pipes.1
            process.standardInput = pipes.2
            return pipes
        }
        if let stdin { input.fileHandleForWriting.write(Data(stdin.utf8)) }
        try input.fileHandleForWriting.close()
        let output = try ChildRun.finish(process, stdout: out, stderr: err)
        return Output(status: output.status, stdout: String(decoding: output.stdout, as: UTF8.self), stderr: String(decoding: output.stderr, as: UTF8.self))
    }
}

/// Runs blocking work (waiting for a process, reading a pipe to its end) on a new thread and
/// resumes the caller when it is done, so the cooperative pool stays free.
public enum BlockingWork {
    public static func run<T: Sendable>(_ work: @escaping @Sendable () throws -> T) async throws -> T {
        try await DedicatedThread.run(work)
    }
}
