import Foundation
#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// What a line reader hands over for each complete line: its bytes (without the newline), the
/// offset of its first byte, and its 1-based number when known.
struct Line {
    var bytes: UnsafeBufferPointer<UInt8>
    var offset: Int64
    var number: Int?
}

/// Reads a file's lines from the end backwards, in chunks, so the last N lines of a large file
/// cost what N lines cost. Lines longer than a chunk are put together across chunks.
enum BackwardLineReader {
    /// Calls `body` for each complete line, last first, until it returns false. A last line
    /// without a newline is reported through `torn` instead. A missing file has no lines.
    static func read(path: String, chunkSize: Int = 64 * 1024, torn: (Int64, Int) -> Void = { _, _ in },
                     _ body: (Line) throws(HistoryError) -> Bool) throws(HistoryError) {
        guard let fd = try SystemCalls.openForReading(path) else { return }
        defer { close(fd) }
        let size = Int64(try SystemCalls.fileStatus(fd, path: path).st_size)
        guard size > 0 else { return }

        // `window` holds the bytes [windowStart, lineEnd) not yet handed over: the start of the
        // line being assembled plus whatever the last chunk read before it.
        var window: [UInt8] = []
        var windowStart = size
        var lineEnd = size           // exclusive end of the current line, without its newline
        var currentIsTorn = true     // until a newline at the very end proves otherwise
        var first = true
        // A line longer than a chunk doubles the next read, so assembling it stays linear.
        var readSize = chunkSize
        var chunk = UnsafeMutableRawBufferPointer.allocate(byteCount: readSize, alignment: 8)
        defer { chunk.deallocate() }

        while windowStart > 0 {
            if chunk.count < readSize {
                chunk.deallocate()
                chunk = UnsafeMutableRawBufferPointer.allocate(byteCount: readSize, alignment: 8)
            }
            let start = max(0, windowStart - Int64(readSize))
            let count = try SystemCalls.pread(fd, chunk.baseAddress!, Int(windowStart - start), start, path: path)
            guard count == Int(windowStart - start) else { return } // the file shrank under us: stop
            var combined = [UInt8](UnsafeRawBufferPointer(rebasing: chunk[0..<count]))
            combined.append(contentsOf: window)
            windowStart = start
            if first {
                first = false
                if combined.last == UInt8(ascii: "\n") {
                    currentIsTorn = false
                    lineEnd = size - 1
                }
            }
            // Hand over every line that starts inside this chunk (after a newline in it).
            var failure: HistoryError?
            var keepGoing = true
            var end = Int(lineEnd - windowStart) // relative to combined
            let offset = windowStart
            combined.withUnsafeBufferPointer { buffer in
                var i = end - 1
                while i >= 0 {
                    if buffer[i] == UInt8(ascii: "\n") {
                        let from = i + 1
                        if currentIsTorn {
                            if end > from { torn(offset + Int64(from), end - from) }
                            currentIsTorn = false
                        } else if end > from {
                            do throws(HistoryError) {
                                if try !body(Line(bytes: UnsafeBufferPointer(rebasing: buffer[from..<end]), offset: offset + Int64(from), number: nil)) {
                                    keepGoing = false
                                    return
                                }
                            } catch {
                                failure = error
                                keepGoing = false
                                return
                            }
                        }
                        end = i
                    }
                    i -= 1
                }
            }
            if let failure { throw failure }
            if !keepGoing { return }
            readSize = end == Int(lineEnd - windowStart) ? min(readSize * 2, 64 << 20) : chunkSize
            lineEnd = windowStart + Int64(end)
            window = Array(combined[0..<end])
        }
        // The first line of the file.
        if !window.isEmpty {
            if currentIsTorn {
                torn(0, window.count)
                return
            }
            var stop: HistoryError?
            window.withUnsafeBufferPointer { buffer in
                do throws(HistoryError) { _ = try body(Line(bytes: buffer, offset: 0, number: nil)) } catch { stop = error }
            }
            if let stop { throw stop }
        }
    }
}

/// Reads a file's lines from the start, in large chunks, without copying complete lines.
enum ForwardLineReader {
    /// Calls `body` for each complete line in order, until it returns false. Bytes after the
    /// last newline are reported through `torn`. A missing file has no lines.
    ///
    /// With `part`, only the lines of that part of the file (see ``parts(path:count:minimumBytes:)``)
    /// are read, numbered from 1 within it; a part with an end reports no torn line. Returns the
    /// number of lines seen (newlines, counting empty lines), so that the parts' numbers can be
    /// made the file's.
    @discardableResult
    static func read(path: String, part: Part = Part(start: 0, end: nil), chunkSize: Int = 1 << 20, torn: (Int64, Int, Int) -> Void = { _, _, _ in },
                     _ body: (Line) throws(HistoryError) -> Bool) throws(HistoryError) -> Int {
        guard let fd = try SystemCalls.openForReading(path) else { return 0 }
        defer { close(fd) }
        var capacity = chunkSize
        var buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: capacity, alignment: 8)
        defer { buffer.deallocate() }
        var filled = 0            // bytes in buffer
        var bufferOffset = part.start // file offset of buffer[0]
        var lineNumber = 0
        while true {
            if filled == capacity {
                // A line longer than the buffer: grow it.
                let bigger = UnsafeMutableRawBufferPointer.allocate(byteCount: capacity * 2, alignment: 8)
                bigger.copyMemory(from: UnsafeRawBufferPointer(buffer))
                buffer.deallocate()
                buffer = bigger
                capacity *= 2
            }
            let position = bufferOffset + Int64(filled)
            var wanted = capacity - filled
            if let end = part.end { wanted = Int(min(Int64(wanted), end - position)) }
            if wanted <= 0 { break }
            let n = try SystemCalls.pread(fd, buffer.baseAddress! + filled, wanted, position, path: path)
            if n == 0 { break }
            filled += n
            let base = buffer.baseAddress!.assumingMemoryBound(to: UInt8.self)
            var start = 0
            while start < filled {
                guard let found = memchr(base + start, Int32(UInt8(ascii: "\n")), filled - start) else { break }
                let end = base.distance(to: found.assumingMemoryBound(to: UInt8.self))
                lineNumber += 1
                if end > start {
                    let line = Line(bytes: UnsafeBufferPointer(start: base + start, count: end - start), offset: bufferOffset + Int64(start), number: lineNumber)
                    if try !body(line) { return lineNumber }
                }
                start = end + 1
            }
            // Keep the incomplete line at the front.
            if start > 0 {
                if filled > start { memmove(base, base + start, filled - start) }
                filled -= start
                bufferOffset += Int64(start)
            }
        }
        if filled > 0, part.end == nil { torn(bufferOffset, filled, lineNumber + 1) }
        return lineNumber
    }

    /// A run of whole lines: from `start` (a line's first byte) to `end` (just after a newline),
    /// or to the end of the file when `end` is nil.
    struct Part: Sendable, Hashable {
        var start: Int64
        var end: Int64?
    }

    /// Cuts a file into at most `count` parts of whole lines, each at least `minimumBytes` long
    /// (except the last): the cut points are the first newlines after equal shares. The last part
    /// runs to the end of the file, so lines appended meanwhile are read as a single read would.
    static func parts(path: String, count: Int, minimumBytes: Int64 = 8 << 20) throws(HistoryError) -> [Part] {
        guard count > 1, let fd = try SystemCalls.openForReading(path) else { return [Part(start: 0, end: nil)] }
        defer { close(fd) }
        let size = Int64(try SystemCalls.fileStatus(fd, path: path).st_size)
        let shares = Int(min(Int64(count), max(1, size / max(1, minimumBytes))))
        guard shares > 1 else { return [Part(start: 0, end: nil)] }
        var cuts: [Int64] = []
        let probe = UnsafeMutableBufferPointer<UInt8>.allocate(capacity: 64 * 1024)
        defer { probe.deallocate() }
        for share in 1..<shares {
            var position = max(size * Int64(share) / Int64(shares), cuts.last ?? 0)
            var cut: Int64?
            while cut == nil, position < size {
                let n = try SystemCalls.pread(fd, probe.baseAddress!, probe.count, position, path: path)
                if n == 0 { break }
                if let index = probe[0..<n].firstIndex(of: UInt8(ascii: "\n")) { cut = position + Int64(index) + 1 }
                position += Int64(n)
            }
            guard let cut, cut < size else { break }
            if cut > (cuts.last ?? 0) { cuts.append(cut) }
        }
        var parts: [Part] = []
        var start: Int64 = 0
        for cut in cuts {
            parts.append(Part(start: start, end: cut))
            start = cut
        }
        parts.append(Part(start: start, end: nil))
        return parts
    }
}
