import Foundation

/// The query string of a request, decoded as browsers and HTTP libraries encode it: `+` is a
/// space, `%XX` a byte. An empty value (`since=`) counts as absent; the first of repeated names wins.
struct Query: Sendable {
    private var values: [String: String] = [:]

    init(_ query: String?) {
        guard let query else { return }
        for pair in query.split(separator: "&", omittingEmptySubsequences: true) {
            let parts = pair.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            guard let name = Self.decode(parts[0]), values[name] == nil else { continue }
            let value = parts.count > 1 ? Self.decode(parts[1]) : ""
            if let value, !value.isEmpty { values[name] = value }
        }
    }

    func get(_ name: String) -> String? {
        values[name]
    }

    private static func decode(_ text: Substring) -> String? {
        String(text).replacingOccurrences(of: "+", with: " ").removingPercentEncoding
    }
}
