import Foundation
import Locks
#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// ``InFlightRegistry`` over `.jobctl/inflight/`: each writing process appends to a journal of
/// its own, `<pid>-<start time>-<n>.jsonl`, one line per change — a marker (its whole state, as
/// JSON) when a run begins or changes, `{"ended":"<run>"}` when it ends. The last line of a run
/// is its state. A run costs appends to one open file instead of a file (and an inode) of its own:
/// ext4's inode allocator grew slower with every marker created and deleted (see Benchmarks).
///
/// - **Whole lines only.** A line is one `write` to a file opened `O_APPEND`, so a killed writer
///   leaves every earlier line whole; a last line without its newline (the machine went down) is
///   not read.
/// - **Other processes' runs** are read from their journals: each journal is read once and then
///   only from where it was read up to. A journal is never replaced under its name.
/// - **Compaction.** When a journal holds many more lines than runs in flight, the runs still in
///   flight move to a new journal (written whole, then the old one removed), or the journal is
///   removed when none is.
/// - **A journal whose writer is gone** (killed with -9) is finished by whoever recovers its runs:
///   they append the `ended` lines, and the journal is removed once it holds no run in flight.
/// - Markers of earlier versions (`<run>.json`, one per run) are still read and finished.
///
/// Durability: with `.synced` each line is fdatasynced before the call returns (and the folder
/// once, when the journal is created). The daemon uses `.unsynced`: a line survives any crash of
/// jobctl itself, and only a crash of the machine within the write-back interval can lose one —
/// then the run was never recorded, and after the reboot its fire is claimed again.
public final class FileInFlightRegistry: InFlightRegistry {
    /// The folder of journals, e.g. `<root>/.jobctl/inflight`.
    public let path: String
    public let durability: Durability
    /// This instance's journal holds at most this many lines per run in flight (and at least
    /// `compactionFloor`) before it is compacted.
    public static let compactionFloor = 1_024

    /// One journal as last read.
    private struct Journal {
        var inode: UInt64 = 0
        /// Bytes read so far (up to the end of the last whole line).
        var offset: Int = 0
        var runs: [String: InFlightRun] = [:]
    }

    private struct Own {
        var name: String?
        var descriptor: Int32 = -1
        var lines = 0
        var runs: [String: InFlightRun] = [:]
    }

    private struct State {
        var own = Own()
        /// Other journals, by file name.
        var journals: [String: Journal] = [:]
        /// Markers of earlier versions, by file name (nil: not a marker that can be read).
        var legacy: [String: InFlightRun?] = [:]
    }

    private let state = Locked(State())
    private static let journalCounter = Locked(0)

    public init(path: String, durability: Durability = .synced) {
        self.path = URL(fileURLWithPath: path).standardizedFileURL.path
        self.durability = durability
    }

    /// The registry of a jobs root: `<root>/.jobctl/inflight`.
    public convenience init(root: String, durability: Durability = .synced) {
        self.init(path: URL(fileURLWithPath: root).appendingPathComponent(".jobctl/inflight").path, durability: durability)
    }

    deinit {
        let descriptor = state.withLock { $0.own.descriptor }
        if descriptor >= 0 { close(descriptor) }
    }

    public func begin(_ run: InFlightRun) throws(HistoryError) {
        try write(run)
    }

    public func update(_ run: InFlightRun) throws(HistoryError) {
        try write(run)
    }

    public func finish(run: String) throws(HistoryError) {
        try HistoryFolder.checkRunID(run)
        try state.withLock { (state) throws(HistoryError) in
            if state.own.runs[run] != nil {
                try append(Self.endedLine(run), to: &state.own)
                state.own.runs[run] = nil
                try compactIfDue(&state.own)
                return
            }
            if let name = state.journals.first(where: { $0.value.runs[run] != nil })?.key {
                try appendToOther(Self.endedLine(run), journal: name)
                state.journals[name]?.runs[run] = nil
                return
            }
            let file = path + "/" + run + ".json"
            if unlink(file) != 0, errno != ENOENT { throw SystemCalls.failure("unlink", file) }
            state.legacy[run + ".json"] = nil
        }
    }

    /// Every run in flight, ordered by run id. Unreadable lines and markers (not JSON; a crash
    /// cannot make one, only a hand edit) are skipped.
    public func list() throws(HistoryError) -> [InFlightRun] {
        let others = othersInFlight()
        let own = state.withLock { Array($0.own.runs.values) }
        return (own + others).sorted { $0.run < $1.run }
    }

    /// The runs in flight of other writers (other processes, other instances): read from where
    /// their journals were read up to.
    public func othersInFlight() -> [InFlightRun] {
        let names = (try? FileManager.default.contentsOfDirectory(atPath: path)) ?? []
        return state.withLock { state in
            var seen = Set<String>()
            var legacy: [String: InFlightRun?] = [:]
            var result: [InFlightRun] = []
            for name in names where !name.hasPrefix(".") {
                if name.hasSuffix(".jsonl") {
                    guard name != state.own.name else { continue }
                    seen.insert(name)
                    var journal = state.journals[name] ?? Journal()
                    guard read(name, into: &journal) else { continue }
                    if journal.runs.isEmpty, !Self.writerIsRunning(journalName: name) {
                        // Finished by its writer or by recovery, and its writer is gone.
                        unlink(path + "/" + name)
                        continue
                    }
                    state.journals[name] = journal
                    result += journal.runs.values
                } else if name.hasSuffix(".json") {
                    let marker = state.legacy[name] ?? Self.decodeMarker(ProcFiles.contents(of: path + "/" + name) ?? [])
                    legacy[name] = marker
                    if let marker { result.append(marker) }
                }
            }
            state.journals = state.journals.filter { seen.contains($0.key) }
            state.legacy = legacy
            var counted = Set<String>()
            return result.filter { counted.insert($0.run).inserted }
        }
    }

    /// The marker of one run in flight, or nil.
    public func marker(run: String) -> InFlightRun? {
        guard RunID.isValid(run) else { return nil }
        return (try? list())?.first { $0.run == run }
    }

    // MARK: Writing

    private func write(_ run: InFlightRun) throws(HistoryError) {
        try HistoryFolder.checkRunID(run.run)
        try HistoryFolder.checkJobID(run.job)
        let line = try Self.line(run)
        try state.withLock { (state) throws(HistoryError) in
            try append(line, to: &state.own)
            state.own.runs[run.run] = run
        }
    }

    /// Appends one whole line to this instance's journal, creating it first when needed.
    private func append(_ line: [UInt8], to own: inout Own) throws(HistoryError) {
        if own.descriptor < 0 {
            let name = try Self.newJournalName(in: path)
            own.descriptor = try SystemCalls.open(path + "/" + name, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC)
            own.name = name
            own.lines = 0
            if durability == .synced { try SystemCalls.syncDirectory(path) }
        }
        let file = path + "/" + (own.name ?? "")
        try SystemCalls.writeAll(own.descriptor, line, path: file)
        if durability == .synced { try SystemCalls.dataSync(own.descriptor, path: file) }
        own.lines += 1
    }

    /// A journal name no file has had: `<pid>-<start time>-<n>.jsonl`, n counting this process's
    /// journals. (A journal is never replaced under its name: a reader that knows how far it read
    /// a name never meets another file there, even one that got the same inode back.)
    private static func newJournalName(in path: String) throws(HistoryError) -> String {
        try SystemCalls.createFolders(path)
        let number = journalCounter.withLock { count -> Int in
            count += 1
            return count
        }
        let identity = ProcessIdentity.current
        return "\(identity.pid)-\(identity.startTime ?? 0)-\(number).jsonl"
    }

    /// Removes the journal when no run is in flight, or moves the runs in flight to a new journal
    /// (written whole, then the old one removed), once it holds many more lines than runs. A
    /// reader between the two sees a run in both: ``othersInFlight()`` counts it once.
    private func compactIfDue(_ own: inout Own) throws(HistoryError) {
        guard own.lines > max(Self.compactionFloor, own.runs.count * 4), let name = own.name else { return }
        let file = path + "/" + name
        if own.runs.isEmpty {
            unlink(file)
            close(own.descriptor)
            own = Own()
            return
        }
        var bytes: [UInt8] = []
        for run in own.runs.values.sorted(by: { $0.run < $1.run }) { bytes += try Self.line(run) }
        let replacement = try Self.newJournalName(in: path)
        try SystemCalls.writeAtomically(bytes, to: path + "/" + replacement, durability: durability)
        let descriptor = try SystemCalls.open(path + "/" + replacement, O_WRONLY | O_APPEND | O_CLOEXEC)
        unlink(file)
        close(own.descriptor)
        own.descriptor = descriptor
        own.name = replacement
        own.lines = own.runs.count
    }

    /// Appends a line to another writer's journal (recovery finishing the runs of a writer that
    /// is gone), after a newline if its last line was cut short.
    private func appendToOther(_ line: [UInt8], journal name: String) throws(HistoryError) {
        let file = path + "/" + name
        let descriptor = try SystemCalls.open(file, O_RDWR | O_APPEND | O_CLOEXEC)
        defer { close(descriptor) }
        var info = stat()
        var bytes = line
        if fstat(descriptor, &info) == 0, info.st_size > 0 {
            var last: UInt8 = 0
            if pread(descriptor, &last, 1, off_t(info.st_size - 1)) == 1, last != UInt8(ascii: "\n") { bytes.insert(UInt8(ascii: "\n"), at: 0) }
        }
        try SystemCalls.writeAll(descriptor, bytes, path: file)
        if durability == .synced { try SystemCalls.dataSync(descriptor, path: file) }
    }

    // MARK: Reading

    /// Reads what was added to a journal since it was last read (all of it when it was replaced);
    /// false when it is gone.
    private func read(_ name: String, into journal: inout Journal) -> Bool {
        let descriptor = open(path + "/" + name, O_RDONLY | O_CLOEXEC)
        guard descriptor >= 0 else { return false }
        defer { close(descriptor) }
        var info = stat()
        guard fstat(descriptor, &info) == 0 else { return false }
        if UInt64(info.st_ino) != journal.inode || Int(info.st_size) < journal.offset {
            journal = Journal(inode: UInt64(info.st_ino))
        }
        let size = Int(info.st_size)
        guard size > journal.offset else { return true }
        var bytes = [UInt8](repeating: 0, count: size - journal.offset)
        let offset = Int64(journal.offset)
        let filled = bytes.withUnsafeMutableBytes { buffer in
            (try? SystemCalls.pread(descriptor, buffer.baseAddress!, buffer.count, offset, path: name)) ?? 0
        }
        guard let end = bytes[..<filled].lastIndex(of: UInt8(ascii: "\n")) else { return true }
        for line in bytes[..<end].split(separator: UInt8(ascii: "\n")) {
            Self.apply(Array(line), to: &journal.runs)
        }
        journal.offset += end + 1
        return true
    }

    private static let endedPrefix = Array(#"{"ended":""#.utf8)

    private static func apply(_ line: [UInt8], to runs: inout [String: InFlightRun]) {
        if line.starts(with: endedPrefix) {
            let rest = line.dropFirst(endedPrefix.count)
            guard let quote = rest.firstIndex(of: UInt8(ascii: "\"")) else { return }
            runs[String(decoding: rest[..<quote], as: UTF8.self)] = nil
        } else if let marker = decodeMarker(line) {
            runs[marker.run] = marker
        }
    }

    private static func decodeMarker(_ bytes: [UInt8]) -> InFlightRun? {
        guard !bytes.isEmpty else { return nil }
        return try? JSONDecoder().decode(InFlightRun.self, from: Data(bytes))
    }

    private static func line(_ run: InFlightRun) throws(HistoryError) -> [UInt8] {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        do { return [UInt8](try encoder.encode(run)) + [UInt8(ascii: "\n")] } catch {
            throw HistoryError(.invalidRecord, "cannot encode the marker of \(run.run): \(error)")
        }
    }

    private static func endedLine(_ run: String) -> [UInt8] {
        Array(#"{"ended":"\#(run)"}"#.utf8) + [UInt8(ascii: "\n")]
    }

    /// Whether the process that writes a journal (named `<pid>-<start time>-<n>.jsonl`) still runs.
    static func writerIsRunning(journalName name: String) -> Bool {
        let parts = name.dropLast(".jsonl".count).split(separator: "-")
        guard parts.count == 3, let pid = Int32(parts[0]), let start = UInt64(parts[1]) else { return false }
        if pid == getpid(), start == ProcessIdentity.current.startTime ?? 0 { return true }
        return ProcessIdentity(pid: pid, processGroup: pid, startTime: start == 0 ? nil : start).isRunning
    }
}
