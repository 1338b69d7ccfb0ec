import Foundation

extension FileHandle {
    /// The first line read from this handle (without its newline; what was read at end of file),
    /// read on a Dispatch thread so that the cooperative pool never blocks on the pipe. The test
    /// servers print their port this way once they listen.
    func firstLine() async -> String {
        await withCheckedContinuation { (continuation: CheckedContinuation<String, Never>) in
            DispatchQueue.global().async {
                var bytes = Data()
                while let chunk = try? self.read(upToCount: 1), let byte = chunk.first, byte != UInt8(ascii: "\n") { bytes.append(byte) }
                continuation.resume(returning: String(decoding: bytes, as: UTF8.self))
            }
        }
    }
}
