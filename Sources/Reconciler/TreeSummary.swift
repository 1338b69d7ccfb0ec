public import Definitions
import Foundation

/// What the checks across files need from every entry of a `jobs/` tree, without its content:
/// each job file's id, whether it was valid on its own, and its `needs` (with where they were
/// written); and the entries that are not jobs (other files, symlinks, submodules).
///
/// A plan parses only the files a commit changed; the summary of the applied tree supplies the
/// rest, so `needs` and cycles are still checked over the whole target tree. Summaries are cached
/// by (jobs tree id, `jobctl.yaml` blob id) in ``SummaryCache``: the same tree and config always
/// give the same summary.
struct TreeSummary: Sendable {
    enum Kind: Character, Sendable {
        /// A `.yaml`/`.yml` file that loaded without errors of its own.
        case validJob = "J"
        /// A `.yaml`/`.yml` file with errors of its own (or a bad name): reread when needed.
        case invalidJob = "X"
        /// Any other file: listed, not loaded.
        case otherFile = "O"
        /// A symbolic link: never followed, never a job.
        case symlink = "L"
        /// A submodule (gitlink): ignored.
        case submodule = "S"
    }

    struct Entry: Sendable, Equatable {
        var kind: Kind
        var needs: [JobID] = []
        /// Where each `needs` entry is written, as (line, column) in the same file.
        var needsPositions: [JobID: Position] = [:]

        struct Position: Sendable, Equatable {
            var line: Int
            var column: Int
        }

        var isJob: Bool { kind == .validJob || kind == .invalidJob }
    }

    /// The cached summary as read, sorted by path: looked up by binary search, never decoded whole.
    private var stored: StoredLines?
    /// Entries set on top of `stored`; `.some(nil)` removes one.
    private var overrides: [String: Entry?] = [:]
    /// No checks across files failed in this tree (duplicate ids, unknown `needs`, cycles).
    /// A plan whose changes leave the ids and every `needs` as they were can then skip them.
    var crossFileValid = true

    static let formatVersion = 2

    init() {}

    /// The entry at `path` (`jobs/reports/x.yaml`); `nil` when the tree has none.
    subscript(path: String) -> Entry? {
        get {
            if let override = overrides[path] { return override }
            return stored?.entry(path: path)
        }
        set { overrides[path] = .some(newValue) }
    }

    /// Calls `body` for every entry whose kind is in `kinds` (all when `nil`); decodes only those.
    func forEach(kinds: Set<Kind>? = nil, _ body: (String, Entry) -> Void) {
        stored?.forEach(kinds: kinds) { path, entry in
            if overrides[path] == nil { body(path, entry) }
        }
        for (path, entry) in overrides {
            if let entry, kinds?.contains(entry.kind) ?? true { body(path, entry) }
        }
    }

    /// Every path.
    var paths: [String] {
        var out: [String] = []
        forEach { path, _ in out.append(path) }
        return out
    }

    /// How many job files (valid or not).
    var jobCount: Int {
        var count = stored?.count(kinds: [.validJob, .invalidJob]) ?? 0
        for (path, entry) in overrides {
            if stored?.entry(path: path)?.isJob == true { count -= 1 }
            if entry?.isJob == true { count += 1 }
        }
        return count
    }

    /// The entry for a loaded job file.
    static func entry(for parsed: ParsedJob) -> Entry {
        var entry = Entry(kind: parsed.definition != nil && !parsed.diagnostics.contains { $0.severity == .error } ? .validJob : .invalidJob)
        entry.needs = parsed.needs
        for (need, location) in parsed.needsLocations {
            entry.needsPositions[need] = Entry.Position(line: location.line, column: location.column)
        }
        return entry
    }

    /// A stand-in for an unchanged file, for the checks across files.
    static func checkedJob(path: String, entry: Entry) -> ParsedJob? {
        guard case .success(let id) = SourceFile.jobID(forPath: path) else { return nil }
        var locations: [JobID: SourceLocation] = [:]
        for (need, position) in entry.needsPositions {
            locations[need] = SourceLocation(file: path, line: position.line, column: position.column)
        }
        return ParsedJob(checkedPath: path, id: id, needs: entry.needs, needsLocations: locations)
    }

    // MARK: - Text form

    /// A header line, then one line per entry sorted by the path's bytes:
    /// `KIND TAB PATH [TAB need@line:column ...]`. Unchanged lines are copied as they were read.
    func serialized() -> [UInt8] {
        var out = Array("jobctl-tree-summary \(Self.formatVersion) \(crossFileValid ? "valid" : "cross-file-errors")\n".utf8)
        let changed = overrides.keys.map { Array($0.utf8) }.sorted { $0.lexicographicallyPrecedes($1) }
        let storedCount = stored?.starts.count ?? 0
        var index = 0, next = 0
        while index < storedCount || next < changed.count {
            let storedPath = index < storedCount ? stored!.path(at: index) : nil
            if next < changed.count, storedPath.map({ !$0.lexicographicallyPrecedes(changed[next]) }) ?? true {
                let key = changed[next]
                if let storedPath, storedPath.elementsEqual(key) { index += 1 }   // replaced or removed
                let path = String(decoding: key, as: UTF8.self)
                if let entry = overrides[path]! { out += Self.line(path: path, entry: entry) }
                next += 1
            } else {
                out += stored!.line(at: index)
                out.append(UInt8(ascii: "\n"))
                index += 1
            }
        }
        return out
    }

    static func line(path: String, entry: Entry) -> [UInt8] {
        var text = String(entry.kind.rawValue) + "\t" + path
        if !entry.needs.isEmpty {
            text += "\t" + entry.needs.map { need in
                let position = entry.needsPositions[need]
                return "\(need.rawValue)@\(position?.line ?? 1):\(position?.column ?? 1)"
            }.joined(separator: " ")
        }
        return Array((text + "\n").utf8)
    }

    /// Reads ``serialized()`` bytes; `nil` when they are not a summary of this format version.
    init?(serialized bytes: [UInt8]) {
        guard let stored = StoredLines(bytes) else { return nil }
        self.stored = stored
        crossFileValid = stored.crossFileValid
    }
}

/// The lines of a cached summary, indexed but not decoded.
struct StoredLines: Sendable {
    let bytes: [UInt8]
    /// Where each entry line starts, in file order (sorted by path).
    let starts: [Int]
    let crossFileValid: Bool

    init?(_ bytes: [UInt8]) {
        guard let headerEnd = bytes.firstIndex(of: UInt8(ascii: "\n")) else { return nil }
        let header = String(decoding: bytes[..<headerEnd], as: UTF8.self).split(separator: " ")
        guard header.count == 3, header[0] == "jobctl-tree-summary", header[1] == "\(TreeSummary.formatVersion)" else { return nil }
        crossFileValid = header[2] == "valid"
        var starts: [Int] = []
        starts.reserveCapacity(bytes.count / 40)
        var position = headerEnd + 1
        while position < bytes.count {
            starts.append(position)
            guard let end = bytes[position...].firstIndex(of: UInt8(ascii: "\n")) else { return nil }
            guard end - position >= 3, bytes[position + 1] == UInt8(ascii: "\t") else { return nil }
            position = end + 1
        }
        self.bytes = bytes
        self.starts = starts
    }

    func end(of index: Int) -> Int {
        (index + 1 < starts.count ? starts[index + 1] : bytes.count) - 1
    }

    func line(at index: Int) -> ArraySlice<UInt8> { bytes[starts[index]..<end(of: index)] }

    func kind(at index: Int) -> TreeSummary.Kind? {
        TreeSummary.Kind(rawValue: Character(Unicode.Scalar(bytes[starts[index]])))
    }

    func path(at index: Int) -> ArraySlice<UInt8> {
        let from = starts[index] + 2
        let to = end(of: index)
        let tab = bytes[from..<to].firstIndex(of: UInt8(ascii: "\t")) ?? to
        return bytes[from..<tab]
    }

    func entry(at index: Int) -> TreeSummary.Entry? {
        guard let kind = kind(at: index) else { return nil }
        var entry = TreeSummary.Entry(kind: kind)
        let path = path(at: index)
        let to = end(of: index)
        guard path.endIndex < to else { return entry }
        for item in bytes[(path.endIndex + 1)..<to].split(separator: UInt8(ascii: " ")) {
            let text = String(decoding: item, as: UTF8.self)
            guard let at = text.lastIndex(of: "@"), let id = JobID(String(text[..<at])) else { continue }
            let numbers = text[text.index(after: at)...].split(separator: ":")
            entry.needs.append(id)
            if numbers.count == 2, let line = Int(numbers[0]), let column = Int(numbers[1]) {
                entry.needsPositions[id] = .init(line: line, column: column)
            }
        }
        return entry
    }

    /// Binary search by the path's bytes.
    func entry(path: String) -> TreeSummary.Entry? {
        let key = Array(path.utf8)
        var low = 0, high = starts.count
        while low < high {
            let middle = (low + high) / 2
            let candidate = self.path(at: middle)
            if candidate.lexicographicallyPrecedes(key) {
                low = middle + 1
            } else if key.lexicographicallyPrecedes(candidate) {
                high = middle
            } else {
                return entry(at: middle)
            }
        }
        return nil
    }

    func forEach(kinds: Set<TreeSummary.Kind>?, _ body: (String, TreeSummary.Entry) -> Void) {
        for index in starts.indices {
            if let kinds, let kind = kind(at: index), !kinds.contains(kind) { continue }
            guard let entry = entry(at: index) else { continue }
            body(String(decoding: path(at: index), as: UTF8.self), entry)
        }
    }

    func count(kinds: Set<TreeSummary.Kind>) -> Int {
        starts.indices.count { index in kind(at: index).map(kinds.contains) ?? false }
    }
}

/// Tree summaries on disk, in the repository's git directory (`<git dir>/jobctl/cache/`), so a
/// bare repository has one too and `git status` never shows it. One file per
/// (jobs tree id, config blob id); the newest 16 are kept. Reading or writing it never fails an
/// operation: a missing or unreadable summary is rebuilt by parsing the tree.
struct SummaryCache {
    let folder: String
    static let keep = 16

    func key(jobsTree: String?, config: String?) -> String {
        "\(jobsTree ?? "none")-\(config ?? "none")"
    }

    func read(jobsTree: String?, config: String?) -> TreeSummary? {
        guard let data = FileManager.default.contents(atPath: folder + "/" + key(jobsTree: jobsTree, config: config)) else { return nil }
        return TreeSummary(serialized: [UInt8](data))
    }

    func write(_ summary: TreeSummary, jobsTree: String?, config: String?) {
        let files = FileManager.default
        let name = key(jobsTree: jobsTree, config: config)
        let path = folder + "/" + name
        if files.fileExists(atPath: path) { return }
        do {
            try files.createDirectory(atPath: folder, withIntermediateDirectories: true)
            let temporary = path + ".tmp-\(getpid())"
            try Data(summary.serialized()).write(to: URL(fileURLWithPath: temporary))
            if rename(temporary, path) != 0 { try? files.removeItem(atPath: temporary) }
            prune(except: name)
        } catch {
            // A cache that cannot be written only costs the next plan a full parse.
        }
    }

    private func prune(except name: String) {
        let files = FileManager.default
        guard let names = try? files.contentsOfDirectory(atPath: folder), names.count > Self.keep else { return }
        let dated = names.filter { $0 != name && !$0.contains(".tmp-") }.map { name -> (String, Date) in
            let date = (try? files.attributesOfItem(atPath: folder + "/" + name)[.modificationDate] as? Date) ?? .distantPast
            return (name, date)
        }.sorted { $0.1 < $1.1 }
        for (old, _) in dated.prefix(names.count - Self.keep) {
            try? files.removeItem(atPath: folder + "/" + old)
        }
    }
}
