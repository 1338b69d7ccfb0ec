public import Foundation
import History

/// Accounts for every fire and run of a root after a daemon was killed and restarted: what the
/// crash-loop test checks (and what anyone can run against a root after a bad day).
///
/// - no torn line: every line of every `history/**/*.jsonl` is a whole JSON object, and every
///   file ends with a newline;
/// - every run recorded once (run ids unique);
/// - every fire exactly once, for the jobs named in `everySecond` (cron `* * * * * *`): each
///   second from the first to the last fire is claimed by exactly one record — a run's
///   `scheduledFor`, or one second of a `missed` record's `firstScheduledFor…lastScheduledFor`
///   (whose `count` must match);
/// - no in-flight marker left in `.jobctl/inflight`.
public struct HistoryAudit {
    public struct Record {
        public var run: String
        public var job: String
        public var status: String
        public var scheduledFor: Date?
        public var firstScheduledFor: Date?
        public var lastScheduledFor: Date?
        public var count: Int?
    }

    /// The roots whose histories are read together (a cluster's nodes, each of which exports
    /// every run it saw finish before it stopped).
    public let roots: [String]
    public private(set) var records: [Record] = []
    /// What is wrong; empty when the history accounts for everything.
    public private(set) var problems: [String] = []

    public init(root: String, everySecond: [String]) {
        self.init(roots: [root], everySecond: everySecond)
    }

    /// Several roots are read as their records merged by run id: a run in two roots' files is one
    /// run (cluster mode: every node exports every run). Within one root, a run recorded twice is
    /// a problem.
    public init(roots: [String], everySecond: [String]) {
        self.roots = roots
        var seen: Set<String> = []
        for root in roots {
            let before = records.count
            readHistory(of: root)
            let added = Array(records[before...])
            records.removeSubrange(before...)
            for (run, count) in Dictionary(added.map { ($0.run, 1) }, uniquingKeysWith: +) where count > 1 {
                problems.append("run \(run) recorded \(count) times in \(root)")
            }
            records += added.filter { !seen.contains($0.run) }
            seen.formUnion(added.map(\.run))
        }
        for job in everySecond { checkFires(of: job) }
        for root in roots {
            let markers = ((try? FileInFlightRegistry(root: root).list()) ?? []).map(\.run)
            if !markers.isEmpty { problems.append("in-flight markers left in \(root): \(markers)") }
        }
    }

    /// The records of `run` (one, when all is well).
    public func records(ofRun run: String) -> [Record] { records.filter { $0.run == run } }

    private mutating func readHistory(of root: String) {
        let history = root + "/history"
        guard let walker = FileManager.default.enumerator(atPath: history) else { return }
        for case let path as String in walker where path.hasSuffix(".jsonl") && !path.hasSuffix(".notify.jsonl") {
            guard let data = FileManager.default.contents(atPath: history + "/" + path), !data.isEmpty else { continue }
            if data.last != UInt8(ascii: "\n") { problems.append("history/\(path) does not end with a newline (a torn last line)") }
            for (index, line) in data.split(separator: UInt8(ascii: "\n")).enumerated() {
                guard let object = try? JSONSerialization.jsonObject(with: Data(line)) as? [String: Any],
                      let run = object["run"] as? String, let job = object["job"] as? String, let status = object["status"] as? String else {
                    problems.append("history/\(path):\(index + 1): not a whole record: \(String(decoding: line.prefix(120), as: UTF8.self))")
                    continue
                }
                records.append(Record(run: run, job: job, status: status, scheduledFor: Self.date(object["scheduledFor"]),
                                      firstScheduledFor: Self.date(object["firstScheduledFor"]), lastScheduledFor: Self.date(object["lastScheduledFor"]),
                                      count: object["count"] as? Int))
            }
        }
    }

    private mutating func checkFires(of job: String) {
        var claims: [Int: [String]] = [:]
        for record in records where record.job == job {
            if record.status == "missed" || record.firstScheduledFor != nil {
                guard let first = record.firstScheduledFor, let last = record.lastScheduledFor else {
                    problems.append("\(job): \(record.status) record \(record.run) without its range")
                    continue
                }
                let seconds = Array(Int(first.timeIntervalSince1970)...Int(last.timeIntervalSince1970))
                if record.count != seconds.count { problems.append("\(job): \(record.run) says count \(record.count ?? -1) for \(seconds.count) seconds") }
                for second in seconds { claims[second, default: []].append(record.run) }
            } else if let scheduled = record.scheduledFor {
                claims[Int(scheduled.timeIntervalSince1970), default: []].append(record.run)
            }
        }
        guard let first = claims.keys.min(), let last = claims.keys.max() else {
            problems.append("\(job): no fire recorded")
            return
        }
        for second in first...last {
            let runs = claims[second] ?? []
            let instant = Date(timeIntervalSince1970: TimeInterval(second))
            if runs.isEmpty { problems.append("\(job): the fire of \(instant) is not accounted for") }
            if runs.count > 1 { problems.append("\(job): the fire of \(instant) claimed by \(runs.count) records: \(runs)") }
        }
    }

    private static func date(_ value: Any?) -> Date? {
        guard let text = value as? String else { return nil }
        let formatter = ISO8601DateFormatter()
        formatter.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
        if let date = formatter.date(from: text) { return date }
        formatter.formatOptions = [.withInternetDateTime]
        return formatter.date(from: text)
    }
}

/// Live processes whose environment says they belong to one of `runs` (`JOBCTL_RUN=<run>`):
/// children a run left behind.
public func liveProcesses(ofRuns runs: Set<String>) -> [Int32] {
    ProcFiles.processIDs().filter { pid in
        guard let stat = ProcStat(pid: pid), !stat.isZombie, let environment = ProcFiles.contents(of: "/proc/\(pid)/environ") else { return false }
        return environment.split(separator: 0).contains { entry in
            let text = String(decoding: entry, as: UTF8.self)
            return text.hasPrefix("JOBCTL_RUN=") && runs.contains(String(text.dropFirst("JOBCTL_RUN=".count)))
        }
    }
}
