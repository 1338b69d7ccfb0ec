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
    static func read(path: String, chunkSize: Int = 1 << 20, torn: (Int64, Int, Int) -> Void = { _, _, _ in },
                     _ body: (Line) throws(HistoryError) -> Bool) throws(HistoryError) {
        guard let fd = try SystemCalls.openForReading(path) else { return }
        defer { close(fd) }
        var capacity = chunkSize
        var buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: capacity, alignment: 8)
        defer { buffer.deallocate() }
        var filled = 0            // bytes in buffer
        var bufferOffset: Int64 = 0 // file offset of buffer[0]
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
            let n = try SystemCalls.read(fd, buffer.baseAddress! + filled, capacity - filled, path: path)
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
                    if try !body(line) { return }
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
        if filled > 0 { torn(bufferOffset, filled, lineNumber + 1) }
    }
}
