import Foundation
import Locks
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The run's log file: step headers, and the steps' output up to a cap.
///
/// Output beyond `capBytes` (counted over the whole run, headers and notes not included) is
/// read and dropped, with one `[jobctl: output truncated after N bytes]` note, so a chatty child
/// never blocks on a full pipe. Appends go straight to the file (`O_APPEND`), so `jobctl logs
/// --follow` sees output as it arrives. Writes from stdout and stderr readers are serialised.
final class RunLog: Sendable {
    private struct State {
        var descriptor: Int32
        var written: Int = 0
        var truncated = false
        var dropped: Int = 0
    }

    let path: String
    let capBytes: Int
    private let state: Locked<State>

    /// Opens (creating folders and the file) `path` for appending.
    ///
    /// - Throws: ``RunLogError`` when the folder or file cannot be created.
    init(path: String, capBytes: Int) throws(RunLogError) {
        self.path = path
        self.capBytes = capBytes
        let folder = (path as NSString).deletingLastPathComponent
        do {
            try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        } catch {
            throw RunLogError(message: "cannot create the log folder \(folder): \(error.localizedDescription)")
        }
        let descriptor = open(path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0o640)
        guard descriptor >= 0 else {
            throw RunLogError(message: "cannot open the log \(path): \(String(cString: strerror(errno)))")
        }
        state = Locked(State(descriptor: descriptor))
    }

    deinit {
        state.withLock { _ = close($0.descriptor) }
    }

    /// Writes a line of jobctl's own (a step header, a note): not counted against the cap.
    func note(_ line: String) {
        state.withLock { state in
            RunLog.writeAll(Array((line + "\n").utf8), to: state.descriptor)
        }
    }

    /// Appends a child's output, or drops it once the cap is reached.
    func output(_ bytes: [UInt8]) {
        guard !bytes.isEmpty else { return }
        state.withLock { state in
            if state.truncated {
                state.dropped += bytes.count
                return
            }
            let room = capBytes - state.written
            if bytes.count <= room {
                RunLog.writeAll(bytes, to: state.descriptor)
                state.written += bytes.count
                return
            }
            if room > 0 {
                RunLog.writeAll(Array(bytes[..<room]), to: state.descriptor)
                state.written += room
            }
            state.truncated = true
            state.dropped += bytes.count - max(room, 0)
            RunLog.writeAll(Array("\n[jobctl: output truncated after \(capBytes) bytes]\n".utf8), to: state.descriptor)
        }
    }

    /// Bytes of output read but not written because of the cap.
    var droppedBytes: Int { state.withLock { $0.dropped } }

    private static func writeAll(_ bytes: [UInt8], to descriptor: Int32) {
        bytes.withUnsafeBytes { buffer in
            var offset = 0
            while offset < buffer.count {
                let count = write(descriptor, buffer.baseAddress! + offset, buffer.count - offset)
                if count < 0 {
                    if errno == EINTR { continue }
                    return  // a full disk loses log text, never the run
                }
                offset += count
            }
        }
    }
}

struct RunLogError: Error, Sendable {
    var message: String
}
