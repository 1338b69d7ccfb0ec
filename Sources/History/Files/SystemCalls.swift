import Foundation
#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// The few POSIX calls history needs, with EINTR retried and errno turned into ``HistoryError``.
enum SystemCalls {
    static func failure(_ what: String, _ path: String, _ code: Int32 = errno) -> HistoryError {
        HistoryError(.io, "\(what) failed: \(String(cString: strerror(code)))", path: path)
    }

    static func open(_ path: String, _ flags: Int32, _ mode: mode_t = 0o644) throws(HistoryError) -> Int32 {
        while true {
            let fd = Foundation.open(path, flags | O_CLOEXEC, mode)
            if fd >= 0 { return fd }
            if errno != EINTR { throw failure("open", path) }
        }
    }

    /// Opens for reading; nil when the file does not exist.
    static func openForReading(_ path: String) throws(HistoryError) -> Int32? {
        while true {
            let fd = Foundation.open(path, O_RDONLY | O_CLOEXEC)
            if fd >= 0 { return fd }
            if errno == ENOENT { return nil }
            if errno != EINTR { throw failure("open", path) }
        }
    }

    /// Writes every byte: one `write(2)` unless interrupted by a signal or cut short (disk full).
    static func writeAll(_ fd: Int32, _ bytes: UnsafeRawBufferPointer, path: String) throws(HistoryError) {
        var offset = 0
        while offset < bytes.count {
            let n = Foundation.write(fd, bytes.baseAddress! + offset, bytes.count - offset)
            if n < 0 {
                if errno == EINTR { continue }
                throw failure("write", path)
            }
            if n == 0 { throw HistoryError(.io, "write wrote nothing (disk full?)", path: path) }
            offset += n
        }
    }

    /// Writes an array's bytes; see ``writeAll(_:_:path:)-(_,UnsafeRawBufferPointer,_)``.
    static func writeAll(_ fd: Int32, _ bytes: [UInt8], path: String) throws(HistoryError) {
        let result: Result<Void, HistoryError> = bytes.withUnsafeBytes { raw in
            do throws(HistoryError) {
                try writeAll(fd, raw, path: path)
                return .success(())
            } catch {
                return .failure(error)
            }
        }
        try result.get()
    }

    /// Reads up to `count` bytes at `offset` (fewer only at the end of the file).
    static func pread(_ fd: Int32, _ buffer: UnsafeMutableRawPointer, _ count: Int, _ offset: Int64, path: String) throws(HistoryError) -> Int {
        var total = 0
        while total < count {
            let n = Foundation.pread(fd, buffer + total, count - total, off_t(offset) + off_t(total))
            if n < 0 {
                if errno == EINTR { continue }
                throw failure("read", path)
            }
            if n == 0 { break }
            total += n
        }
        return total
    }

    /// Reads sequentially; 0 at the end of the file.
    static func read(_ fd: Int32, _ buffer: UnsafeMutableRawPointer, _ count: Int, path: String) throws(HistoryError) -> Int {
        while true {
            let n = Foundation.read(fd, buffer, count)
            if n >= 0 { return n }
            if errno != EINTR { throw failure("read", path) }
        }
    }

    static func fileStatus(_ fd: Int32, path: String) throws(HistoryError) -> stat {
        var info = stat()
        guard fstat(fd, &info) == 0 else { throw failure("fstat", path) }
        return info
    }

    /// The status of a path, nil when it does not exist.
    static func pathStatus(_ path: String) -> stat? {
        var info = stat()
        return stat(path, &info) == 0 ? info : nil
    }

    static func dataSync(_ fd: Int32, path: String) throws(HistoryError) {
        #if os(Linux)
        while fdatasync(fd) != 0 {
            if errno != EINTR { throw failure("fdatasync", path) }
        }
        #else
        while fsync(fd) != 0 {
            if errno != EINTR { throw failure("fsync", path) }
        }
        #endif
    }

    /// Opens `path` read-only and syncs its data.
    static func dataSync(path: String) throws(HistoryError) {
        let fd = try open(path, O_RDONLY | O_CLOEXEC)
        defer { close(fd) }
        try dataSync(fd, path: path)
    }

    static func sync(_ fd: Int32, path: String) throws(HistoryError) {
        while fsync(fd) != 0 {
            if errno != EINTR { throw failure("fsync", path) }
        }
    }

    /// Makes a folder's entries (a new, renamed or removed file) durable.
    static func syncDirectory(_ path: String) throws(HistoryError) {
        let fd = try open(path, O_RDONLY | O_DIRECTORY)
        defer { close(fd) }
        // Some file systems refuse fsync on a directory; the data itself was synced.
        if fsync(fd) != 0, errno != EINVAL, errno != EBADF { throw failure("fsync", path) }
    }

    static func truncate(_ fd: Int32, _ size: Int64, path: String) throws(HistoryError) {
        while ftruncate(fd, off_t(size)) != 0 {
            if errno != EINTR { throw failure("ftruncate", path) }
        }
    }

    /// `kill(-group, signal)`: 0 on success, else -1 with errno set.
    static func signalGroup(_ group: Int32, _ signal: Int32) -> Int32 {
        kill(-group, signal)
    }

    /// `mkdir -p`; the folders it created are returned, parents first.
    @discardableResult
    static func createFolders(_ path: String) throws(HistoryError) -> [String] {
        var missing: [String] = []
        var current = path
        while !current.isEmpty, current != "/", pathStatus(current) == nil {
            missing.append(current)
            current = (current as NSString).deletingLastPathComponent
        }
        for folder in missing.reversed() {
            if mkdir(folder, 0o755) != 0, errno != EEXIST { throw failure("mkdir", folder) }
        }
        return missing.reversed()
    }

    /// Writes `bytes` to `path` atomically: a temporary file in the same folder, fsync, rename,
    /// fsync of the folder (the syncs only with `.synced`). Readers see the old file or the new
    /// one, never a mix, whatever happens to the writing process.
    static func writeAtomically(_ bytes: [UInt8], to path: String, durability: Durability = .synced) throws(HistoryError) {
        let folder = (path as NSString).deletingLastPathComponent
        let name = (path as NSString).lastPathComponent
        let temporary = folder + "/." + name + ".tmp-\(getpid())-\(UInt32.random(in: 0...UInt32.max))"
        let fd = try open(temporary, O_WRONLY | O_CREAT | O_EXCL, 0o644)
        do throws(HistoryError) {
            try SystemCalls.writeAll(fd, bytes, path: temporary)
            if durability == .synced { try sync(fd, path: temporary) }
            close(fd)
        } catch {
            close(fd)
            unlink(temporary)
            throw error
        }
        guard rename(temporary, path) == 0 else {
            let failure = failure("rename", path)
            unlink(temporary)
            throw failure
        }
        if durability == .synced { try syncDirectory(folder) }
    }
}
