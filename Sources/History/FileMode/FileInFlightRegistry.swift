import Foundation
#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// ``InFlightRegistry`` over `.jobctl/inflight/<run>.json`: one small JSON file per run,
/// written atomically (temporary file, rename), so a marker is either absent or whole.
///
/// Durability: with `.synced` each marker is fsynced (file and folder) before `begin` returns,
/// which survives a power cut but costs two disk flushes on the path from a fire to its child
/// (about 8 ms here). The daemon uses `.unsynced`: a marker survives any crash of jobctl itself
/// (the rename is atomic and the kernel keeps the page), and only a crash of the machine within
/// the write-back interval can lose one — then the run was never recorded, and after the reboot
/// its fire is claimed again.
public final class FileInFlightRegistry: InFlightRegistry {
    /// The folder of markers, e.g. `<root>/.jobctl/inflight`.
    public let path: String
    public let durability: Durability

    public init(path: String, durability: Durability = .synced) {
        self.path = URL(fileURLWithPath: path).standardizedFileURL.path
        self.durability = durability
    }

    /// The registry of a jobs root: `<root>/.jobctl/inflight`.
    public convenience init(root: String, durability: Durability = .synced) {
        self.init(path: URL(fileURLWithPath: root).appendingPathComponent(".jobctl/inflight").path, durability: durability)
    }

    public func begin(_ run: InFlightRun) throws(HistoryError) {
        try write(run)
    }

    public func update(_ run: InFlightRun) throws(HistoryError) {
        try write(run)
    }

    public func finish(run: String) throws(HistoryError) {
        try HistoryFolder.checkRunID(run)
        let file = path + "/" + run + ".json"
        if unlink(file) != 0, errno != ENOENT { throw SystemCalls.failure("unlink", file) }
    }

    /// Every marker, ordered by run id. Unreadable markers (not JSON; a crash cannot make one,
    /// only a hand edit) are skipped.
    public func list() throws(HistoryError) -> [InFlightRun] {
        guard let names = try? FileManager.default.contentsOfDirectory(atPath: path) else { return [] }
        let decoder = JSONDecoder()
        return names.filter { $0.hasSuffix(".json") && !$0.hasPrefix(".") }.sorted().compactMap { name in
            guard let data = FileManager.default.contents(atPath: path + "/" + name) else { return nil }
            return try? decoder.decode(InFlightRun.self, from: data)
        }
    }

    /// The marker of one run, or nil.
    public func marker(run: String) -> InFlightRun? {
        guard RunID.isValid(run), let data = FileManager.default.contents(atPath: path + "/" + run + ".json") else { return nil }
        return try? JSONDecoder().decode(InFlightRun.self, from: data)
    }

    private func write(_ run: InFlightRun) throws(HistoryError) {
        try HistoryFolder.checkRunID(run.run)
        try HistoryFolder.checkJobID(run.job)
        try SystemCalls.createFolders(path)
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        let data: Data
        do { data = try encoder.encode(run) } catch { throw HistoryError(.invalidRecord, "cannot encode the marker of \(run.run): \(error)") }
        try SystemCalls.writeAtomically([UInt8](data) + [UInt8(ascii: "\n")], to: path + "/" + run.run + ".json", durability: durability)
    }
}
