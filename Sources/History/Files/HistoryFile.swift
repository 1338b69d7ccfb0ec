import Foundation
#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// How hard an append works to survive a power cut.
public enum Durability: Sendable, Hashable {
    /// `fdatasync(2)` after every append (and an fsync of the folder when the file is new):
    /// a record that `append` returned for is on disk. The default.
    case synced
    /// Leave it to the kernel's write-back (a crash of jobctl loses nothing; a power cut may
    /// lose the last seconds). For tests and benchmarks.
    case unsynced
}

/// One `history/<job>.jsonl` on disk: exclusive access through `flock(2)` on the file itself,
/// appends as a single `write(2)` with O_APPEND, and repair of a torn last line.
///
/// Every writer (appends, compaction) locks the file; a writer that obtained the lock checks
/// that the path still names the file it opened, because compaction replaces the file by
/// rename. So an append that waited for a compaction lands in the new file, never in the
/// unlinked old one.
struct HistoryFile {
    let path: String

    /// Runs `body` with the file open for writing and locked exclusively (waiting for the lock);
    /// creates the file (and its folders) when missing.
    func withExclusiveLock<T>(durability: Durability, _ body: (Int32) throws(HistoryError) -> T) throws(HistoryError) -> T {
        // Waiting, `openLocked` always gives a descriptor.
        guard let fd = try openLocked(durability: durability, waiting: true) else { throw HistoryError(.io, "cannot lock \(path)") }
        defer { close(fd) }
        return try body(fd)
    }

    /// Opens the file (creating it and its folders when missing) and locks it exclusively; nil when
    /// `waiting` is false and another descriptor holds the lock. The caller closes the descriptor.
    private func openLocked(durability: Durability, waiting: Bool) throws(HistoryError) -> Int32? {
        while true {
            var created: [String] = []
            if SystemCalls.pathStatus(path) == nil {
                created = try SystemCalls.createFolders((path as NSString).deletingLastPathComponent)
            }
            let fd = try SystemCalls.open(path, O_RDWR | O_APPEND | O_CREAT)
            do throws(HistoryError) {
                if waiting {
                    try FileLock.lock(fd, LOCK_EX, path: path)
                } else if try !FileLock.tryLock(fd, path: path) {
                    close(fd)
                    return nil
                }
                let opened = try SystemCalls.fileStatus(fd, path: path)
                guard let current = SystemCalls.pathStatus(path), current.st_ino == opened.st_ino, current.st_dev == opened.st_dev else {
                    close(fd)
                    continue // replaced by a compaction (or removed) while we waited: open the new one
                }
                if durability == .synced, opened.st_size == 0 {
                    // A new file: make its name durable too (and any folders made for it).
                    let folder = (path as NSString).deletingLastPathComponent
                    try SystemCalls.syncDirectory(folder)
                    for made in created.reversed() { try SystemCalls.syncDirectory((made as NSString).deletingLastPathComponent) }
                }
                return fd
            } catch {
                close(fd)
                throw error
            }
        }
    }

    /// Appends one line (the newline is added here) as a single write; returns how many bytes
    /// of a torn last line were cut off first (0 normally), or nil — nothing written — when
    /// `waiting` is false and another descriptor holds the file's lock.
    func append(_ line: [UInt8], durability: Durability, waiting: Bool = true) throws(HistoryError) -> Int? {
        guard let fd = try openLocked(durability: durability, waiting: waiting) else { return nil }
        defer { close(fd) }
        let size = Int64(try SystemCalls.fileStatus(fd, path: path).st_size)
        let repaired = try repairTail(fd, size: size)
        var bytes = line
        bytes.append(UInt8(ascii: "\n"))
        do throws(HistoryError) {
            try SystemCalls.writeAll(fd, bytes, path: path)
        } catch {
            // Do not leave half a line behind (disk full): cut back to where we started.
            try? SystemCalls.truncate(fd, size - Int64(repaired), path: path)
            throw error
        }
        if durability == .synced { try SystemCalls.dataSync(fd, path: path) }
        return repaired
    }

    /// Replaces the file with the lines `keep` keeps, in order — written to a temporary file in
    /// the same folder, synced, renamed over the file, the folder synced — so a crash leaves the
    /// old file or the new one. The caller holds the file's lock (``withExclusiveLock``): appends
    /// that wait for it see the file was replaced and write into the new one. A torn last line
    /// is dropped.
    func rewrite(durability: Durability, keep: (Line) throws(HistoryError) -> Bool) throws(HistoryError) {
        let folder = (path as NSString).deletingLastPathComponent
        let temporary = folder + "/." + (path as NSString).lastPathComponent + ".compact-\(getpid())-\(UInt32.random(in: 0...UInt32.max))"
        let out = try SystemCalls.open(temporary, O_WRONLY | O_CREAT | O_EXCL, 0o644)
        do throws(HistoryError) {
            var buffer: [UInt8] = []
            buffer.reserveCapacity(1 << 20)
            try ForwardLineReader.read(path: path) { (line) throws(HistoryError) -> Bool in
                guard try keep(line) else { return true }
                buffer.append(contentsOf: line.bytes)
                buffer.append(UInt8(ascii: "\n"))
                if buffer.count >= 1 << 20 {
                    try SystemCalls.writeAll(out, buffer, path: temporary)
                    buffer.removeAll(keepingCapacity: true)
                }
                return true
            }
            try SystemCalls.writeAll(out, buffer, path: temporary)
            if durability == .synced { try SystemCalls.sync(out, path: temporary) }
            close(out)
        } catch {
            close(out)
            unlink(temporary)
            throw error
        }
        guard rename(temporary, path) == 0 else {
            let failure = SystemCalls.failure("rename", path)
            unlink(temporary)
            throw failure
        }
        if durability == .synced { try SystemCalls.syncDirectory(folder) }
    }

    /// Cuts a torn last line (the bytes after the last newline) off an exclusively locked file.
    /// Returns the number of bytes removed.
    func repairTail(_ fd: Int32, size: Int64) throws(HistoryError) -> Int {
        guard size > 0 else { return 0 }
        var last: UInt8 = 0
        guard try SystemCalls.pread(fd, &last, 1, size - 1, path: path) == 1 else { return 0 }
        if last == UInt8(ascii: "\n") { return 0 }
        let keep = try offsetAfterLastNewline(fd, size: size)
        try SystemCalls.truncate(fd, keep, path: path)
        return Int(size - keep)
    }

    /// The offset just past the last `\n` in the first `size` bytes (0 when there is none).
    func offsetAfterLastNewline(_ fd: Int32, size: Int64) throws(HistoryError) -> Int64 {
        let chunk = 64 * 1024
        let buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: chunk, alignment: 8)
        defer { buffer.deallocate() }
        var end = size
        while end > 0 {
            let start = max(0, end - Int64(chunk))
            let count = try SystemCalls.pread(fd, buffer.baseAddress!, Int(end - start), start, path: path)
            var i = count - 1
            while i >= 0 {
                if buffer[i] == UInt8(ascii: "\n") { return start + Int64(i) + 1 }
                i -= 1
            }
            end = start
        }
        return 0
    }
}
