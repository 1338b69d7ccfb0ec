import Foundation
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

    /// - Parameter password: the password when the URL has none (from the secrets store).
    public init(url: DatabaseURL, password: String? = nil, maximumConnections: Int = 8) {
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
        configuration.options.connectTimeout = .seconds(5)
        client = PostgresClient(configuration: configuration, backgroundLogger: logger)
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

    @discardableResult
    func query(_ query: PostgresQuery) async throws -> PostgresRowSequence {
        try await client.query(query, logger: logger)
    }

    /// Runs `body` in a transaction (committed when it returns, rolled back when it throws); the
    /// body's own error is thrown as it is.
    func transaction<Result: Sendable>(_ body: (PostgresConnection) async throws -> Result) async throws -> Result {
        do {
            return try await client.withTransaction(logger: logger) { connection in try await body(connection) }
        } catch let error as PostgresTransactionError {
            throw error.closureError ?? error
        }
    }
}

/// A cluster-mode failure: a bad URL, an unreachable database, a schema from a newer jobctl.
public struct ClusterError: Error, Sendable, CustomStringConvertible {
    public var message: String
    public init(_ message: String) { self.message = message }
    public var description: String { message }
}
