extension String {
    /// Whether the text contains `needle`, by a plain byte search: the standard library's generic
    /// `firstRange(of:)` was ~5% of validating a shell step, and Foundation's `contains` and
    /// `range(of:)` bridge to `NSString`.
    func containsBytes(_ needle: StaticString) -> Bool {
        let pattern = UnsafeBufferPointer(start: needle.utf8Start, count: needle.utf8CodeUnitCount)
        guard let first = pattern.first else { return true }
        var text = self
        return text.withUTF8 { bytes in
            guard bytes.count >= pattern.count else { return false }
            return (0...(bytes.count - pattern.count)).contains { start in
                bytes[start] == first && (1..<pattern.count).allSatisfy { bytes[start + $0] == pattern[$0] }
            }
        }
    }
}
