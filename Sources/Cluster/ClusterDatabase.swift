import Foundation
import History
import Logging
import PostgresNIO

/// Where the cluster's database is: `postgres://USER[:PASSWORD]@HOST[:PORT]/DATABASE`, with
/// `?sslmode=disable|prefer|require` (default `prefer`) and `?host=/socket/folder` for a Unix
/// socket. The password may instead come from the secrets store (``ClusterDatabase/init(url:password:)``).
public struct DatabaseURL: Sendable, Hashable, CustomStringConvertible {
    public enum TLSMode: String, Sendable { case disable, prefer, require }

    public var host: String
    public var port: Int
    public var socketFolder: String?
    public var user: String
    public var password: String?
    public var database: String
    public var tls: TLSMode

    /// - Throws: ``ClusterError`` naming what is wrong with the URL (never echoing its password).
    public init(_ text: String) throws(ClusterError) {
        guard let components = URLComponents(string: text), let scheme = components.scheme,
              scheme == "postgres" || scheme == "postgresql" else {
            throw ClusterError("the cluster database must be a URL postgres://USER@HOST[:PORT]/DATABASE")
        }
        guard let user = components.user, !user.isEmpty else { throw ClusterError("the cluster database URL names no user (postgres://USER@HOST/DATABASE)") }
        let database = String(components.path.drop { $0 == "/" })
        guard !database.isEmpty, !database.contains("/") else { throw ClusterError("the cluster database URL names no database (postgres://USER@HOST/DATABASE)") }
        var tls = TLSMode.prefer
        var socketFolder: String?
        for item in components.queryItems ?? [] {
            switch item.name {
            case "sslmode":
                guard let mode = item.value.flatMap(TLSMode.init(rawValue:)) else {
                    throw ClusterError("sslmode must be disable, prefer or require, not \(item.value ?? "nothing")")
                }
                tls = mode
            case "host":
                socketFolder = item.value
            default:
                throw ClusterError("unknown parameter \(item.name) in the cluster database URL (known: sslmode, host)")
            }
        }
        let host = components.host ?? ""
        guard !host.isEmpty || socketFolder != nil else { throw ClusterError("the cluster database URL names no host") }
        self.host = host
        port = components.port ?? 5432
        self.socketFolder = socketFolder
        self.user = user
        password = components.password.flatMap { $0.removingPercentEncoding ?? $0 }
        self.database = database
        self.tls = tls
    }

    /// The URL without its password, for logs and status.
    public var description: String {
        let place = socketFolder.map { "?host=\($0)" } ?? ""
        return "postgres://\(user)@\(host)\(socketFolder == nil ? ":\(port)" : "")/\(database)\(place)"
    }
}

/// The cluster's PostgreSQL database: one pooled client, and the schema, which jobctl creates
/// and migrates itself (``migrate()``). Every query of cluster mode goes through here.
public final class ClusterDatabase: Sendable {
    public let url: DatabaseURL
    let client: PostgresClient
    let logger: Logger

    /// - Parameters:
    ///   - password: the password when the URL has none (from the secrets store).
    ///   - abandonedTransaction: how long the server lets one of this node's transactions sit
    ///     idle before it ends the session (`idle_in_transaction_session_timeout`). A node frozen
    ///     in the middle of a transaction (SIGSTOP, a hung host) would otherwise hold its locks
    ///     for as long as its connection stays open, and the node that reaps it would wait on
    ///     them. The daemon passes the dead time: such a node is reaped by then anyway.
    public init(url: DatabaseURL, password: String? = nil, maximumConnections: Int = 8, abandonedTransaction: Duration = .seconds(10)) {
        self.url = url
        var logger = Logger(label: "jobctl.cluster")
        logger.logLevel = .critical
        self.logger = logger
        let tls: PostgresClient.Configuration.TLS = switch url.tls {
        case .disable: .disable
        case .prefer: .prefer(.makeClientConfiguration())
        case .require: .require(.makeClientConfiguration())
        }
        var configuration: PostgresClient.Configuration
        if let folder = url.socketFolder {
            configuration = .init(unixSocketPath: "\(folder)/.s.PGSQL.\(url.port)", username: url.user, password: url.password ?? password, database: url.database)
        } else {
            configuration = .init(host: url.host, port: url.port, username: url.user, password: url.password ?? password, database: url.database, tls: tls)
        }
        configuration.options.maximumConnections = maximumConnections
        let milliseconds = max(1, Int((abandonedTransaction.seconds * 1_000).rounded()))
        configuration.options.additionalStartupParameters = [("idle_in_transaction_session_timeout", "\(milliseconds)")]
        configuration.options.connectTimeout = .seconds(5)
        client = PostgresClient(configuration: configuration, backgroundLogger: logger)
        deadline = abandonedTransaction * 3
        let secret = url.password ?? password
        if let folder = url.socketFolder {
            connection = .init(unixSocketPath: "\(folder)/.s.PGSQL.\(url.port)", username: url.user, password: secret, database: url.database)
        } else if url.tls == .disable {
            connection = .init(host: url.host, port: url.port, username: url.user, password: secret, database: url.database, tls: .disable)
        } else if let context = try? NIOSSLContext(configuration: .makeClientConfiguration()) {
            connection = .init(host: url.host, port: url.port, username: url.user, password: secret, database: url.database,
                               tls: url.tls == .require ? .require(context) : .prefer(context))
        } else {
            connection = nil
        }
    }

    /// One connection's settings, for ``checkConnection()`` (nil: no TLS context could be made;
    /// the pool then reports what it can).
    private let connection: PostgresConnection.Configuration?

    /// Connects once, outside the pool, and reports what the server says when it refuses (a
    /// wrong password, a missing database or role): the pool only retries, and ends with a
    /// circuit breaker's error that names none of it.
    public func checkConnection() async throws {
        guard let connection else { return }
        do {
            let connection = try await PostgresConnection.connect(configuration: connection, id: 0, logger: logger)
            try await connection.close()
        } catch let error as PSQLError {
            if let message = error.serverInfo?[.message] {
                throw ClusterError("the cluster's database at \(url) refused the connection: \(message)")
            }
            throw ClusterError("cannot connect to the cluster's database at \(url): \(error.code)")
        }
    }

    /// Runs the connection pool until the task is cancelled; queries wait for it.
    public func run() async {
        await client.run()
    }

    /// How long a statement outside a transaction may go unanswered before the caller is told it
    /// failed (inside one, ``ClusterConnection`` checks the connection before each query): PostgresNIO 1.33 never answers a query sent on a connection the server has closed
    /// (terminated, restarted), and a node waiting on it would hang for ever (the cluster fault
    /// test saw a node hang on its way out). Three dead times: a statement waiting on a lock that
    /// a frozen node holds is answered within one (``init(url:password:maximumConnections:abandonedTransaction:)``).
    let deadline: Duration

    @discardableResult
    func query(_ query: PostgresQuery) async throws -> PostgresRowSequence {
        try await Deadline.run(deadline, what: "the cluster's database") { [client, logger] in try await client.query(query, logger: logger) }
    }

    /// Runs `body` in a transaction (committed when it returns, rolled back when it throws); the
    /// body's own error is thrown as it is.
    ///
    /// Not PostgresNIO's `withTransaction`: a query on a connection the server has closed (the
    /// session was terminated, timed out idle in its transaction, or the server restarted) waits
    /// for ever there (PostgresNIO 1.33 writes it to the closed channel with no promise, and
    /// `withTransaction`'s ROLLBACK does the same). Every query here first checks the connection,
    /// and a closed one fails at once (`ClusterTests` terminates a session mid-transaction).
    func transaction<Result: Sendable>(_ body: (ClusterConnection) async throws -> Result) async throws -> Result {
        try await client.withConnection { connection in
            let session = ClusterConnection(connection: connection)
            try await session.query("BEGIN", logger: logger)
            let value: Result
            do {
                value = try await body(session)
            } catch {
                // A closed session was rolled back by the server.
                if !connection.isClosed { _ = try? await connection.query("ROLLBACK", logger: logger) }
                throw error
            }
            try await session.query("COMMIT", logger: logger)
            return value
        }
    }
}

/// One pooled connection inside ``ClusterDatabase/transaction(_:)``: queries that fail at once
/// when the server has closed the connection, instead of waiting for an answer that cannot come.
struct ClusterConnection {
    let connection: PostgresConnection

    @discardableResult
    func query(_ query: PostgresQuery, logger: Logger) async throws -> PostgresRowSequence {
        guard !connection.isClosed else {
            throw ClusterError("the connection to the cluster's database was closed by the server in the middle of a transaction (terminated, timed out, or the server restarted)")
        }
        return try await connection.query(query, logger: logger)
    }
}

/// A cluster-mode failure: a bad URL, an unreachable database, a schema from a newer jobctl.
public struct ClusterError: Error, Sendable, CustomStringConvertible {
    public var message: String
    public init(_ message: String) { self.message = message }
    public var description: String { message }
}
