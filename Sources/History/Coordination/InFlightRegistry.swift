public import Foundation

/// "Track a run in flight": every run between its start and its final record has a marker,
/// so that after a crash it can be recorded `interrupted` and its process group killed.
///
/// File mode: ``FileInFlightRegistry`` (`.jobctl/inflight/<run>.json`). The cluster mode keeps
/// them in PostgreSQL with the node's heartbeat.
public protocol InFlightRegistry: Sendable {
    /// Registers a run before anything of it starts.
    func begin(_ run: InFlightRun) async throws
    /// Replaces a run's marker, e.g. with the process group of the child just spawned.
    func update(_ run: InFlightRun) async throws
    /// Removes the marker, after the run's final record was appended. Removing a marker that
    /// does not exist is not an error.
    func finish(run: String) async throws
    /// Every run in flight.
    func list() async throws -> [InFlightRun]
}

/// A run in flight, as its marker holds it: enough to write its `interrupted` record and to
/// find its processes after a crash.
public struct InFlightRun: Sendable, Hashable, Codable {
    public var run: String
    public var job: String
    public var trigger: Trigger
    /// `pending` until the first step starts, then `running`.
    public var status: RunStatus
    public var scheduledFor: Date?
    public var startedAt: Date?
    public var attempt: Int?
    public var params: [String: JSONScalar]
    public var fanout: Fanout?
    public var commit: String?
    public var log: String?
    public var node: String?
    /// The child currently running (its own process group), when there is one.
    public var process: ProcessIdentity?
    /// The jobctl process that runs it (a daemon, or a `jobctl run`): while it lives, the run is
    /// in progress for every other process; once it is gone, whoever meets the marker recovers it.
    public var owner: ProcessIdentity?
    /// The run's final record, once it has one but history could not be written yet: recovery
    /// appends it instead of an `interrupted` record.
    public var final: RunRecord?
    /// An event triggered the run (its payload is kept on the node that received it).
    public var hasEvent: Bool
    /// The run ran a definition other than the applied one (`rerun --at-commit`, `run --draft`).
    public var ownDefinition: Bool

    public init(
        run: String, job: String, trigger: Trigger, status: RunStatus = .pending,
        scheduledFor: Date? = nil, startedAt: Date? = nil, attempt: Int? = nil,
        params: [String: JSONScalar] = [:], fanout: Fanout? = nil, commit: String? = nil,
        log: String? = nil, node: String? = nil, process: ProcessIdentity? = nil,
        owner: ProcessIdentity? = nil, final: RunRecord? = nil, hasEvent: Bool = false, ownDefinition: Bool = false
    ) {
        self.run = run
        self.job = job
        self.trigger = trigger
        self.status = status
        self.scheduledFor = scheduledFor
        self.startedAt = startedAt
        self.attempt = attempt
        self.params = params
        self.fanout = fanout
        self.commit = commit
        self.log = log
        self.node = node
        self.process = process
        self.owner = owner
        self.final = final
        self.hasEvent = hasEvent
        self.ownDefinition = ownDefinition
    }

    /// The record of this run when jobctl stopped while it was in flight.
    public func interruptedRecord(at now: Date, error: String, warnings: [String] = []) -> RunRecord {
        RunRecord(
            run: run, job: job, trigger: trigger, status: .interrupted,
            scheduledFor: scheduledFor, startedAt: startedAt, finishedAt: now,
            durationMs: startedAt.map { max(0, RecordTime.milliseconds(now) - RecordTime.milliseconds($0)) },
            attempt: attempt, params: params, fanout: fanout, commit: commit,
            error: error, warnings: warnings, log: log, node: node
        )
    }

    enum CodingKeys: String, CodingKey {
        case run, job, trigger, status, scheduledFor, startedAt, attempt, params, fanout, commit, log, node, process, owner, final, hasEvent, ownDefinition
    }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        func time(_ key: CodingKeys) throws -> Date? { try c.recordTime(forKey: key) }
        self.init(
            run: try c.decode(String.self, forKey: .run),
            job: try c.decode(String.self, forKey: .job),
            trigger: try c.decode(Trigger.self, forKey: .trigger),
            status: try c.decode(RunStatus.self, forKey: .status),
            scheduledFor: try time(.scheduledFor),
            startedAt: try time(.startedAt),
            attempt: try c.decodeIfPresent(Int.self, forKey: .attempt),
            params: try c.decodeIfPresent([String: JSONScalar].self, forKey: .params) ?? [:],
            fanout: try c.decodeIfPresent(Fanout.self, forKey: .fanout),
            commit: try c.decodeIfPresent(String.self, forKey: .commit),
            log: try c.decodeIfPresent(String.self, forKey: .log),
            node: try c.decodeIfPresent(String.self, forKey: .node),
            process: try c.decodeIfPresent(ProcessIdentity.self, forKey: .process),
            owner: try c.decodeIfPresent(ProcessIdentity.self, forKey: .owner),
            final: try c.decodeIfPresent(RunRecord.self, forKey: .final),
            hasEvent: try c.decodeIfPresent(Bool.self, forKey: .hasEvent) ?? false,
            ownDefinition: try c.decodeIfPresent(Bool.self, forKey: .ownDefinition) ?? false
        )
    }

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(run, forKey: .run)
        try c.encode(job, forKey: .job)
        try c.encode(trigger, forKey: .trigger)
        try c.encode(status, forKey: .status)
        if let scheduledFor { try c.encode(RecordTime.string(scheduledFor), forKey: .scheduledFor) }
        if let startedAt { try c.encode(RecordTime.string(startedAt), forKey: .startedAt) }
        try c.encodeIfPresent(attempt, forKey: .attempt)
        if !params.isEmpty { try c.encode(params, forKey: .params) }
        try c.encodeIfPresent(fanout, forKey: .fanout)
        try c.encodeIfPresent(commit, forKey: .commit)
        try c.encodeIfPresent(log, forKey: .log)
        try c.encodeIfPresent(node, forKey: .node)
        try c.encodeIfPresent(process, forKey: .process)
        try c.encodeIfPresent(owner, forKey: .owner)
        try c.encodeIfPresent(final, forKey: .final)
        if hasEvent { try c.encode(true, forKey: .hasEvent) }
        if ownDefinition { try c.encode(true, forKey: .ownDefinition) }
    }
}
