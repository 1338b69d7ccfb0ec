/// Replaces every occurrence of the secret values resolved during a run with `***`.
///
/// ``redact(_:)`` works on whole strings (errors, step output). For a byte stream, a
/// ``Redactor/Stream`` holds back the last bytes of each chunk that could be the start of a secret
/// split across two reads, so a secret is redacted wherever the pipe happens to cut it.
struct Redactor: Sendable {
    static let mask: [UInt8] = Array("***".utf8)

    /// The secret values, longest first (so a secret that contains another is masked whole).
    private(set) var secrets: [[UInt8]] = []

    var isEmpty: Bool { secrets.isEmpty }

    /// Adds `value` (ignored when empty or already known).
    mutating func add(_ value: String) {
        let bytes = Array(value.utf8)
        guard !bytes.isEmpty, !secrets.contains(bytes) else { return }
        secrets.append(bytes)
        secrets.sort { $0.count > $1.count }
    }

    var longest: Int { secrets.first?.count ?? 0 }

    func redact(_ text: String) -> String {
        guard !secrets.isEmpty else { return text }
        let (output, _) = redact(Array(text.utf8), final: true)
        return String(decoding: output, as: UTF8.self)
    }

    /// Masks `bytes`. Unless `final`, the tail that might begin a secret is returned as `pending`
    /// (to be put in front of the next chunk) instead of in `output`.
    func redact(_ bytes: [UInt8], final: Bool) -> (output: [UInt8], pending: [UInt8]) {
        guard !secrets.isEmpty else { return (bytes, []) }
        var output: [UInt8] = []
        output.reserveCapacity(bytes.count)
        var index = 0
        // Bytes from `safeEnd` on are held back when not final: a secret could start there
        // and continue in the next chunk.
        let safeEnd = final ? bytes.count : max(0, bytes.count - (longest - 1))
        scan: while index < bytes.count {
            // Could this position start a secret that the next chunk completes? Checked first, so
            // a short secret inside a longer one does not leave the longer one's rest unmasked.
            if !final, index >= safeEnd, secrets.contains(where: { isPrefix(of: $0, in: bytes, from: index) }) {
                return (output, Array(bytes[index...]))
            }
            for secret in secrets where matches(secret, in: bytes, at: index) {
                output += Redactor.mask
                index += secret.count
                continue scan
            }
            output.append(bytes[index])
            index += 1
        }
        return (output, [])
    }

    private func matches(_ secret: [UInt8], in bytes: [UInt8], at index: Int) -> Bool {
        guard index + secret.count <= bytes.count, bytes[index] == secret[0] else { return false }
        var offset = 1
        while offset < secret.count {
            if bytes[index + offset] != secret[offset] { return false }
            offset += 1
        }
        return true
    }

    /// Whether `bytes[index...]` (shorter than `secret`) is a prefix of `secret`.
    private func isPrefix(of secret: [UInt8], in bytes: [UInt8], from index: Int) -> Bool {
        let remaining = bytes.count - index
        guard remaining < secret.count else { return false }
        for offset in 0..<remaining where bytes[index + offset] != secret[offset] { return false }
        return true
    }

    /// The redaction state of one output stream (stdout or stderr of one process).
    struct Stream {
        var pending: [UInt8] = []

        /// The bytes of `chunk` that can be written now.
        mutating func feed(_ chunk: [UInt8], using redactor: Redactor) -> [UInt8] {
            let (output, held) = redactor.redact(pending + chunk, final: false)
            pending = held
            return output
        }

        /// What is left at the end of the stream.
        mutating func finish(using redactor: Redactor) -> [UInt8] {
            defer { pending = [] }
            return redactor.redact(pending, final: true).output
        }
    }
}
