public import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// Runs a started `Process` to its end, reading its standard output and error to their ends on
/// threads of their own (so neither pipe can fill up and block it), with a safety net: a child
/// still running after ``limit`` (a hang, never a slow machine) is killed and reported with what it
/// printed so far, instead of holding the whole test run for ever. (A grandchild that keeps a
/// pipe open is reported the same way.)
public enum ChildRun {
    /// 15 minutes: far beyond any command a test runs, even on a loaded CI machine.
    public static let limit: TimeInterval = 900

    public struct Output: Sendable {
        public var status: Int32
        public var stdout: Data
        public var stderr: Data
    }

    public struct TimedOut: Error, CustomStringConvertible {
        public let command: String
        public let stdout: String
        public let stderr: String
        public var description: String {
            "\(command) did not end within \(Int(ChildRun.limit)) s and was killed; stdout so far: \(stdout.suffix(2_000)); stderr so far: \(stderr.suffix(2_000))"
        }
    }

    public static func finish(_ process: Process, stdout: Pipe, stderr: Pipe) throws -> Output {
        let out = Collected(), err = Collected()
        let group = DispatchGroup()
        for (pipe, box) in [(stdout, out), (stderr, err)] {
            group.enter()
            Thread.detachNewThread {
                let handle = pipe.fileHandleForReading
                while true {
                    let chunk = handle.availableData
                    if chunk.isEmpty { break }
                    box.append(chunk)
                }
                group.leave()
            }
        }
        guard group.wait(timeout: .now() + limit) == .success else {
            if process.isRunning { kill(process.processIdentifier, SIGKILL) }
            let command = ([process.executableURL?.path ?? "?"] + (process.arguments ?? [])).joined(separator: " ")
            throw TimedOut(command: command, stdout: String(decoding: out.data, as: UTF8.self), stderr: String(decoding: err.data, as: UTF8.self))
        }
        process.waitUntilExit()
        return Output(status: process.terminationStatus, stdout: out.data, stderr: err.data)
    }
}

/// Bytes handed from the thread that drains a pipe to the one that waits for it.
private final class Collected: @unchecked Sendable {
    private let lock = NSLock()
    private var bytes = Data()

    func append(_ chunk: Data) { lock.withLock { bytes.append(chunk) } }
    var data: Data { lock.withLock { bytes } }
}
