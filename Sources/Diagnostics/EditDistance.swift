/// How far apart two words are, for "did you mean" suggestions.
public enum EditDistance {
    /// Optimal string alignment distance (Damerau-Levenshtein without repeated edits of a
    /// substring): insertions, deletions, substitutions and swaps of two adjacent letters each
    /// count once. Compares Unicode scalars, case-sensitively.
    ///
    /// ```swift
    /// EditDistance.between("shcedule", "schedule")   // 1
    /// ```
    public static func between(_ a: String, _ b: String) -> Int {
        let a = Array(a.unicodeScalars), b = Array(b.unicodeScalars)
        if a.isEmpty { return b.count }
        if b.isEmpty { return a.count }
        var previousPrevious = [Int](repeating: 0, count: b.count + 1)
        var previous = Array(0...b.count)
        var current = [Int](repeating: 0, count: b.count + 1)
        for i in 1...a.count {
            current[0] = i
            for j in 1...b.count {
                let cost = a[i - 1] == b[j - 1] ? 0 : 1
                current[j] = min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + cost)
                if i > 1, j > 1, a[i - 1] == b[j - 2], a[i - 2] == b[j - 1] {
                    current[j] = min(current[j], previousPrevious[j - 2] + 1)
                }
            }
            (previousPrevious, previous, current) = (previous, current, previousPrevious)
        }
        return previous[b.count]
    }
}
