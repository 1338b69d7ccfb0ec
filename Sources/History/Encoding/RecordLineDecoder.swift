import Foundation
import JSONText

/// Reads one history line (raw UTF-8, without its newline) by hand: fast enough to scan a
/// million lines in well under a second. Unknown keys are skipped, so fields added later do not
/// make old readers drop lines; anything else wrong makes the whole line unreadable.
enum RecordLineDecoder {
    struct Failure: Error {
        var message: String
    }

    /// What `jobctl history --stats` and the claim index need, decoded without allocating.
    struct Summary {
        var status: RunStatus
        var finishedAt: Int64
        var durationMs: Int64?
        var scheduledFor: Int64?
        var count: Int?
        var firstScheduledFor: Int64?
        var lastScheduledFor: Int64?
        var fanout: Fanout?
    }

    static func decode(_ line: UnsafeBufferPointer<UInt8>) -> Result<RunRecord, Failure> {
        var fields = Fields()
        if let failure = scan(line, into: &fields, materialize: true) { return .failure(failure) }
        return .success(RunRecord(
            run: fields.run!, job: fields.job!, trigger: fields.trigger!, status: fields.status!,
            scheduledFor: fields.scheduledFor.map(RecordTime.date(milliseconds:)),
            startedAt: fields.startedAt.map(RecordTime.date(milliseconds:)),
            finishedAt: RecordTime.date(milliseconds: fields.finishedAt!),
            durationMs: fields.durationMs, exitCode: fields.exitCode, attempt: fields.attempt,
            params: fields.params, fanout: fields.fanout, commit: fields.commit, steps: fields.steps,
            error: fields.error, warnings: fields.warnings, log: fields.log, event: fields.event, report: fields.report, rerunOf: fields.rerunOf, requestedBy: fields.requestedBy, node: fields.node,
            count: fields.count,
            firstScheduledFor: fields.firstScheduledFor.map(RecordTime.date(milliseconds:)),
            lastScheduledFor: fields.lastScheduledFor.map(RecordTime.date(milliseconds:))
        ))
    }

    /// The same checks as ``decode(_:)``, keeping only times, status and duration.
    static func summary(_ line: UnsafeBufferPointer<UInt8>) -> Summary? {
        var fields = Fields()
        guard scan(line, into: &fields, materialize: false) == nil else { return nil }
        return Summary(status: fields.status!, finishedAt: fields.finishedAt!, durationMs: fields.durationMs,
                       scheduledFor: fields.scheduledFor, count: fields.count,
                       firstScheduledFor: fields.firstScheduledFor, lastScheduledFor: fields.lastScheduledFor, fanout: fields.fanout)
    }

    private struct Fields {
        var version: Int64?
        var run: String?
        var job: String?
        var trigger: Trigger?
        var status: RunStatus?
        var scheduledFor: Int64?
        var startedAt: Int64?
        var finishedAt: Int64?
        var durationMs: Int64?
        var exitCode: Int32?
        var attempt: Int?
        var params: [String: JSONScalar] = [:]
        var fanout: Fanout?
        var commit: String?
        var steps: [StepRecord] = []
        var error: String?
        var warnings: [String] = []
        var log: String?
        var event: String?
        var report: String?
        var rerunOf: String?
        var requestedBy: String?
        var node: String?
        var count: Int?
        var firstScheduledFor: Int64?
        var lastScheduledFor: Int64?
        var sawRun = false
        var sawJob = false
    }

    private static func scan(_ line: UnsafeBufferPointer<UInt8>, into f: inout Fields, materialize: Bool) -> Failure? {
        var s = JSONScanner(line)
        guard s.consume(UInt8(ascii: "{")) else { return Failure(message: "not a JSON object") }
        if !s.consume(UInt8(ascii: "}")) {
            repeat {
                guard let key = s.span(), s.consume(UInt8(ascii: ":")) else { return Failure(message: "malformed JSON") }
                if let failure = field(key, &s, &f, materialize) { return failure }
            } while s.consume(UInt8(ascii: ","))
            guard s.consume(UInt8(ascii: "}")) else { return Failure(message: "malformed JSON (an incomplete line?)") }
        }
        s.skipSpace()
        guard s.atEnd else { return Failure(message: "text after the JSON object") }
        guard let version = f.version else { return Failure(message: "no \"v\" (format version)") }
        guard version == Int64(RunRecord.formatVersion) else {
            return Failure(message: "record format version \(version); this jobctl reads version \(RunRecord.formatVersion)")
        }
        guard f.sawRun else { return Failure(message: "no \"run\"") }
        guard f.sawJob else { return Failure(message: "no \"job\"") }
        guard f.trigger != nil else { return Failure(message: "no \"trigger\"") }
        guard f.status != nil else { return Failure(message: "no \"status\"") }
        guard f.finishedAt != nil else { return Failure(message: "no \"finishedAt\"") }
        return nil
    }

    private static func field(_ key: JSONScanner.Span, _ s: inout JSONScanner, _ f: inout Fields, _ materialize: Bool) -> Failure? {
        /// A string: `.none` when missing or malformed (not UTF-8, a bad escape, a lone surrogate).
        func text() -> String?? {
            guard let span = s.span() else { return .none }
            guard materialize else { return .some(nil) }
            guard let string = s.string(span) else { return .none }
            return .some(string)
        }
        func time() -> Int64? {
            guard let span = s.span(), !span.escaped else { return nil }
            return RecordTime.parseMilliseconds(UnsafeBufferPointer(rebasing: s.bytes[span.start..<span.end]))
        }
        func bad(_ name: String, _ expected: String) -> Failure { Failure(message: "\"\(name)\" must be \(expected)") }

        switch key.end - key.start {
        case 1 where s.equals(key, "v"):
            guard let v = s.integer() else { return bad("v", "an integer") }
            f.version = v
        case 3 where s.equals(key, "run"):
            guard let v = text() else { return bad("run", "a string") }
            f.run = v; f.sawRun = true
        case 3 where s.equals(key, "job"):
            guard let v = text() else { return bad("job", "a string") }
            f.job = v; f.sawJob = true
        case 3 where s.equals(key, "log"):
            guard let v = text() else { return bad("log", "a string") }
            f.log = v
        case 6 where s.equals(key, "report"):
            guard let v = text() else { return bad("report", "a string") }
            f.report = v
        case 11 where s.equals(key, "requestedBy"):
            guard let v = text() else { return bad("requestedBy", "a string") }
            f.requestedBy = v
        case 7 where s.equals(key, "rerunOf"):
            guard let v = text() else { return bad("rerunOf", "a string") }
            f.rerunOf = v
        case 5 where s.equals(key, "event"):
            guard let v = text() else { return bad("event", "a string") }
            f.event = v
        case 4 where s.equals(key, "node"):
            guard let v = text() else { return bad("node", "a string") }
            f.node = v
        case 5 where s.equals(key, "error"):
            guard let v = text() else { return bad("error", "a string") }
            f.error = v
        case 5 where s.equals(key, "count"):
            guard let v = s.integer(), let n = Int(exactly: v) else { return bad("count", "an integer") }
            f.count = n
        case 5 where s.equals(key, "steps"):
            guard s.consume(UInt8(ascii: "[")) else { return bad("steps", "an array") }
            if !s.consume(UInt8(ascii: "]")) {
                repeat {
                    guard let step = step(&s, materialize) else { return bad("steps", "an array of {name, status, exitCode, durationMs}") }
                    if materialize { f.steps.append(step) }
                } while s.consume(UInt8(ascii: ","))
                guard s.consume(UInt8(ascii: "]")) else { return bad("steps", "an array") }
            }
        case 6 where s.equals(key, "status"):
            guard let span = s.span(), let status = RunStatus.finalStatuses.first(where: { s.equalsRaw(span, $0.rawValue) }) else {
                return bad("status", "a final run status")
            }
            f.status = status
        case 6 where s.equals(key, "commit"):
            guard let v = text() else { return bad("commit", "a string") }
            f.commit = v
        case 6 where s.equals(key, "params"):
            guard s.consume(UInt8(ascii: "{")) else { return bad("params", "an object") }
            if !s.consume(UInt8(ascii: "}")) {
                repeat {
                    guard let name = s.span(), s.consume(UInt8(ascii: ":")) else { return bad("params", "an object") }
                    s.skipSpace()
                    let value: JSONScalar?
                    switch s.current {
                    case UInt8(ascii: "\""): value = s.span().flatMap { span in materialize ? s.string(span).map(JSONScalar.string) : .string("") }
                    case UInt8(ascii: "t"): value = s.literal("true") ? .bool(true) : nil
                    case UInt8(ascii: "f"): value = s.literal("false") ? .bool(false) : nil
                    case UInt8(ascii: "n"):
                        // A null parameter is read as absent.
                        guard s.literal("null") else { return bad("params", "an object of strings, numbers and booleans") }
                        continue
                    default: value = materialize ? s.number().map(JSONScalar.init) : (s.skipNumber() ? .bool(false) : nil)
                    }
                    guard let value else { return bad("params", "an object of strings, numbers and booleans") }
                    if materialize, let key = s.string(name) { f.params[key] = value }
                } while s.consume(UInt8(ascii: ","))
                guard s.consume(UInt8(ascii: "}")) else { return bad("params", "an object") }
            }
        case 6 where s.equals(key, "fanout"):
            guard s.consume(UInt8(ascii: "{")) else { return bad("fanout", "an object") }
            var fanout = Fanout(index: -1, of: -1)
            if !s.consume(UInt8(ascii: "}")) {
                repeat {
                    guard let name = s.span(), s.consume(UInt8(ascii: ":")) else { return bad("fanout", "an object") }
                    if s.equals(name, "index") {
                        guard let v = s.integer(), let n = Int(exactly: v) else { return bad("fanout.index", "an integer") }
                        fanout.index = n
                    } else if s.equals(name, "of") {
                        guard let v = s.integer(), let n = Int(exactly: v) else { return bad("fanout.of", "an integer") }
                        fanout.of = n
                    } else if s.equals(name, "key") {
                        guard let span = s.span() else { return bad("fanout.key", "a string") }
                        if materialize { fanout.key = s.string(span) }
                    } else if s.equals(name, "group") {
                        guard let span = s.span() else { return bad("fanout.group", "a string") }
                        fanout.group = s.string(span) // --stats groups fan-outs by it
                    } else if !s.skipValue() {
                        return bad("fanout", "an object")
                    }
                } while s.consume(UInt8(ascii: ","))
                guard s.consume(UInt8(ascii: "}")) else { return bad("fanout", "an object") }
            }
            guard fanout.index >= 0, fanout.of >= 0 else { return bad("fanout", "{index, of, key}") }
            f.fanout = fanout
        case 7 where s.equals(key, "trigger"):
            guard let span = s.span(), let trigger = Trigger.allCases.first(where: { s.equalsRaw(span, $0.rawValue) }) else {
                return bad("trigger", "one of \(Trigger.allCases.map(\.rawValue).joined(separator: ", "))")
            }
            f.trigger = trigger
        case 7 where s.equals(key, "attempt"):
            guard let v = s.integer(), let n = Int(exactly: v) else { return bad("attempt", "an integer") }
            f.attempt = n
        case 8 where s.equals(key, "exitCode"):
            guard let v = s.integer(), let n = Int32(exactly: v) else { return bad("exitCode", "an integer") }
            f.exitCode = n
        case 8 where s.equals(key, "warnings"):
            guard s.consume(UInt8(ascii: "[")) else { return bad("warnings", "an array of strings") }
            if !s.consume(UInt8(ascii: "]")) {
                repeat {
                    guard let span = s.span() else { return bad("warnings", "an array of strings") }
                    if materialize {
                        guard let warning = s.string(span) else { return bad("warnings", "an array of strings") }
                        f.warnings.append(warning)
                    }
                } while s.consume(UInt8(ascii: ","))
                guard s.consume(UInt8(ascii: "]")) else { return bad("warnings", "an array of strings") }
            }
        case 9 where s.equals(key, "startedAt"):
            guard let v = time() else { return bad("startedAt", "an RFC 3339 date-time") }
            f.startedAt = v
        case 10 where s.equals(key, "finishedAt"):
            guard let v = time() else { return bad("finishedAt", "an RFC 3339 date-time") }
            f.finishedAt = v
        case 10 where s.equals(key, "durationMs"):
            guard let v = s.integer() else { return bad("durationMs", "an integer") }
            f.durationMs = v
        case 12 where s.equals(key, "scheduledFor"):
            guard let v = time() else { return bad("scheduledFor", "an RFC 3339 date-time") }
            f.scheduledFor = v
        case 16 where s.equals(key, "lastScheduledFor"):
            guard let v = time() else { return bad("lastScheduledFor", "an RFC 3339 date-time") }
            f.lastScheduledFor = v
        case 17 where s.equals(key, "firstScheduledFor"):
            guard let v = time() else { return bad("firstScheduledFor", "an RFC 3339 date-time") }
            f.firstScheduledFor = v
        default:
            guard s.skipValue() else { return Failure(message: "malformed JSON") }
        }
        return nil
    }

    private static func step(_ s: inout JSONScanner, _ materialize: Bool) -> StepRecord? {
        guard s.consume(UInt8(ascii: "{")) else { return nil }
        var name: String?
        var sawName = false
        var status: StepStatus?
        var exitCode: Int32?
        var durationMs: Int64?
        if !s.consume(UInt8(ascii: "}")) {
            repeat {
                guard let key = s.span(), s.consume(UInt8(ascii: ":")) else { return nil }
                if s.equals(key, "name") {
                    guard let span = s.span() else { return nil }
                    sawName = true
                    if materialize {
                        guard let text = s.string(span) else { return nil }
                        name = text
                    }
                } else if s.equals(key, "status") {
                    guard let span = s.span(), let value = StepStatus.allCases.first(where: { s.equalsRaw(span, $0.rawValue) }) else { return nil }
                    status = value
                } else if s.equals(key, "exitCode") {
                    guard let v = s.integer(), let n = Int32(exactly: v) else { return nil }
                    exitCode = n
                } else if s.equals(key, "durationMs") {
                    guard let v = s.integer() else { return nil }
                    durationMs = v
                } else if !s.skipValue(depth: 2) {
                    return nil
                }
            } while s.consume(UInt8(ascii: ","))
            guard s.consume(UInt8(ascii: "}")) else { return nil }
        }
        guard sawName, let status else { return nil }
        return StepRecord(name: name ?? "", status: status, exitCode: exitCode, durationMs: durationMs)
    }
}

extension JSONScalar {
    init(_ number: JSONScanner.Number) {
        switch number {
        case .integer(let value): self = .integer(value)
        case .double(let value): self = .number(value)
        }
    }
}

extension RunRecord {
    /// The record of one history line (without its newline); nil when it is not one.
    public init?(line: [UInt8]) {
        guard case .success(let record) = line.withUnsafeBufferPointer({ RecordLineDecoder.decode($0) }) else { return nil }
        self = record
    }
}
