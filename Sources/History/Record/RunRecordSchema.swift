import Foundation

/// The JSON Schema (2020-12) of a history line, generated from the record model: the keys in
/// the order the writer puts them, and the enumerations from ``RunStatus``, ``Trigger`` and
/// ``StepStatus``. `jobctl schema --history` prints it.
public enum RunRecordSchema {
    public static let id = "https://jobctl.dev/schema/v1/run-record.json"

    private enum Kind {
        case string, time, integer(minimum: Int?), stringList, object([String: Any])
        case enumeration([String])
        case custom([String: Any])
    }

    private static var properties: [(key: String, kind: Kind, summary: String)] {
        let time = "RFC 3339 date-time with offset; jobctl writes UTC with milliseconds (2026-11-22T08:15:00.000Z)."
        return [
            ("v", .custom(["const": RunRecord.formatVersion]), "Record format version."),
            ("run", .custom(["type": "string", "pattern": "^[A-Za-z0-9_-][A-Za-z0-9._-]{0,99}$"]), "Run id: start time (UTC, to the millisecond) and a random suffix; ids sort by start time."),
            ("job", .custom(["type": "string", "pattern": "^[a-z0-9_-]+(/[a-z0-9_-]+)*$"]), "Job id: the job file's path under jobs/ without .yaml."),
            ("trigger", .enumeration(Trigger.allCases.map(\.rawValue)), "What started the run."),
            ("status", .enumeration(RunStatus.finalStatuses.map(\.rawValue)), "Final status; pending and running exist only in flight."),
            ("scheduledFor", .time, "The fire time the run is for. " + time),
            ("startedAt", .time, "When the first step started; absent for fires that never started. " + time),
            ("finishedAt", .time, "When the record became final; lines are in this order. " + time),
            ("durationMs", .integer(minimum: 0), "Run time in milliseconds."),
            ("exitCode", .integer(minimum: nil), "Exit status of the last process step."),
            ("attempt", .integer(minimum: 1), "1 for the first attempt, 2 for the first retry, ..."),
            ("params", .custom(["type": "object", "additionalProperties": ["type": ["string", "number", "boolean"]]]), "Parameter values (name to string, number or boolean)."),
            ("fanout", .object([
                "type": "object",
                "properties": ["index": ["type": "integer", "minimum": 0], "of": ["type": "integer", "minimum": 0], "key": ["type": "string"], "group": ["type": "string"]],
                "required": ["index", "of"],
            ]), "Which part of a matrix fan-out: run index (0-based) of N, its combination, and the fan-out's id (group) shared by its runs."),
            ("commit", .string, "The applied commit the definition came from."),
            ("steps", .custom(["type": "array", "items": [
                "type": "object",
                "properties": [
                    "name": ["type": "string"],
                    "status": ["enum": StepStatus.allCases.map(\.rawValue)],
                    "exitCode": ["type": "integer"],
                    "durationMs": ["type": "integer", "minimum": 0],
                ],
                "required": ["name", "status"],
            ] as [String: Any]]), "Each step: name, status, exit code, duration."),
            ("error", .string, "Why the run failed or did not run."),
            ("warnings", .stringList, "Things worth knowing that did not fail the run."),
            ("log", .string, "The run's log file, relative to the root: history/<job>/<run>.log."),
            ("event", .string, "Where the triggering event's payload is kept, relative to the root: the job's event log history/<job>/.events.jsonl, a line per run ({\"run\": ..., \"payload\": ...}; at most 64 KiB, secrets redacted); records written by earlier builds name history/<job>/<run>.event.json."),
            ("report", .string, "The run's report (an agent step's output, Markdown), relative to the root: history/<job>/<run>.report.md."),
            ("rerunOf", .string, "The run this one re-runs."),
            ("requestedBy", .string, "Who asked for the run: token NAME (the API) or user NAME (the CLI)."),
            ("node", .string, "The node (host) that ran it."),
            ("count", .integer(minimum: 1), "missed only: how many fires were not run."),
            ("firstScheduledFor", .time, "missed only: the first fire not run."),
            ("lastScheduledFor", .time, "missed only: the last fire not run."),
        ]
    }

    /// The keys in the order history lines hold them.
    public static var keys: [String] { properties.map(\.key) }

    /// Keys every record has.
    public static let required = ["v", "run", "job", "trigger", "status", "finishedAt"]

    public static func schema() -> [String: Any] {
        var described: [String: Any] = [:]
        for property in properties {
            var schema: [String: Any]
            switch property.kind {
            case .string: schema = ["type": "string"]
            case .time: schema = ["type": "string", "format": "date-time"]
            case .integer(let minimum):
                schema = ["type": "integer"]
                if let minimum { schema["minimum"] = minimum }
            case .stringList: schema = ["type": "array", "items": ["type": "string"]]
            case .object(let object): schema = object
            case .enumeration(let values): schema = ["enum": values]
            case .custom(let custom): schema = custom
            }
            schema["description"] = property.summary
            described[property.key] = schema
        }
        return [
            "$schema": "https://json-schema.org/draft/2020-12/schema",
            "$id": id,
            "title": "A jobctl run record: one line of history/<job>.jsonl",
            "type": "object",
            "properties": described,
            "required": required,
            "x-key-order": keys,
        ]
    }

    /// The schema as pretty-printed JSON with sorted keys.
    public static func render() -> String {
        let data = try! JSONSerialization.data(withJSONObject: schema(), options: [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes])
        return String(decoding: data, as: UTF8.self)
    }
}
