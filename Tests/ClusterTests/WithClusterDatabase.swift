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
