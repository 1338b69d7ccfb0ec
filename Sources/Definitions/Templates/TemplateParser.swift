import Diagnostics

/// Parses template text into ``Template/Node``s, over UTF-8 bytes; columns count Unicode scalars.
struct TemplateParser {
    private let bytes: [UInt8]
    /// The 1-based column of each byte offset (and of the end).
    private let columns: [Int]
    private var index = 0

    init(_ source: String) {
        bytes = Array(source.utf8)
        var columns = [Int](repeating: 0, count: bytes.count + 1)
        var column = 1
        for (offset, byte) in bytes.enumerated() {
            columns[offset] = column
            if byte & 0xC0 != 0x80 { column += 1 }
        }
        columns[bytes.count] = column
        self.columns = columns
    }

    mutating func parseAll() throws(ColumnError) -> [Template.Node] {
        let (nodes, closing) = try parse(until: nil)
        if let closing {
            throw ColumnError(column: closing.column, message: "'{{/\(closing.name)}}' closes a section that was never opened")
        }
        return nodes
    }

    private func starts(_ token: StaticString, at position: Int) -> Bool {
        let count = token.utf8CodeUnitCount
        guard position + count <= bytes.count else { return false }
        for offset in 0..<count where bytes[position + offset] != token.utf8Start[offset] { return false }
        return true
    }

    private func string(_ range: Range<Int>) -> String {
        String(decoding: bytes[range], as: UTF8.self)
    }

    private static func isSecretName(_ bytes: ArraySlice<UInt8>) -> Bool {
        !bytes.isEmpty && bytes.allSatisfy { ($0 >= 65 && $0 <= 90) || ($0 >= 48 && $0 <= 57) || $0 == 95 }
    }

    /// Parses nodes until `{{/name}}` (returned with its column) or the end of the text.
    private mutating func parse(until section: String?) throws(ColumnError) -> ([Template.Node], (name: String, column: Int)?) {
        var nodes: [Template.Node] = []
        var textStart = index
        func flush(_ end: Int, into nodes: inout [Template.Node]) {
            if end > textStart { nodes.append(.text(string(textStart..<end))) }
        }
        while index < bytes.count {
            if starts("${secrets.", at: index) {
                let nameStart = index + 10
                var close = nameStart
                while close < bytes.count, bytes[close] != UInt8(ascii: "}") { close += 1 }
                guard close < bytes.count, Self.isSecretName(bytes[nameStart..<close]) else {
                    throw ColumnError(column: columns[index], message: "a secret is written ${secrets.NAME} with NAME in A-Z, 0-9 and _")
                }
                flush(index, into: &nodes)
                nodes.append(.secret(name: string(nameStart..<close), column: columns[nameStart]))
                index = close + 1
                textStart = index
                continue
            }
            guard starts("{{", at: index) else {
                index += 1
                continue
            }
            let tagStart = index
            let triple = starts("{{{", at: index)
            let closing: StaticString = triple ? "}}}" : "}}"
            let contentStart = index + (triple ? 3 : 2)
            var end = contentStart
            while end < bytes.count, !starts(closing, at: end) { end += 1 }
            guard end < bytes.count else {
                throw ColumnError(column: columns[tagStart], message: "'\(triple ? "{{{" : "{{")' is not closed by '\(closing)'")
            }
            flush(tagStart, into: &nodes)
            index = end + closing.utf8CodeUnitCount
            textStart = index
            var nameStart = contentStart
            while nameStart < end, bytes[nameStart] == UInt8(ascii: " ") { nameStart += 1 }
            let sigil: UInt8? = nameStart < end && "!#^/&>=".utf8.contains(bytes[nameStart]) ? bytes[nameStart] : nil
            if sigil == UInt8(ascii: "!") { continue }  // a comment
            if sigil == UInt8(ascii: ">") || sigil == UInt8(ascii: "=") {
                throw ColumnError(column: columns[tagStart], message: "'\(string(tagStart..<index))': partials and delimiter changes are not supported")
            }
            if sigil != nil {
                nameStart += 1
                while nameStart < end, bytes[nameStart] == UInt8(ascii: " ") { nameStart += 1 }
            }
            var nameEnd = end
            while nameEnd > nameStart, bytes[nameEnd - 1] == UInt8(ascii: " ") { nameEnd -= 1 }
            let name = string(nameStart..<nameEnd)
            let path = name == "." ? ["."] : name.split(separator: ".", omittingEmptySubsequences: false).map(String.init)
            guard !name.isEmpty, !name.utf8.contains(UInt8(ascii: " ")), !path.contains(where: \.isEmpty) else {
                throw ColumnError(column: columns[tagStart], message: "'\(string(tagStart..<index))' is not a variable; write {{name.path}}, e.g. {{params.market}}")
            }
            let reference = Template.Reference(path: path, column: columns[nameStart])
            switch sigil {
            case UInt8(ascii: "#"), UInt8(ascii: "^"):
                let (children, closed) = try parse(until: name)
                guard closed?.name == name else {
                    throw ColumnError(column: columns[tagStart], message: "section '{{\(Character(Unicode.Scalar(sigil!)))\(name)}}' is not closed by '{{/\(name)}}'")
                }
                nodes.append(.section(reference, inverted: sigil == UInt8(ascii: "^"), children: children))
                textStart = index
            case UInt8(ascii: "/"):
                guard name == section else {
                    if let section {
                        throw ColumnError(column: columns[tagStart], message: "'{{/\(name)}}' does not match the open section '\(section)'")
                    }
                    return (nodes, (name, columns[tagStart]))
                }
                return (nodes, (name, columns[tagStart]))
            default:
                nodes.append(.variable(reference, raw: triple || sigil == UInt8(ascii: "&")))
            }
        }
        flush(bytes.count, into: &nodes)
        return (nodes, nil)
    }
}
