import Foundation

/// `Codable` for APIs (the HTTP server, `--format json`): the same keys, order-independent, and
/// times as RFC 3339 strings whatever the encoder's date strategy. History files are written by
/// ``RecordLineEncoder`` instead, which fixes the key order and is faster.
extension RunRecord: Codable {
    enum CodingKeys: String, CodingKey, CaseIterable {
        case v, run, job, trigger, status, scheduledFor, startedAt, finishedAt, durationMs, exitCode, attempt
        case params, fanout, commit, steps, error, warnings, log, event, report, rerunOf, requestedBy, node, count, firstScheduledFor, lastScheduledFor
    }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        let version = try c.decode(Int.self, forKey: .v)
        guard version == Self.formatVersion else {
            throw DecodingError.dataCorruptedError(forKey: .v, in: c, debugDescription: "record format version \(version); this jobctl reads version \(Self.formatVersion)")
        }
        func time(_ key: CodingKeys) throws -> Date? { try c.recordTime(forKey: key) }
        guard let finishedAt = try time(.finishedAt) else {
            throw DecodingError.keyNotFound(CodingKeys.finishedAt, .init(codingPath: c.codingPath, debugDescription: "finishedAt is required"))
        }
        self.init(
            run: try c.decode(String.self, forKey: .run),
            job: try c.decode(String.self, forKey: .job),
            trigger: try c.decode(Trigger.self, forKey: .trigger),
            status: try c.decode(RunStatus.self, forKey: .status),
            scheduledFor: try time(.scheduledFor),
            startedAt: try time(.startedAt),
            finishedAt: finishedAt,
            durationMs: try c.decodeIfPresent(Int64.self, forKey: .durationMs),
            exitCode: try c.decodeIfPresent(Int32.self, forKey: .exitCode),
            attempt: try c.decodeIfPresent(Int.self, forKey: .attempt),
            params: try c.decodeIfPresent([String: JSONScalar].self, forKey: .params) ?? [:],
            fanout: try c.decodeIfPresent(Fanout.self, forKey: .fanout),
            commit: try c.decodeIfPresent(String.self, forKey: .commit),
            steps: try c.decodeIfPresent([StepRecord].self, forKey: .steps) ?? [],
            error: try c.decodeIfPresent(String.self, forKey: .error),
            warnings: try c.decodeIfPresent([String].self, forKey: .warnings) ?? [],
            log: try c.decodeIfPresent(String.self, forKey: .log),
            event: try c.decodeIfPresent(String.self, forKey: .event),
            report: try c.decodeIfPresent(String.self, forKey: .report),
            rerunOf: try c.decodeIfPresent(String.self, forKey: .rerunOf),
            requestedBy: try c.decodeIfPresent(String.self, forKey: .requestedBy),
            node: try c.decodeIfPresent(String.self, forKey: .node),
            count: try c.decodeIfPresent(Int.self, forKey: .count),
            firstScheduledFor: try time(.firstScheduledFor),
            lastScheduledFor: try time(.lastScheduledFor)
        )
    }

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        func time(_ date: Date?, _ key: CodingKeys) throws {
            if let date { try c.encode(RecordTime.string(date), forKey: key) }
        }
        try c.encode(Self.formatVersion, forKey: .v)
        try c.encode(run, forKey: .run)
        try c.encode(job, forKey: .job)
        try c.encode(trigger, forKey: .trigger)
        try c.encode(status, forKey: .status)
        try time(scheduledFor, .scheduledFor)
        try time(startedAt, .startedAt)
        try time(finishedAt, .finishedAt)
        try c.encodeIfPresent(durationMs, forKey: .durationMs)
        try c.encodeIfPresent(exitCode, forKey: .exitCode)
        try c.encodeIfPresent(attempt, forKey: .attempt)
        if !params.isEmpty { try c.encode(params, forKey: .params) }
        try c.encodeIfPresent(fanout, forKey: .fanout)
        try c.encodeIfPresent(commit, forKey: .commit)
        if !steps.isEmpty { try c.encode(steps, forKey: .steps) }
        try c.encodeIfPresent(error, forKey: .error)
        if !warnings.isEmpty { try c.encode(warnings, forKey: .warnings) }
        try c.encodeIfPresent(log, forKey: .log)
        try c.encodeIfPresent(event, forKey: .event)
        try c.encodeIfPresent(report, forKey: .report)
        try c.encodeIfPresent(rerunOf, forKey: .rerunOf)
        try c.encodeIfPresent(requestedBy, forKey: .requestedBy)
        try c.encodeIfPresent(node, forKey: .node)
        try c.encodeIfPresent(count, forKey: .count)
        try time(firstScheduledFor, .firstScheduledFor)
        try time(lastScheduledFor, .lastScheduledFor)
    }
}
