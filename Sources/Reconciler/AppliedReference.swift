/// The name of the git ref that holds a jobs root's applied state.
///
/// - A root at the top of the repository: `refs/jobctl/applied` (DESIGN.md §4).
/// - A root in a sub-folder: `refs/jobctl/roots/<path>`, with the folder path written as one
///   ref component: every byte other than `A-Z a-z 0-9 - _` is percent-encoded, so `/` becomes
///   `%2F` and `.` becomes `%2E`: `examples/quickstart` → `refs/jobctl/roots/examples%2Fquickstart`.
///
/// One component per root means two roots can never collide: git stores refs as files, so a
/// scheme such as `refs/jobctl/roots/<path>/applied` would make the roots `a` and `a/applied`
/// need `…/a/applied` as both a file and a folder. Encoding also keeps every name valid
/// (no `..`, no leading `.`, no `.lock` suffix, no spaces or `~^:?*[\`).
public enum AppliedReference {
    /// The ref for the root at `prefix`, the root's path inside the repository (`""` for the top).
    public static func name(forRoot prefix: String) -> String {
        let path = prefix.split(separator: "/").filter { $0 != "." }.joined(separator: "/")
        if path.isEmpty { return "refs/jobctl/applied" }
        return "refs/jobctl/roots/" + encode(path)
    }

    /// The root path a `refs/jobctl/roots/` ref stands for, `""` for `refs/jobctl/applied`;
    /// `nil` for any other name.
    public static func rootPath(forReference name: String) -> String? {
        if name == "refs/jobctl/applied" { return "" }
        let prefix = "refs/jobctl/roots/"
        guard name.hasPrefix(prefix) else { return nil }
        return decode(String(name.dropFirst(prefix.count)))
    }

    static func encode(_ path: String) -> String {
        var out = ""
        for byte in path.utf8 {
            switch byte {
            case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"),
                 UInt8(ascii: "0")...UInt8(ascii: "9"), UInt8(ascii: "-"), UInt8(ascii: "_"):
                out.unicodeScalars.append(Unicode.Scalar(byte))
            default:
                let hex = String(byte, radix: 16, uppercase: true)
                out += "%" + (hex.count == 1 ? "0" + hex : hex)
            }
        }
        return out
    }

    static func decode(_ text: String) -> String? {
        var bytes: [UInt8] = []
        var iterator = Array(text.utf8).makeIterator()
        while let byte = iterator.next() {
            if byte == UInt8(ascii: "%") {
                guard let high = iterator.next(), let low = iterator.next(),
                      let value = UInt8(String(decoding: [high, low], as: UTF8.self), radix: 16) else { return nil }
                bytes.append(value)
            } else {
                bytes.append(byte)
            }
        }
        return String(validating: bytes, as: UTF8.self)
    }
}
