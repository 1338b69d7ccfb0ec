import Foundation
import TestSupport
@testable import Cluster

/// A throwaway PostgreSQL server with jobctl's schema, and a running pool on it, for the body;
/// the pool stops after it.
func withClusterDatabase(_ body: (PostgresServer, ClusterDatabase) async throws -> Void) async throws {
    let server = try PostgresServer()
    let database = ClusterDatabase(url: try DatabaseURL(server.url))
    let pool = Task { await database.run() }
    defer { pool.cancel() }
    try await database.migrate()
    try await body(server, database)
}

/// Ledgers of nodes with these names, registered.
func registeredLedgers(_ names: [String], _ database: ClusterDatabase) async throws -> [ClusterLedger] {
    var ledgers: [ClusterLedger] = []
    for name in names {
        let ledger = ClusterLedger(database: database, node: name)
        try await database.register(node: name, incarnation: ledger.incarnation)
        ledgers.append(ledger)
    }
    return ledgers
}

/// A one-way gate between two tasks: `wait` returns once `open` was called.
final class Gate: @unchecked Sendable {
    private let stream: AsyncStream<Void>
    private let continuation: AsyncStream<Void>.Continuation
    private let lock = NSLock()
    private var opened = false

    init() {
        (stream, continuation) = AsyncStream.makeStream()
    }

    func open() {
        lock.withLock { opened = true }
        continuation.finish()
    }

    var isOpen: Bool { lock.withLock { opened } }

    func wait() async {
        for await _ in stream {}
    }
}
