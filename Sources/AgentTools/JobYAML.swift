import Definitions
import Expressions
import Foundation
import Yams

/// A job given as an object, written as the YAML file a person reviews; and a job file read back
/// as an object (for `job_update`'s `set`).
enum JobYAML {
    /// Block-style YAML: top-level keys in the order of the job format, nested keys in a familiar
    /// order, multi-line strings as literal blocks, other strings quoted only when YAML needs it.
    static func text(_ object: [String: Value]) -> String {
        var out = ""
        writeMapping(object, indent: 0, order: topLevelOrder, into: &out)
        return out
    }

    /// A job file's top-level mapping as values (comments are not kept). Scalars keep their text:
    /// only plain `true`/`false`, `null` and numbers become other values, so `at: 2026-12-01T09:00`
    /// stays the local time it was written as.
    static func object(fromYAML text: String, path: String) throws(ToolFailure) -> [String: Value] {
        let node: Node?
        do { node = try Yams.compose(yaml: text) } catch {
            throw ToolFailure("\(path): the file is not YAML that can be merged (\(error)); send the whole file as yaml instead")
        }
        guard let node, case .object(let object) = plain(node) else {
            throw ToolFailure("\(path): the file is not a mapping; send the whole file as yaml instead")
        }
        return object
    }

    private static func plain(_ node: Node) -> Value {
        switch node {
        case .mapping(let mapping):
            var object: [String: Value] = [:]
            for (key, value) in mapping { object[key.string ?? ""] = plain(value) }
            return .object(object)
        case .sequence(let sequence):
            return .array(sequence.map(plain))
        case .scalar(let scalar):
            guard scalar.style == .plain else { return .string(scalar.string) }
            switch scalar.string {
            case "true": return .bool(true)
            case "false": return .bool(false)
            case "null", "~", "": return .null
            default:
                if let number = Double(scalar.string), scalar.string.allSatisfy({ $0.isNumber || "-+.eE".contains($0) }) { return .number(number) }
                return .string(scalar.string)
            }
        case .alias:
            return .null
        }
    }

    static let topLevelOrder = FileShapes.job.fields.map(\.key)
    static let nestedOrder = ["name", "cron", "every", "at", "timezone", "start", "end", "jitter", "catchup", "catchupWindow",
                              "type", "default", "allowed", "run", "shell", "agent", "prompt", "http", "method", "url", "headers",
                              "body", "json", "env", "workdir", "timeout", "if", "on", "webhook", "notifier", "format"]

    private static func ordered(_ keys: some Collection<String>, order: [String]) -> [String] {
        keys.sorted { a, b in
            let ia = order.firstIndex(of: a) ?? Int.max, ib = order.firstIndex(of: b) ?? Int.max
            return ia != ib ? ia < ib : a < b
        }
    }

    private static func writeMapping(_ object: [String: Value], indent: Int, order: [String], into out: inout String) {
        let pad = String(repeating: " ", count: indent)
        for key in ordered(object.keys, order: order) {
            let value = object[key]!
            out += pad + scalarKey(key) + ":"
            writeValue(value, indent: indent, into: &out)
        }
    }

    /// Writes what follows `key:` or `-`: ` scalar\n`, or a newline and a nested block.
    private static func writeValue(_ value: Value, indent: Int, into out: inout String) {
        switch value {
        case .object(let nested) where !nested.isEmpty:
            out += "\n"
            writeMapping(nested, indent: indent + 2, order: nestedOrder, into: &out)
        case .array(let items) where !items.isEmpty:
            out += "\n"
            let pad = String(repeating: " ", count: indent + 2)
            for item in items {
                if case .object(let nested) = item, !nested.isEmpty {
                    var block = ""
                    writeMapping(nested, indent: indent + 4, order: nestedOrder, into: &block)
                    // The first line of the item's mapping follows the dash.
                    out += pad + "- " + block.dropFirst(indent + 4)
                } else {
                    out += pad + "-"
                    writeValue(item, indent: indent + 2, into: &out)
                }
            }
        case .string(let text) where text.contains("\n"):
            let pad = String(repeating: " ", count: indent + 2)
            out += text.hasSuffix("\n") ? " |\n" : " |-\n"
            for line in text.split(separator: "\n", omittingEmptySubsequences: false).dropLast(text.hasSuffix("\n") ? 1 : 0) {
                out += line.isEmpty ? "\n" : pad + line + "\n"
            }
        default:
            out += " " + scalar(value) + "\n"
        }
    }

    private static func scalarKey(_ key: String) -> String {
        key.allSatisfy { $0.isLetter || $0.isNumber || $0 == "_" || $0 == "-" } && !key.isEmpty ? key : quoted(key)
    }

    static func scalar(_ value: Value) -> String {
        switch value {
        case .null: return "null"
        case .bool(let flag): return flag ? "true" : "false"
        case .number(let number):
            return number.rounded() == number && abs(number) < 1e15 ? String(Int64(number)) : String(number)
        case .string(let text): return plainIsSafe(text) ? text : quoted(text)
        case .array: return "[]"
        case .object: return "{}"
        }
    }

    /// A string YAML reads back as the same string when written bare.
    private static func plainIsSafe(_ text: String) -> Bool {
        guard let first = text.first, !text.hasSuffix(" "), !text.hasPrefix(" ") else { return false }
        if "-?:,[]{}#&*!|>'\"%@`~ ".contains(first) { return false }
        if text.contains(": ") || text.contains(" #") || text.hasSuffix(":") { return false }
        let lowered = text.lowercased()
        if ["true", "false", "yes", "no", "on", "off", "null", "y", "n"].contains(lowered) { return false }
        if Double(text) != nil || text.first!.isNumber { return false }
        return text.unicodeScalars.allSatisfy { $0.value >= 0x20 && !isUnprintable($0) }
    }

    /// A double-quoted YAML string: JSON's string syntax, with the scalars YAML does not allow
    /// unescaped (DEL, the C1 controls but NEL) escaped too.
    static func quoted(_ text: String) -> String {
        var out = ""
        Value.writeQuoted(text, to: &out, alsoEscaping: isUnprintable)
        return out
    }

    /// Outside YAML's printable set above U+001F: DEL and U+0080–U+009F but NEL (U+0085).
    static func isUnprintable(_ scalar: Unicode.Scalar) -> Bool {
        scalar.value == 0x7F || (0x80...0x9F).contains(scalar.value) && scalar.value != 0x85
    }
}
