/// A tree entry's mode, as git stores it (`100644`, `100755`, `120000`, `160000`, `040000`).
public struct FileMode: RawRepresentable, Sendable, Hashable, CustomStringConvertible {
    public let rawValue: UInt32
    public init(rawValue: UInt32) { self.rawValue = rawValue }

    public static let file = FileMode(rawValue: 0o100644)
    public static let executable = FileMode(rawValue: 0o100755)
    public static let symlink = FileMode(rawValue: 0o120000)
    /// A submodule's commit (a "gitlink").
    public static let gitlink = FileMode(rawValue: 0o160000)
    public static let tree = FileMode(rawValue: 0o040000)

    /// The octal form git prints, e.g. `100644`.
    public var description: String {
        let digits = String(rawValue, radix: 8)
        return digits.count < 6 ? String(repeating: "0", count: 6 - digits.count) + digits : digits
    }

    /// A regular file, executable or not.
    public var isFile: Bool { rawValue & 0o170000 == 0o100000 }
    public var isSymlink: Bool { self == .symlink }
    public var isGitlink: Bool { self == .gitlink }
    public var isExecutable: Bool { self == .executable }
}
