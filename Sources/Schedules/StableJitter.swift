/// The delay jitter adds to one fire: pseudo-random in `[0, jitter)`, but a pure function of
/// (job key, scheduled instant), so every node, every restart and every preview agrees.
///
/// FNV-1a (64-bit) over the key's UTF-8 bytes, a 0xFF separator and the scheduled instant in
/// milliseconds (little-endian), finished with the SplitMix64 mixer. Deliberately not Swift's
/// `Hasher`, which is seeded randomly per process.
enum StableJitter {
    static func offset(key: String, scheduledMilliseconds: Int64, jitter: Int64) -> Int64 {
        guard jitter > 1 else { return 0 }
        var h: UInt64 = 0xcbf2_9ce4_8422_2325
        for byte in key.utf8 {
            h ^= UInt64(byte)
            h = h &* 0x0000_0100_0000_01b3
        }
        h ^= 0xFF
        h = h &* 0x0000_0100_0000_01b3
        var t = UInt64(bitPattern: scheduledMilliseconds)
        for _ in 0..<8 {
            h ^= t & 0xFF
            h = h &* 0x0000_0100_0000_01b3
            t >>= 8
        }
        h ^= h >> 30
        h = h &* 0xbf58_476d_1ce4_e5b9
        h ^= h >> 27
        h = h &* 0x94d0_49bb_1331_11eb
        h ^= h >> 31
        return Int64(h % UInt64(jitter))
    }
}
