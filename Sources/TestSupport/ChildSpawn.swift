public import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// How the tests start children without handing one test's pipes to another test's child.
///
/// Foundation's `Pipe` is not close-on-exec, and `Process.run` closes the parent's descriptors in
/// the child only up to the highest one open when it looked: a pipe another thread made between
/// that look and the spawn went to the child too. When the child was a long-lived helper (a
/// python server, a daemon, a database), the other test's reader never saw the end of its pipe,
/// and Foundation, which sees a child exit when the child's end of a socket pair closes, never
/// saw that child exit either: a `git` command stayed a zombie and its test waited for ever (a
/// hung CI run, found with `.ci/hang-report`).
///
/// So every child a test starts is started under one lock, with its pipes made under the same
/// lock: no pipe or socket pair of one spawn exists half-made while another spawn copies the
/// descriptor table. Spawns made with `posix_spawn` close every descriptor above 2 in the child.
public enum ChildSpawn {
    private static let lock = NSLock()

    /// Runs `prepare` (which makes the process's pipes) and starts `process`, under the lock.
    @discardableResult
    public static func start<Prepared>(_ process: Process, _ prepare: () throws -> Prepared) throws -> Prepared {
        try lock.withLock {
            let prepared = try prepare()
            try process.run()
            return prepared
        }
    }

    public static func start(_ process: Process) throws {
        try start(process) { () }
    }

    /// `posix_spawn`, under the lock, with standard input, output and error from `actions` and
    /// every other descriptor closed in the child.
    public static func spawn(_ argv: [String], actions: inout posix_spawn_file_actions_t, attributes: UnsafePointer<posix_spawnattr_t>? = nil) throws -> pid_t {
        try lock.withLock {
            closeInheritedDescriptors(&actions)
            let cArguments = argv.map { strdup($0) } + [nil]
            defer { cArguments.forEach { free($0) } }
            var pid: pid_t = 0
            let result = posix_spawn(&pid, argv[0], &actions, attributes, cArguments, environ)
            guard result == 0 else {
                throw CocoaError(.executableLoad, userInfo: [NSLocalizedDescriptionKey: "cannot start \(argv[0]): \(String(cString: strerror(result)))"])
            }
            return pid
        }
    }

    /// glibc's `posix_spawn_file_actions_addclosefrom_np` (2.34; not in Swift's Glibc module),
    /// else one close per descriptor open now.
    private static func closeInheritedDescriptors(_ actions: inout posix_spawn_file_actions_t) {
        typealias CloseFrom = @convention(c) (UnsafeMutablePointer<posix_spawn_file_actions_t>, Int32) -> Int32
        if let symbol = dlsym(UnsafeMutableRawPointer(bitPattern: 0), "posix_spawn_file_actions_addclosefrom_np"),
           unsafeBitCast(symbol, to: CloseFrom.self)(&actions, 3) == 0 {
            return
        }
        for name in (try? FileManager.default.contentsOfDirectory(atPath: "/proc/self/fd")) ?? [] {
            if let fd = Int32(name), fd > 2 { posix_spawn_file_actions_addclose(&actions, fd) }
        }
    }
}
