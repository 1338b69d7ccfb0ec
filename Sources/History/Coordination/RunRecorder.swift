/// Appends final records: the one way a run's outcome becomes history.
///
/// File mode: ``FileRunRecorder`` (one line per record in `history/<job>.jsonl`). The cluster
/// mode implements it again over PostgreSQL.
public protocol RunRecorder: Sendable {
    /// Records a run that reached a final status. When this returns, the record is durable
    /// (as the implementation's durability policy defines it).
    /// - Throws: ``HistoryError`` when the record is not final, its job id is invalid, or the
    ///   store cannot be written.
    func append(_ record: RunRecord) async throws

    /// Records several runs, in this order. When this returns, all are durable; an
    /// implementation may make them so with one sync (the cluster's export appends batches).
    func append(contentsOf records: [RunRecord]) async throws

    /// Whether a final record of `run` (of `job`) exists: recovery uses it so a run is never
    /// recorded twice.
    func contains(run: String, job: String) async throws -> Bool
}

extension RunRecorder {
    public func append(contentsOf records: [RunRecord]) async throws {
        for record in records { try await append(record) }
    }
}
