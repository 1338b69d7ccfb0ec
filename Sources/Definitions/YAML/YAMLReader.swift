internal import CYaml
public import Foundation

/// Reads one YAML document into `YAMLNode`s with positions, refusing hostile input with a located error.
///
/// Limits, each a located error rather than a crash or a hang:
/// - files over `maximumBytes` (1 MiB), invalid UTF-8, NUL bytes (binary files);
/// - more than one document, an empty document;
/// - duplicate keys in a mapping (the second occurrence is reported);
/// - nesting deeper than `maximumDepth`;
/// - aliases that would expand the document beyond `maximumNodes` nodes (billion laughs):
///   the expanded size is counted as the events arrive, so a bomb is refused after reading
///   its few lines, before anything is expanded.
///
/// YAML 1.1 merge keys (`<<: *defaults`) are applied: keys written in the mapping win.
public struct YAMLReader: Sendable {
    public var maximumBytes = 1 << 20
    public var maximumDepth = 64
    public var maximumNodes = 100_000

    public init() {}

    public struct Failure: Error, Sendable, Equatable {
        public var line: Int
        public var column: Int
        public var message: String
    }

    /// Parses `bytes` into a single root node.
    /// - Throws: `Failure` with the position of the first problem (YAML cannot be read past a syntax error).
    public func read(_ bytes: some Collection<UInt8>) throws(Failure) -> YAMLNode {
        if bytes.count > maximumBytes {
            throw Failure(line: 1, column: 1, message: "file is \(bytes.count) bytes; job files are limited to \(maximumBytes) bytes (1 MiB)")
        }
        let array = Array(bytes)
        try Self.checkText(array)
        var composer = Composer(limits: self)
        return try composer.compose(array)
    }

    /// Refuses binary data and invalid UTF-8, pointing at the first bad byte.
    private static func checkText(_ bytes: [UInt8]) throws(Failure) {
        var line = 1, column = 1
        var index = 0
        while index < bytes.count {
            let byte = bytes[index]
            let length: Int
            switch byte {
            case 0x00:
                throw Failure(line: line, column: column, message: "file contains a NUL byte; this is not a text file")
            case 0x01...0x7F: length = 1
            case 0xC2...0xDF: length = 2
            case 0xE0...0xEF: length = 3
            case 0xF0...0xF4: length = 4
            default:
                throw Failure(line: line, column: column, message: "file is not valid UTF-8 (byte 0x\(String(byte, radix: 16, uppercase: true)))")
            }
            if length > 1 {
                guard index + length <= bytes.count,
                      String(validating: bytes[index..<(index + length)], as: UTF8.self) != nil
                else {
                    throw Failure(line: line, column: column, message: "file is not valid UTF-8 (byte 0x\(String(byte, radix: 16, uppercase: true)))")
                }
            }
            if byte == 0x0A {
                line += 1
                column = 1
            } else {
                column += 1
            }
            index += length
        }
    }
}

/// Builds nodes from libyaml's event stream without recursion, counting expanded size as it goes.
private struct Composer {
    let limits: YAMLReader

    private enum Frame {
        case sequence(items: [YAMLNode], anchor: String?, line: Int, column: Int, size: Int)
        case mapping(pairs: [YAMLPair], pendingKey: YAMLNode?, anchor: String?, line: Int, column: Int, size: Int)
    }

    private var anchors: [String: (node: YAMLNode, size: Int)] = [:]
    private var stack: [Frame] = []
    private var expandedNodes = 0

    init(limits: YAMLReader) {
        self.limits = limits
    }

    mutating func compose(_ bytes: [UInt8]) throws(YAMLReader.Failure) -> YAMLNode {
        var parser = yaml_parser_t()
        guard yaml_parser_initialize(&parser) == 1 else {
            throw YAMLReader.Failure(line: 1, column: 1, message: "cannot initialise the YAML parser")
        }
        defer { yaml_parser_delete(&parser) }
        let result: Result<YAMLNode, YAMLReader.Failure> = bytes.withUnsafeBufferPointer { buffer in
            yaml_parser_set_input_string(&parser, buffer.baseAddress, buffer.count)
            yaml_parser_set_encoding(&parser, YAML_UTF8_ENCODING)
            do throws(YAMLReader.Failure) {
                return .success(try run(&parser))
            } catch {
                return .failure(error)
            }
        }
        return try result.get()
    }

    private mutating func run(_ parser: inout yaml_parser_t) throws(YAMLReader.Failure) -> YAMLNode {
        var root: YAMLNode?
        var documents = 0
        while true {
            var event = yaml_event_t()
            guard yaml_parser_parse(&parser, &event) == 1 else {
                throw Self.syntaxError(parser)
            }
            defer { yaml_event_delete(&event) }
            let line = Int(event.start_mark.line) + 1
            let column = Int(event.start_mark.column) + 1
            switch event.type {
            case YAML_STREAM_START_EVENT, YAML_DOCUMENT_END_EVENT:
                continue
            case YAML_STREAM_END_EVENT:
                guard let root else {
                    throw YAMLReader.Failure(line: 1, column: 1, message: "file is empty; a job file is a YAML mapping of fields")
                }
                return root
            case YAML_DOCUMENT_START_EVENT:
                documents += 1
                if documents > 1 {
                    throw YAMLReader.Failure(line: line, column: column, message: "file holds more than one YAML document; write one job per file")
                }
            case YAML_ALIAS_EVENT:
                let name = String(cString: event.data.alias.anchor)
                guard let target = anchors[name] else {
                    throw YAMLReader.Failure(line: line, column: column, message: "alias '*\(name)' refers to no anchor defined before it")
                }
                try count(target.size, line: line, column: column, alias: name)
                var node = target.node
                node.line = line
                node.column = column
                if let finished = try add(node, size: target.size, anchor: nil) { root = finished }
            case YAML_SCALAR_EVENT:
                let scalar = event.data.scalar
                let text = String(decoding: UnsafeBufferPointer(start: scalar.value, count: scalar.length), as: UTF8.self)
                let style: YAMLScalar.Style = switch scalar.style {
                case YAML_SINGLE_QUOTED_SCALAR_STYLE: .singleQuoted
                case YAML_DOUBLE_QUOTED_SCALAR_STYLE: .doubleQuoted
                case YAML_LITERAL_SCALAR_STYLE: .literal
                case YAML_FOLDED_SCALAR_STYLE: .folded
                default: .plain
                }
                try count(1, line: line, column: column, alias: nil)
                let node = YAMLNode(.scalar(YAMLScalar(text: text, style: style)), line: line, column: column)
                if let finished = try add(node, size: 1, anchor: Self.string(scalar.anchor)) { root = finished }
            case YAML_SEQUENCE_START_EVENT:
                try push(line: line, column: column)
                try count(1, line: line, column: column, alias: nil)
                stack.append(.sequence(items: [], anchor: Self.string(event.data.sequence_start.anchor), line: line, column: column, size: 1))
            case YAML_MAPPING_START_EVENT:
                try push(line: line, column: column)
                try count(1, line: line, column: column, alias: nil)
                stack.append(.mapping(pairs: [], pendingKey: nil, anchor: Self.string(event.data.mapping_start.anchor), line: line, column: column, size: 1))
            case YAML_SEQUENCE_END_EVENT, YAML_MAPPING_END_EVENT:
                guard let frame = stack.popLast() else { continue }
                switch frame {
                case let .sequence(items, anchor, line, column, size):
                    if let finished = try add(YAMLNode(.sequence(items), line: line, column: column), size: size, anchor: anchor) { root = finished }
                case let .mapping(pairs, _, anchor, line, column, size):
                    let merged = try Self.applyMerges(pairs)
                    if let finished = try add(YAMLNode(.mapping(merged), line: line, column: column), size: size, anchor: anchor) { root = finished }
                }
            default:
                continue
            }
        }
    }

    private mutating func push(line: Int, column: Int) throws(YAMLReader.Failure) {
        if stack.count >= limits.maximumDepth {
            throw YAMLReader.Failure(line: line, column: column, message: "nesting is deeper than \(limits.maximumDepth) levels")
        }
    }

    private mutating func count(_ nodes: Int, line: Int, column: Int, alias: String?) throws(YAMLReader.Failure) {
        expandedNodes += nodes
        guard expandedNodes > limits.maximumNodes else { return }
        let what = alias.map { "alias '*\($0)' expands" } ?? "document expands"
        throw YAMLReader.Failure(line: line, column: column, message: "\(what) to more than \(limits.maximumNodes) nodes; refusing it (aliases that multiply are an 'alias bomb')")
    }

    /// Adds a finished node to the open collection; returns it when it is the document's root.
    private mutating func add(_ node: YAMLNode, size: Int, anchor: String?) throws(YAMLReader.Failure) -> YAMLNode? {
        if let anchor { anchors[anchor] = (node, size) }
        guard let top = stack.popLast() else { return node }
        // Consumed: the open collection's array then has one owner and grows in place (bound from
        // a copy, every append copied the whole array).
        switch consume top {
        case .sequence(var items, let anchor, let line, let column, let total):
            items.append(node)
            stack.append(.sequence(items: items, anchor: anchor, line: line, column: column, size: total + size))
        case .mapping(var pairs, let pendingKey, let anchor, let line, let column, let total):
            if let key = pendingKey {
                pairs.append(YAMLPair(key: key, value: node))
                stack.append(.mapping(pairs: pairs, pendingKey: nil, anchor: anchor, line: line, column: column, size: total + size))
            } else {
                guard let keyText = node.scalar?.text else {
                    throw YAMLReader.Failure(line: node.line, column: node.column, message: "mapping keys must be plain text, not \(node.kindDescription)")
                }
                if keyText != "<<", let first = pairs.first(where: { $0.key.scalar?.text == keyText }) {
                    throw YAMLReader.Failure(line: node.line, column: node.column, message: "duplicate key '\(keyText)' (first written at line \(first.key.line))")
                }
                stack.append(.mapping(pairs: pairs, pendingKey: node, anchor: anchor, line: line, column: column, size: total + size))
            }
        }
        return nil
    }

    /// YAML 1.1 merge keys: `<<: *base` or `<<: [*a, *b]` adds the keys the mapping does not write itself.
    private static func applyMerges(_ pairs: [YAMLPair]) throws(YAMLReader.Failure) -> [YAMLPair] {
        guard pairs.contains(where: { $0.key.scalar?.text == "<<" && $0.key.scalar?.isPlain == true }) else { return pairs }
        var result: [YAMLPair] = []
        var merged: [YAMLPair] = []
        for pair in pairs {
            guard pair.key.scalar?.text == "<<", pair.key.scalar?.isPlain == true else {
                result.append(pair)
                continue
            }
            let sources = pair.value.sequence ?? [pair.value]
            for source in sources {
                guard let mapping = source.mapping else {
                    throw YAMLReader.Failure(line: source.line, column: source.column, message: "a merge key '<<' takes a mapping or a list of mappings, not \(source.kindDescription)")
                }
                merged.append(contentsOf: mapping)
            }
        }
        var written = Set(result.compactMap { $0.key.scalar?.text })
        for pair in merged {
            guard let key = pair.key.scalar?.text, !written.contains(key) else { continue }
            written.insert(key)
            result.append(pair)
        }
        return result
    }

    private static func string(_ pointer: UnsafeMutablePointer<yaml_char_t>?) -> String? {
        pointer.map { String(cString: $0) }
    }

    private static func syntaxError(_ parser: yaml_parser_t) -> YAMLReader.Failure {
        let problem = parser.problem.map { String(cString: $0) } ?? "unreadable YAML"
        var message = "YAML syntax: \(problem)"
        if let context = parser.context.map({ String(cString: $0) }) {
            message += " (\(context) at line \(parser.context_mark.line + 1))"
        }
        return YAMLReader.Failure(
            line: Int(parser.problem_mark.line) + 1,
            column: Int(parser.problem_mark.column) + 1,
            message: message
        )
    }
}
