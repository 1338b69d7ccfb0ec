public import Definitions
public import Expressions
import Foundation

/// What jobctl keeps of the event that triggered a run (or that a job's filter refused), as
/// a line of the job's event log (`history/<job>/.events.jsonl`): the payload as JSON, with the value of every secret the job
/// names replaced by `***` wherever it appears in a string, and at most ``limit`` bytes. A payload
/// larger than that is kept as `{"truncated": true, "bytes": N, "prefix": "<first bytes>"}`, which
/// can be read but not replayed.
public enum EventPayload {
    /// 64 KiB.
    public static let limit = 64 * 1024

    /// The file's bytes (ending with a newline).
    public static func contents(_ payload: Value, job: JobDefinition, secrets: SecretStore) -> [UInt8] {
        var redactor = Redactor()
        for name in job.secretNames {
            if let value = try? secrets.value(named: name) { redactor.add(value) }
        }
        let text = redacted(payload, redactor).description
        if text.utf8.count <= limit { return Array((text + "\n").utf8) }
        // Room for the wrapper and the prefix's escapes: cut the prefix until the whole fits.
        var prefixBytes = limit / 2
        while true {
            let prefix = String(decoding: text.utf8.prefix(prefixBytes), as: UTF8.self)
            let wrapped = Value.object(["truncated": .bool(true), "bytes": .number(Double(text.utf8.count)), "prefix": .string(prefix)]).description
            if wrapped.utf8.count <= limit || prefixBytes == 0 { return Array((wrapped + "\n").utf8) }
            prefixBytes = prefixBytes * 3 / 4
        }
    }

    private static func redacted(_ value: Value, _ redactor: Redactor) -> Value {
        guard !redactor.isEmpty else { return value }
        switch value {
        case .string(let text): return .string(redactor.redact(text))
        case .array(let items): return .array(items.map { redacted($0, redactor) })
        case .object(let members):
            var result: [String: Value] = [:]
            for (key, member) in members { result[redactor.redact(key)] = redacted(member, redactor) }
            return .object(result)
        case .null, .bool, .number: return value
        }
    }
}
