import Foundation
import Synchronization
import Locks
#if canImport(Glibc)
import Glibc
#endif

/// A step child's stdin, stdout and stderr as pipes of jobctl's own, read (and written) on a
/// thread of their own with `poll`, never on the cooperative pool.
///
/// swift-subprocess only sees file descriptors: its own asynchronous I/O keeps an entry per
/// process in a registration map that is never removed unless the process is seen to exit
/// before the caller's body returns (swift-subprocess 1.0.2) — ~40 bytes a run for the daemon's
/// lifetime. With descriptors it registers nothing.
final class StepPipes: @unchecked Sendable {
    /// The child's ends, handed to the spawn and closed here once the child has them.
    let childStdin: Int32, childStdout: Int32, childStderr: Int32
    private let stdinWrite: Int32
    private let stdoutRead: Int32, stderrRead: Int32
    private let wakeRead: Int32, wakeWrite: Int32
    private let finished = Locked<(done: Bool, waiter: CheckedContinuation<[UInt8], Never>?, captured: [UInt8])>((false, nil, []))
    private let childEndsClosed = Atomic<Bool>(false)

    /// - Throws: when the pipes cannot be made (out of descriptors).
    init() throws {
        // Close-on-exec is set right after `pipe`: not atomic, but every child jobctl starts goes
        // through swift-subprocess, whose spawn closes all descriptors above stderr in the child.
        func makePipe() throws -> (read: Int32, write: Int32) {
            var ends: [Int32] = [0, 0]
            guard pipe(&ends) == 0 else { throw POSIXError(POSIXErrorCode(rawValue: errno) ?? .EMFILE) }
            for end in ends { _ = fcntl(end, F_SETFD, FD_CLOEXEC) }
            return (ends[0], ends[1])
        }
        let input = try makePipe(), output = try makePipe(), error = try makePipe(), wake = try makePipe()
        (childStdin, stdinWrite) = input
        (stdoutRead, childStdout) = output
        (stderrRead, childStderr) = error
        (wakeRead, wakeWrite) = wake
    }

    /// Starts the thread that writes `input` (then closes stdin) and reads stdout and stderr into
    /// `log` through `redactor`, keeping the first `captureCap` bytes of stdout.
    func start(input: [UInt8]?, log: RunLog, redactor: Redactor, captureCap: Int) {
        let stdinWrite = self.stdinWrite
        if let input, !input.isEmpty {
            // Its own thread: a child that does not read its stdin must not stop its output being read.
            Thread {
                var offset = 0
                while offset < input.count {
                    let written = input.withUnsafeBytes { write(stdinWrite, $0.baseAddress! + offset, input.count - offset) }
                    if written < 0 && errno == EINTR { continue }
                    if written <= 0 { break }
                    offset += written
                }
                close(stdinWrite)
            }.start()
        } else {
            close(stdinWrite)
        }
        Thread { [self] in
            let captured = read(log: log, redactor: redactor, captureCap: captureCap)
            let waiter = finished.withLock { state -> CheckedContinuation<[UInt8], Never>? in
                state.done = true
                state.captured = captured
                defer { state.waiter = nil }
                return state.waiter
            }
            waiter?.resume(returning: captured)
        }.start()
    }

    /// Closes this process's copies of the child's ends (after the spawn, or when it failed), so
    /// that the reader sees the end of output once the child's processes close theirs.
    func closeChildEnds() {
        guard !childEndsClosed.exchange(true, ordering: .relaxed) else { return }
        close(childStdin)
        close(childStdout)
        close(childStderr)
    }

    /// Reads what is still in the pipes without waiting for more (descendants that outlived the
    /// child may hold them open), stops the reader and returns the captured stdout.
    func finish() async -> [UInt8] {
        closeChildEnds()
        var byte: UInt8 = 1
        _ = write(wakeWrite, &byte, 1)
        let captured = await withCheckedContinuation { (continuation: CheckedContinuation<[UInt8], Never>) in
            let ready = finished.withLock { state -> [UInt8]? in
                if state.done { return state.captured }
                state.waiter = continuation
                return nil
            }
            if let ready { continuation.resume(returning: ready) }
        }
        close(wakeWrite)
        close(wakeRead)
        return captured
    }

    /// The reader's loop: until both pipes end, or until woken, then a last drain without waiting.
    private func read(log: RunLog, redactor: Redactor, captureCap: Int) -> [UInt8] {
        var streams = [Redactor.Stream(), Redactor.Stream()]
        var open = [stdoutRead, stderrRead]
        var captured: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 64 * 1024)
        func consume(_ index: Int, blocking: Bool) {
            while open[index] >= 0 {
                let count = buffer.withUnsafeMutableBytes { Glibc.read(open[index], $0.baseAddress!, $0.count) }
                if count < 0 && errno == EINTR { continue }
                if count < 0 && (errno == EAGAIN || errno == EWOULDBLOCK) { return }
                if count <= 0 {
                    close(open[index])
                    open[index] = -1
                    return
                }
                let bytes = Array(buffer[0..<count])
                if index == 0 && captured.count < captureCap { captured += bytes.prefix(captureCap - captured.count) }
                log.output(streams[index].feed(bytes, using: redactor))
                if blocking { return }
            }
        }
        var stopping = false
        while !stopping && (open[0] >= 0 || open[1] >= 0) {
            var fds = [pollfd(fd: open[0], events: Int16(POLLIN), revents: 0), pollfd(fd: open[1], events: Int16(POLLIN), revents: 0),
                       pollfd(fd: wakeRead, events: Int16(POLLIN), revents: 0)]
            let ready = poll(&fds, 3, -1)
            if ready < 0 { if errno == EINTR { continue } else { break } }
            for index in 0..<2 where fds[index].revents != 0 { consume(index, blocking: true) }
            if fds[2].revents != 0 { stopping = true }
        }
        // Stopping: what is already in the pipes, without waiting for writers that are still there.
        for index in 0..<2 where open[index] >= 0 {
            _ = fcntl(open[index], F_SETFL, fcntl(open[index], F_GETFL) | O_NONBLOCK)
            consume(index, blocking: false)
            if open[index] >= 0 { close(open[index]) }
        }
        for index in 0..<2 { log.output(streams[index].finish(using: redactor)) }
        return captureCap > 0 ? captured : []
    }
}
