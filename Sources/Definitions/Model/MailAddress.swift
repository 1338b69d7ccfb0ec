import Foundation

/// A mail address, with the display name it may carry (`Jobs <jobs@example.com>`).
public struct MailAddress: Sendable, Hashable, CustomStringConvertible {
    public var name: String?
    public var address: String

    /// Reads `jobs@example.com` or `Name <jobs@example.com>`; nil for anything else (no CR,
    /// LF, `<`, `>` or spaces in the address, exactly one `@` with text on both sides).
    public init?(_ text: String) {
        let trimmed = text.trimmingCharacters(in: .whitespaces)
        var name: String?
        var address = trimmed
        if trimmed.hasSuffix(">"), let open = trimmed.lastIndex(of: "<") {
            address = String(trimmed[trimmed.index(after: open)..<trimmed.index(before: trimmed.endIndex)])
            let display = trimmed[..<open].trimmingCharacters(in: .whitespaces).trimmingCharacters(in: ["\""])
            name = display.isEmpty ? nil : display
        }
        let parts = address.split(separator: "@", omittingEmptySubsequences: false)
        guard parts.count == 2, !parts[0].isEmpty, !parts[1].isEmpty,
              address.unicodeScalars.allSatisfy({ $0.value > 32 && $0 != "<" && $0 != ">" && $0 != "," && $0 != "\"" && $0.value != 127 }),
              name?.unicodeScalars.allSatisfy({ $0 != "\r" && $0 != "\n" }) ?? true else { return nil }
        self.name = name
        self.address = address
    }

    /// `Name <address>`, or the address alone.
    public var description: String {
        name.map { "\($0) <\(address)>" } ?? address
    }
}
