import Foundation

/// Writes a record as one line of JSON, by hand: keys in a fixed order (the order of
/// ``RunRecord``'s properties, `v` first), no spaces, `/` not escaped, every control character
/// escaped (so a line never contains a raw newline), params sorted by name.
enum RecordLineEncoder {
    static func encode(_ r: RunRecord) -> [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity(256 + (r.error?.utf8.count ?? 0))
        out.append(contentsOf: #"{"v":"#.utf8)
        integer(Int64(RunRecord.formatVersion), &out)
        key("run", &out); string(r.run, &out)
        key("job", &out); string(r.job, &out)
        key("trigger", &out); string(r.trigger.rawValue, &out)
        key("status", &out); string(r.status.rawValue, &out)
        if let t = r.scheduledFor { key("scheduledFor", &out); time(t, &out) }
        if let t = r.startedAt { key("startedAt", &out); time(t, &out) }
        key("finishedAt", &out); time(r.finishedAt, &out)
        if let v = r.durationMs { key("durationMs", &out); integer(v, &out) }
        if let v = r.exitCode { key("exitCode", &out); integer(Int64(v), &out) }
        if let v = r.attempt { key("attempt", &out); integer(Int64(v), &out) }
        if !r.params.isEmpty {
            key("params", &out)
            out.append(UInt8(ascii: "{"))
            for (index, name) in r.params.keys.sorted().enumerated() {
                if index > 0 { out.append(UInt8(ascii: ",")) }
                string(name, &out)
                out.append(UInt8(ascii: ":"))
                scalar(r.params[name]!, &out)
            }
            out.append(UInt8(ascii: "}"))
        }
        if let f = r.fanout {
            key("fanout", &out)
            out.append(contentsOf: #"{"index":"#.utf8)
            integer(Int64(f.index), &out)
            out.append(contentsOf: #","of":"#.utf8)
            integer(Int64(f.of), &out)
            if let k = f.key { out.append(contentsOf: #","key":"#.utf8); string(k, &out) }
            if let g = f.group { out.append(contentsOf: #","group":"#.utf8); string(g, &out) }
            out.append(UInt8(ascii: "}"))
        }
        if let v = r.commit { key("commit", &out); string(v, &out) }
        if !r.steps.isEmpty {
            key("steps", &out)
            out.append(UInt8(ascii: "["))
            for (index, step) in r.steps.enumerated() {
                if index > 0 { out.append(UInt8(ascii: ",")) }
                out.append(contentsOf: #"{"name":"#.utf8)
                string(step.name, &out)
                out.append(contentsOf: #","status":"#.utf8)
                string(step.status.rawValue, &out)
                if let v = step.exitCode { out.append(contentsOf: #","exitCode":"#.utf8); integer(Int64(v), &out) }
                if let v = step.durationMs { out.append(contentsOf: #","durationMs":"#.utf8); integer(v, &out) }
                out.append(UInt8(ascii: "}"))
            }
            out.append(UInt8(ascii: "]"))
        }
        if let v = r.error { key("error", &out); string(v, &out) }
        if !r.warnings.isEmpty {
            key("warnings", &out)
            out.append(UInt8(ascii: "["))
            for (index, warning) in r.warnings.enumerated() {
                if index > 0 { out.append(UInt8(ascii: ",")) }
                string(warning, &out)
            }
            out.append(UInt8(ascii: "]"))
        }
        if let v = r.log { key("log", &out); string(v, &out) }
        if let v = r.event { key("event", &out); string(v, &out) }
        if let v = r.report { key("report", &out); string(v, &out) }
        if let v = r.rerunOf { key("rerunOf", &out); string(v, &out) }
        if let v = r.requestedBy { key("requestedBy", &out); string(v, &out) }
        if let v = r.node { key("node", &out); string(v, &out) }
        if let v = r.count { key("count", &out); integer(Int64(v), &out) }
        if let t = r.firstScheduledFor { key("firstScheduledFor", &out); time(t, &out) }
        if let t = r.lastScheduledFor { key("lastScheduledFor", &out); time(t, &out) }
        out.append(UInt8(ascii: "}"))
        return out
    }

    /// The keys in the order they are written; the schema lists them in the same order.
    static let keyOrder = [
        "v", "run", "job", "trigger", "status", "scheduledFor", "startedAt", "finishedAt", "durationMs",
        "exitCode", "attempt", "params", "fanout", "commit", "steps", "error", "warnings", "log", "event", "report", "rerunOf", "requestedBy", "node",
        "count", "firstScheduledFor", "lastScheduledFor",
    ]

    private static func key(_ name: StaticString, _ out: inout [UInt8]) {
        out.append(UInt8(ascii: ","))
        out.append(UInt8(ascii: "\""))
        name.withUTF8Buffer { out.append(contentsOf: $0) }
        out.append(UInt8(ascii: "\""))
        out.append(UInt8(ascii: ":"))
    }

    private static func time(_ date: Date, _ out: inout [UInt8]) {
        out.append(UInt8(ascii: "\""))
        RecordTime.append(RecordTime.milliseconds(date), to: &out)
        out.append(UInt8(ascii: "\""))
    }

    static func integer(_ value: Int64, _ out: inout [UInt8]) {
        if value == 0 { out.append(48); return }
        var magnitude = value.magnitude
        if value < 0 { out.append(UInt8(ascii: "-")) }
        var digits: (UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8,
                     UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8) =
            (0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0)
        var count = 0
        withUnsafeMutableBytes(of: &digits) { buffer in
            while magnitude > 0 {
                buffer[count] = UInt8(48 + magnitude % 10)
                magnitude /= 10
                count += 1
            }
            for i in stride(from: count - 1, through: 0, by: -1) { out.append(buffer[i]) }
        }
    }

    private static func scalar(_ value: JSONScalar, _ out: inout [UInt8]) {
        switch value {
        case .string(let s): string(s, &out)
        case .integer(let i): integer(i, &out)
        case .bool(let b): out.append(contentsOf: (b ? "true" : "false").utf8)
        case .number(let d):
            if d.isFinite {
                if d == d.rounded(), abs(d) < 1e15 { integer(Int64(d), &out); out.append(contentsOf: ".0".utf8) } else { out.append(contentsOf: "\(d)".utf8) }
            } else {
                // JSON has no infinities or NaN; record them as text rather than corrupt the line.
                string(d.description, &out)
            }
        }
    }

    private static func hexDigit(_ value: UInt8) -> UInt8 {
        value < 10 ? 48 + value : 87 + value
    }

    static func string(_ s: String, _ out: inout [UInt8]) {
        out.append(UInt8(ascii: "\""))
        for c in s.utf8 {
            switch c {
            case UInt8(ascii: "\""): out.append(UInt8(ascii: "\\")); out.append(c)
            case UInt8(ascii: "\\"): out.append(UInt8(ascii: "\\")); out.append(c)
            case 0x0A: out.append(UInt8(ascii: "\\")); out.append(UInt8(ascii: "n"))
            case 0x0D: out.append(UInt8(ascii: "\\")); out.append(UInt8(ascii: "r"))
            case 0x09: out.append(UInt8(ascii: "\\")); out.append(UInt8(ascii: "t"))
            case 0..<0x20, 0x7F:
                out.append(contentsOf: #"\u00"#.utf8)
                out.append(hexDigit(c >> 4))
                out.append(hexDigit(c & 15))
            default: out.append(c)
            }
        }
        out.append(UInt8(ascii: "\""))
    }
}
