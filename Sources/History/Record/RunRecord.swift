public import Foundation

/// One line of `history/<job>.jsonl`: a run that reached a final status, or a fire that was
/// decided not to run (`skipped`, `filtered`, `rate_limited`, `missed`, `blocked`).
///
/// ```json
/// {"v":1,"run":"20261122T081500.004Z-7k2m9q4x","job":"reports/paid-search","trigger":"schedule","status":"completed","scheduledFor":"2026-11-22T08:15:00.000Z","startedAt":"2026-11-22T08:15:00.004Z","finishedAt":"2026-11-22T08:15:12.310Z","durationMs":12306,"exitCode":0,"attempt":1,"commit":"5f0c…","steps":[{"name":"extract","status":"completed","exitCode":0,"durationMs":12001}],"log":"history/reports/paid-search/20261122T081500.004Z-7k2m9q4x.log"}
/// ```
///
/// Keys are written in the order of the properties below; optional fields are left out when nil
/// and collections when empty. Times are RFC 3339 UTC with milliseconds (see ``RecordTime``).
public struct RunRecord: Sendable, Hashable {
    /// The record format version, written as `v`.
    public static let formatVersion = 1

    /// Sortable unique id (see ``RunIDGenerator``).
    public var run: String
    /// The job id (`reports/paid-search`).
    public var job: String
    public var trigger: Trigger
    /// A final status (never `pending` or `running`).
    public var status: RunStatus
    /// The fire time this run is for (schedule, catch-up and retries of them).
    public var scheduledFor: Date?
    /// When the first step started; nil for fires that never started.
    public var startedAt: Date?
    /// When the record became final; the time history is ordered and filtered by.
    public var finishedAt: Date
    public var durationMs: Int64?
    /// The exit status of the last step that ran a process.
    public var exitCode: Int32?
    /// 1 for the first attempt, 2 for the first retry, ...
    public var attempt: Int?
    public var params: [String: JSONScalar]
    public var fanout: Fanout?
    /// The applied commit the definition came from.
    public var commit: String?
    public var steps: [StepRecord]
    public var error: String?
    public var warnings: [String]
    /// The run's log, relative to the root: `history/<job>/<run>.log`.
    public var log: String?
    /// Where the payload of the event that triggered it (or that its filter refused) is kept,
    /// relative to the root: the job's event log `history/<job>/.events.jsonl`, which holds it
    /// under the run's id (capped, secrets redacted, never published; see ``EventLog``). Records
    /// of earlier builds name `history/<job>/<run>.event.json`.
    public var event: String?
    /// The run's report (an agent step's output, Markdown), relative to the root:
    /// `history/<job>/<run>.report.md`.
    public var report: String?
    /// The run this one re-runs (`jobctl rerun`, `POST /api/runs/{run}/rerun`).
    public var rerunOf: String?
    /// Who asked for it: `token NAME` (the API), `user NAME` (the CLI); absent for the schedule.
    public var requestedBy: String?
    /// The node that ran it (cluster mode), or the host name.
    public var node: String?
    /// `missed` only: how many fires were not run.
    public var count: Int?
    /// `missed` only: the first fire not run.
    public var firstScheduledFor: Date?
    /// `missed` only: the last fire not run.
    public var lastScheduledFor: Date?

    public init(
        run: String, job: String, trigger: Trigger, status: RunStatus,
        scheduledFor: Date? = nil, startedAt: Date? = nil, finishedAt: Date,
        durationMs: Int64? = nil, exitCode: Int32? = nil, attempt: Int? = nil,
        params: [String: JSONScalar] = [:], fanout: Fanout? = nil, commit: String? = nil,
        steps: [StepRecord] = [], error: String? = nil, warnings: [String] = [],
        log: String? = nil, event: String? = nil, report: String? = nil, rerunOf: String? = nil, requestedBy: String? = nil, node: String? = nil,
        count: Int? = nil, firstScheduledFor: Date? = nil, lastScheduledFor: Date? = nil
    ) {
        self.run = run
        self.job = job
        self.trigger = trigger
        self.status = status
        self.scheduledFor = scheduledFor
        self.startedAt = startedAt
        self.finishedAt = finishedAt
        self.durationMs = durationMs
        self.exitCode = exitCode
        self.attempt = attempt
        self.params = params
        self.fanout = fanout
        self.commit = commit
        self.steps = steps
        self.error = error
        self.warnings = warnings
        self.log = log
        self.event = event
        self.report = report
        self.rerunOf = rerunOf
        self.requestedBy = requestedBy
        self.node = node
        self.count = count
        self.firstScheduledFor = firstScheduledFor
        self.lastScheduledFor = lastScheduledFor
    }

    /// One line of the history file (without the newline): the exact bytes an append writes.
    public var jsonLine: String { String(decoding: RecordLineEncoder.encode(self), as: UTF8.self) }

    /// Reads one history line.
    /// - Throws: ``HistoryError`` (`.unreadableRecord`) when it is not a version-1 record.
    public init(jsonLine: String) throws(HistoryError) {
        var text = jsonLine
        let result = text.withUTF8 { RecordLineDecoder.decode($0) }
        switch result {
        case .success(let record): self = record
        case .failure(let reason): throw HistoryError(.unreadableRecord, reason.message)
        }
    }
}

/// Which part of a fan-out (matrix) a run is: run `index` (0-based) `of` N, for `key`, in the
/// fan-out `group` (the same id on every run of one fire or request).
public struct Fanout: Sendable, Hashable, Codable {
    public var index: Int
    public var of: Int
    /// The matrix combination, e.g. `market=NL`.
    public var key: String?
    /// The fan-out's id, shared by its runs (absent in records written before jobctl 0.2).
    public var group: String?

    public init(index: Int, of: Int, key: String? = nil, group: String? = nil) {
        self.index = index
        self.of = of
        self.key = key
        self.group = group
    }
}

/// One step of a run as recorded.
public struct StepRecord: Sendable, Hashable, Codable {
    public var name: String
    public var status: StepStatus
    public var exitCode: Int32?
    public var durationMs: Int64?

    public init(name: String, status: StepStatus, exitCode: Int32? = nil, durationMs: Int64? = nil) {
        self.name = name
        self.status = status
        self.exitCode = exitCode
        self.durationMs = durationMs
    }
}
