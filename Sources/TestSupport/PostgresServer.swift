public import Foundation

/// A real PostgreSQL server for one test: Debian's `initdb` and `pg_ctl` (package `postgresql`)
/// on a throwaway data folder, listening only on a Unix socket in that folder. When the tests run
/// as root, the server runs as the `postgres` user (PostgreSQL refuses root).
public final class PostgresServer: @unchecked Sendable {
    public let folder: String
    public let binaries: String
    /// The cluster URL of its `postgres` database, for user `jobctl` (trusted, no password).
    public var url: String { "postgres://jobctl@localhost/postgres?host=\(folder)&sslmode=disable" }

    public struct Failure: Error, CustomStringConvertible {
        public var description: String
        public init(description: String) { self.description = description }
    }

    /// Creates the data folder and starts the server.
    public init() throws {
        guard let binaries = PostgresServer.findBinaries() else {
            throw Failure(description: "PostgreSQL's server binaries are not installed (Debian: apt-get install postgresql)")
        }
        self.binaries = binaries
        folder = FileManager.default.temporaryDirectory.appendingPathComponent("jobctl-pg-\(UUID().uuidString.prefix(8))").path
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: false, attributes: [.posixPermissions: 0o700])
        if getuid() == 0 { try run("/bin/chown", ["postgres:postgres", folder], asServer: false) }
        try run(binaries + "/initdb", ["-D", folder + "/data", "-U", "jobctl", "--auth=trust", "-E", "UTF8", "--no-sync"])
        try start()
    }

    /// Starts (or starts again) the server and waits until it accepts connections.
    public func start() throws {
        let options = "-c listen_addresses='' -k \(folder) -c fsync=off -c full_page_writes=off -c max_connections=200"
        try run(binaries + "/pg_ctl", ["-D", folder + "/data", "-l", folder + "/server.log", "-o", options, "-w", "-t", "120", "start"])
    }

    /// Stops the server (`fast`: clients are disconnected; `immediate`: as after a crash).
    public func stop(mode: String = "fast") throws {
        try run(binaries + "/pg_ctl", ["-D", folder + "/data", "-m", mode, "-w", "-t", "120", "stop"])
    }

    /// Runs SQL through `psql` (as the trusted `jobctl` user): e.g. terminating backends.
    @discardableResult
    public func psql(_ sql: String, database: String = "postgres") throws -> String {
        try run(binaries + "/psql", ["-h", folder, "-U", "jobctl", "-d", database, "-At", "-v", "ON_ERROR_STOP=1", "-c", sql])
    }

    deinit {
        try? stop(mode: "immediate")
        try? FileManager.default.removeItem(atPath: folder)
    }

    /// Runs a tool to its end (as `postgres` when the tests run as root), with posix_spawn and
    /// waitpid on its pid: its output goes to a file, not a pipe, because the server that
    /// `pg_ctl start` leaves running would hold a pipe open for ever.
    @discardableResult
    private func run(_ tool: String, _ arguments: [String], asServer: Bool = true) throws -> String {
        let argv = (asServer && getuid() == 0 ? ["/usr/sbin/runuser", "-u", "postgres", "--", tool] : [tool]) + arguments
        let outputPath = folder + "/command-\(UUID().uuidString).out"
        defer { unlink(outputPath) }
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
        posix_spawn_file_actions_addopen(&actions, 1, outputPath, O_WRONLY | O_CREAT | O_TRUNC, 0o644)
        posix_spawn_file_actions_adddup2(&actions, 1, 2)
        // Nothing else of this process reaches the server, which outlives the spawn: another
        // test's pipe held open there would keep its reader waiting for ever, and a Process's
        // socket its waitUntilExit (Foundation sees a child's exit when that socket closes).
        let pid = try ChildSpawn.spawn(argv, actions: &actions)
        var status: Int32 = 0
        while waitpid(pid, &status, 0) < 0 && errno == EINTR {}
        let text = (FileManager.default.contents(atPath: outputPath)).map { String(decoding: $0, as: UTF8.self) } ?? ""
        let exited = (status & 0x7f) == 0 ? (status >> 8) & 0xff : 128 + (status & 0x7f)
        guard exited == 0 else {
            throw Failure(description: "\((tool as NSString).lastPathComponent) \(arguments.joined(separator: " ")) exited \(exited): \(text)")
        }
        return text
    }

    private static func findBinaries() -> String? {
        let root = "/usr/lib/postgresql"
        let versions = ((try? FileManager.default.contentsOfDirectory(atPath: root)) ?? []).compactMap(Int.init).sorted()
        return versions.reversed().map { "\(root)/\($0)/bin" }.first { FileManager.default.isExecutableFile(atPath: $0 + "/pg_ctl") }
    }
}
