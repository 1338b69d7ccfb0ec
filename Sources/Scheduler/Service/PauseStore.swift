public import Foundation
public import History
import Schedules

/// A job paused at run time — a drift from git that `status` and the API show: since when, until
/// when, why, and who asked. Pauses live in the root's local state, `.jobctl/pauses.json`, so
/// they survive restarts and an apply does not lift them.
public struct JobPause: Sendable, Hashable, Codable {
    /// When a pause given as `until` text ends: an RFC 3339 time (`2026-11-23T09:00:00Z`) or a
    /// duration from `now` (`4h`); nil when it is neither. The CLI's `--until` and the dashboard's.
    public static func end(_ until: String, now: Date) -> Date? {
        if let time = RecordTime.parse(until) { return time }
        return (try? JobDuration(until)).map { now.addingTimeInterval($0.seconds) }
    }

    public var job: String
    public var since: Date
    /// When it lifts by itself (nil: until `resume`).
    public var until: Date?
    public var reason: String?
    /// Who asked: the API token's name, or the local user of the CLI.
    public var by: String

    public init(job: String, since: Date, until: Date? = nil, reason: String? = nil, by: String) {
        self.job = job
        self.since = since
        self.until = until
        self.reason = reason
        self.by = by
    }

    enum CodingKeys: String, CodingKey { case job, since, until, reason, by }

    // Times as RFC 3339 with milliseconds (as in history), whatever the encoder's date strategy.
    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        func time(_ key: CodingKeys) throws -> Date? {
            guard let text = try c.decodeIfPresent(String.self, forKey: key) else { return nil }
            guard let date = RecordTime.parse(text) else {
                throw DecodingError.dataCorruptedError(forKey: key, in: c, debugDescription: "not an RFC 3339 date-time")
            }
            return date
        }
        job = try c.decode(String.self, forKey: .job)
        guard let since = try time(.since) else {
            throw DecodingError.keyNotFound(CodingKeys.since, .init(codingPath: c.codingPath, debugDescription: "since is required"))
        }
        self.since = since
        until = try time(.until)
        reason = try c.decodeIfPresent(String.self, forKey: .reason)
        by = try c.decode(String.self, forKey: .by)
    }

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(job, forKey: .job)
        try c.encode(RecordTime.string(since), forKey: .since)
        try c.encodeIfPresent(until.map(RecordTime.string), forKey: .until)
        try c.encodeIfPresent(reason, forKey: .reason)
        try c.encode(by, forKey: .by)
    }

    /// Whether it holds at `now`.
    public func holds(at now: Date) -> Bool { until.map { now < $0 } ?? true }

    /// `paused since 2026-11-22T08:00:00.000Z by ops until … (reason)`.
    public var summary: String {
        "paused since \(RecordTime.string(since)) by \(by)" + (until.map { " until \(RecordTime.string($0))" } ?? "") + (reason.map { ": \($0)" } ?? "")
    }
}

/// The pauses of a root (`.jobctl/pauses.json`), changed under `.jobctl/pauses.lock` and written
/// atomically: the CLI and the daemon share them; the daemon reads them at each fire.
public struct PauseStore: Sendable {
    public let path: String

    public init(root: String) {
        path = URL(fileURLWithPath: root).appendingPathComponent(".jobctl/pauses.json").standardizedFileURL.path
    }

    public struct Failure: Error, Sendable, CustomStringConvertible {
        public var message: String
        public var description: String { message }
    }

    /// Every pause in the file, by job (expired ones included: the scheduler lifts them).
    public func all() -> [String: JobPause] {
        guard let data = FileManager.default.contents(atPath: path) else { return [:] }
        let pauses = (try? JSONDecoder().decode([JobPause].self, from: data)) ?? []
        return Dictionary(pauses.map { ($0.job, $0) }, uniquingKeysWith: { $1 })
    }

    /// The pause of `job` that holds at `now`.
    public func pause(of job: String, at now: Date) -> JobPause? {
        all()[job].flatMap { $0.holds(at: now) ? $0 : nil }
    }

    /// Pauses a job (replacing a pause it had).
    public func pause(_ pause: JobPause) throws(Failure) {
        try modify { $0[pause.job] = pause }
    }

    /// Lifts the pause of `job`; returns it (nil when it was not paused).
    @discardableResult
    public func resume(job: String) throws(Failure) -> JobPause? {
        var lifted: JobPause?
        try modify { pauses in lifted = pauses.removeValue(forKey: job) }
        return lifted
    }

    private func modify(_ change: (inout [String: JobPause]) -> Void) throws(Failure) {
        let folder = (path as NSString).deletingLastPathComponent
        do { try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true) } catch {
            throw Failure(message: "cannot create \(folder): \(error.localizedDescription)")
        }
        let lock: FileLock
        do { lock = try FileLock(path: folder + "/pauses.lock") } catch { throw Failure(message: "cannot open \(folder)/pauses.lock: \(error)") }
        try lock.withExclusiveLock { () throws(Failure) in
            var pauses = all()
            change(&pauses)
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
            do {
                let data = try encoder.encode(pauses.values.sorted { $0.job < $1.job })
                try data.write(to: URL(fileURLWithPath: path), options: .atomic)
            } catch {
                throw Failure(message: "cannot write \(path): \(error.localizedDescription)")
            }
        }
    }
}
