/// A ``RunRecorder`` that tells observers of each record once it is appended: the run metrics,
/// the index of each job's last runs, notifications.
public struct ObservedRecorder: RunRecorder {
    public let inner: any RunRecorder
    public let observers: [@Sendable (RunRecord) -> Void]

    public init(_ inner: any RunRecorder, observers: [@Sendable (RunRecord) -> Void]) {
        self.inner = inner
        self.observers = observers
    }

    public func append(_ record: RunRecord) async throws {
        try await inner.append(record)
        for observe in observers { observe(record) }
    }

    public func append(contentsOf records: [RunRecord]) async throws {
        try await inner.append(contentsOf: records)
        for record in records { for observe in observers { observe(record) } }
    }

    public func contains(run: String, job: String) async throws -> Bool {
        try await inner.contains(run: run, job: job)
    }
}
