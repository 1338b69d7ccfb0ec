#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// The one reader of `/proc`: plain `open`/`read`/`close` into a buffer that is freed.
///
/// Foundation's `String(contentsOfFile:)` and `FileManager.contents(atPath:)` are not used for
/// `/proc`: its files report a size of 0, and reading an empty one that way leaked a 4 KiB buffer
/// each time (`/proc/self/task/*/children` after every step: ~52 KB per run, found with heaptrack
/// in the soak benchmark).
public enum ProcFiles {
    /// The bytes of `path` (at most `limit`), or nil when it cannot be opened.
    public static func contents(of path: String, limit: Int = 1 << 20) -> [UInt8]? {
        let descriptor = open(path, O_RDONLY | O_CLOEXEC)
        guard descriptor >= 0 else { return nil }
        defer { close(descriptor) }
        var bytes: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 4096)
        while bytes.count < limit {
            let count = chunk.withUnsafeMutableBytes { read(descriptor, $0.baseAddress, $0.count) }
            if count < 0 && errno == EINTR { continue }
            guard count > 0 else { return count < 0 && bytes.isEmpty ? nil : bytes }
            bytes += chunk[0..<count]
        }
        return bytes
    }

    /// The pids `/proc` lists now (or the task ids of `/proc/PID/task`).
    public static func processIDs(in folder: String = "/proc") -> [Int32] {
        #if os(Linux)
        guard let directory = opendir(folder) else { return [] }
        defer { closedir(directory) }
        var pids: [Int32] = []
        while let entry = readdir(directory) {
            let name = withUnsafeBytes(of: entry.pointee.d_name) { raw in
                String(decoding: raw.prefix(while: { $0 != 0 }), as: UTF8.self)
            }
            if let pid = Int32(name) { pids.append(pid) }
        }
        return pids
        #else
        return []
        #endif
    }
}

/// The fields of `/proc/<pid>/stat` jobctl uses.
public struct ProcStat: Sendable, Hashable {
    public var pid: Int32
    public var state: UInt8
    public var parent: Int32
    public var processGroup: Int32
    public var session: Int32
    /// Clock ticks after boot at which the process started.
    public var startTime: UInt64

    public var isZombie: Bool { state == UInt8(ascii: "Z") || state == UInt8(ascii: "X") }

    public init?(pid: Int32) {
        guard pid > 0, let data = ProcFiles.contents(of: "/proc/\(pid)/stat") else { return nil }
        // "pid (comm) state ppid pgrp session ..." — comm may hold spaces and parentheses,
        // so the fields are counted from the last ')'.
        guard let close = data.lastIndex(of: UInt8(ascii: ")")) else { return nil }
        let fields = data[(close + 1)...].split(separator: UInt8(ascii: " "))
        // fields[0] = state (field 3), [1] = ppid (4), [2] = pgrp (5), [3] = session (6), [19] = starttime (22)
        func number<T: FixedWidthInteger>(_ index: Int) -> T? { T(String(decoding: fields[index], as: UTF8.self)) }
        guard fields.count > 19, let state = fields[0].first, let parent: Int32 = number(1),
              let group: Int32 = number(2), let session: Int32 = number(3), let start: UInt64 = number(19) else { return nil }
        self.pid = pid
        self.state = state
        self.parent = parent
        self.processGroup = group
        self.session = session
        self.startTime = start
    }
}
