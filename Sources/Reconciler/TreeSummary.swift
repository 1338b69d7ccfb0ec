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

    /// Path relative to the root (`jobs/reports/x.yaml`) → entry.
    var entries: [String: Entry] = [:]

    static let formatVersion = 1

    /// The entry for a loaded job file.
    static func entry(for parsed: ParsedJob) -> Entry {
        var entry = Entry(kind: parsed.definition != nil && !parsed.diagnostics.contains { $0.severity == .error } ? .validJob : .invalidJob)
        entry.needs = parsed.needs
        for (need, location) in parsed.needsLocations {
            entry.needsPositions[need] = Entry.Position(line: location.line, column: location.column)
        }
        return entry
    }

    /// A stand-in for an unchanged valid file, for the checks across files.
    static func checkedJob(path: String, entry: Entry) -> ParsedJob? {
        guard case .success(let id) = SourceFile.jobID(forPath: path) else { return nil }
        var locations: [JobID: SourceLocation] = [:]
        for (need, position) in entry.needsPositions {
            locations[need] = SourceLocation(file: path, line: position.line, column: position.column)
        }
        return ParsedJob(checkedPath: path, id: id, needs: entry.needs, needsLocations: locations)
    }

    // MARK: - Text form

    /// One line per entry: `KIND TAB PATH [TAB need@line:column ...]`, after a header line.
    func serialized() -> String {
        var out = "jobctl-tree-summary \(Self.formatVersion)\n"
        out.reserveCapacity(entries.count * 48)
        for path in entries.keys.sorted() {
            let entry = entries[path]!
            out.append(entry.kind.rawValue)
            out += "\t" + path
            if !entry.needs.isEmpty {
                out += "\t"
                out += entry.needs.map { need in
                    let position = entry.needsPositions[need]
                    return "\(need.rawValue)@\(position?.line ?? 1):\(position?.column ?? 1)"
                }.joined(separator: " ")
            }
            out += "\n"
        }
        return out
    }

    /// Reads ``serialized()`` text; `nil` when it is not a summary of this format version.
    init?(serialized bytes: [UInt8]) {
        var lines = bytes.split(separator: UInt8(ascii: "\n"), omittingEmptySubsequences: true)[...]
        guard let header = lines.popFirst(),
              String(decoding: header, as: UTF8.self) == "jobctl-tree-summary \(Self.formatVersion)" else { return nil }
        entries.reserveCapacity(lines.count)
        for line in lines {
            let fields = line.split(separator: UInt8(ascii: "\t"), maxSplits: 2, omittingEmptySubsequences: false)
            guard fields.count >= 2, fields[0].count == 1,
                  let kind = Kind(rawValue: Character(Unicode.Scalar(fields[0].first!))) else { return nil }
            var entry = Entry(kind: kind)
            if fields.count == 3 {
                for item in fields[2].split(separator: UInt8(ascii: " ")) {
                    let text = String(decoding: item, as: UTF8.self)
                    guard let at = text.lastIndex(of: "@"), let id = JobID(String(text[..<at])) else { return nil }
                    let position = text[text.index(after: at)...].split(separator: ":")
                    guard position.count == 2, let line = Int(position[0]), let column = Int(position[1]) else { return nil }
                    entry.needs.append(id)
                    entry.needsPositions[id] = Entry.Position(line: line, column: column)
                }
            }
            entries[String(decoding: fields[1], as: UTF8.self)] = entry
        }
    }

    init() {}
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
            try Data(summary.serialized().utf8).write(to: URL(fileURLWithPath: temporary))
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
