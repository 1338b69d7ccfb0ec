import Foundation
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Where `${secrets.NAME}` values come from: never from git.
///
/// A name is looked up first in the environment as `JOBCTL_SECRET_NAME`, then in the secrets
/// file: `KEY=VALUE` lines (blank lines and `#` comments are skipped, a leading `export ` is
/// allowed, and one pair of matching `"` or `'` quotes around the value is removed). The file is
/// read at each lookup, so an edited secret takes effect on the next run without a restart.
/// A file that its group or others may read (or write) is refused, as ssh refuses a private key.
///
/// ```swift
/// let store = SecretStore(file: "/etc/jobctl/secrets.env")
/// let token = try store.value(named: "SLACK_WEBHOOK")
/// ```
public struct SecretStore: Sendable {
    /// The environment variables searched (`JOBCTL_SECRET_<NAME>`).
    public var environment: [String: String]
    /// The secrets file, or nil for none.
    public var file: String?

    /// `$JOBCTL_SECRETS_FILE` when set (e.g. a systemd credential, `%d/secrets.env`), else
    /// `~/.config/jobctl/secrets.env` (`$XDG_CONFIG_HOME/jobctl/secrets.env` when that is set).
    public static var defaultFile: String { defaultFile(environment: ProcessInfo.processInfo.environment) }

    static func defaultFile(environment: [String: String]) -> String {
        if let file = environment["JOBCTL_SECRETS_FILE"], !file.isEmpty { return file }
        if let config = environment["XDG_CONFIG_HOME"], config.hasPrefix("/") {
            return config + "/jobctl/secrets.env"
        }
        let home = environment["HOME"] ?? NSHomeDirectory()
        return home + "/.config/jobctl/secrets.env"
    }

    /// This process's environment as it was first read: what ``SecretStore`` looks secrets up in
    /// by default, also after ``SecretScrub/apply()`` removed them from the live environment.
    public static let processEnvironment: [String: String] = ProcessInfo.processInfo.environment

    /// - Parameters:
    ///   - environment: where `JOBCTL_SECRET_<NAME>` is looked up; nil (the default) for this
    ///     process's environment as first read (``processEnvironment``).
    ///   - file: the secrets file; ``defaultFile`` by default, nil for none. A missing file is not an
    ///     error until a secret that is not in the environment is asked for.
    public init(environment: [String: String]? = nil, file: String? = SecretStore.defaultFile) {
        self.environment = environment ?? SecretStore.processEnvironment
        self.file = file
    }

    /// The value of secret `name`.
    ///
    /// - Throws: ``SecretError`` when the secret is in neither place, or the file cannot be
    ///   trusted (readable by group or others) or read.
    public func value(named name: String) throws(SecretError) -> String {
        if let value = environment["JOBCTL_SECRET_" + name] {
            return value
        }
        guard let file else {
            throw SecretError(message: "secret '\(name)' is not set: define the environment variable JOBCTL_SECRET_\(name)")
        }
        var info = stat()
        guard stat(file, &info) == 0 else {
            throw SecretError(message: "secret '\(name)' is not set: define the environment variable JOBCTL_SECRET_\(name) or add \(name)=... to \(file) (which does not exist)")
        }
        let mode = info.st_mode & 0o777
        if mode & 0o077 != 0 {
            throw SecretError(message: "secrets file \(file) is accessible by group or others (mode \(String(mode, radix: 8))); run: chmod 600 \(file)")
        }
        guard let data = FileManager.default.contents(atPath: file) else {
            throw SecretError(message: "secrets file \(file) cannot be read")
        }
        if let value = SecretStore.parse(String(decoding: data, as: UTF8.self))[name] {
            return value
        }
        throw SecretError(message: "secret '\(name)' is not set: define the environment variable JOBCTL_SECRET_\(name) or add \(name)=... to \(file)")
    }

    /// The pairs of a secrets file.
    static func parse(_ text: String) -> [String: String] {
        var values: [String: String] = [:]
        for rawLine in text.split(omittingEmptySubsequences: true, whereSeparator: { $0 == "\n" || $0 == "\r\n" || $0 == "\r" }) {
            var line = Substring(rawLine)
            while let first = line.first, first == " " || first == "\t" { line.removeFirst() }
            if line.isEmpty || line.hasPrefix("#") { continue }
            if line.hasPrefix("export ") { line = line.dropFirst(7) }
            guard let equals = line.firstIndex(of: "=") else { continue }
            let key = line[..<equals].trimmingCharacters(in: .whitespaces)
            var value = Substring(line[line.index(after: equals)...])
            while let last = value.last, last == " " || last == "\t" { value.removeLast() }
            if value.count >= 2, let first = value.first, first == "\"" || first == "'", value.last == first {
                value = value.dropFirst().dropLast()
            }
            values[key] = String(value)
        }
        return values
    }
}

/// A secret that could not be resolved. `message` says which and what to do.
public struct SecretError: Error, Sendable, CustomStringConvertible {
    public var message: String
    public var description: String { message }
}
