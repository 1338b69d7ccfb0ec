import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// Keeps the daemon's secrets out of its children's reach.
///
/// ``apply()`` does three things, once, before the first step starts:
/// 1. captures this process's environment for every ``SecretStore`` made from now on
///    (``SecretStore/processEnvironment``);
/// 2. removes every `JOBCTL_SECRET_*` variable from the environment and overwrites its bytes in
///    the process's initial environment block with zeros, so `/proc/PID/environ` no longer shows
///    them (it reads that memory);
/// 3. marks the process not dumpable (`PR_SET_DUMPABLE` 0): its `/proc/PID/environ`,
///    `/proc/PID/mem` and `/proc/PID/maps` become root's, so a step running as the same user
///    cannot read them, nor attach a debugger.
///
/// What stays reachable: the secrets file, for a step running as the daemon's user (run steps as
/// another user with `serve --step-user`), and everything, for a step running as root.
public enum SecretScrub {
    public struct Report: Sendable, Hashable {
        /// The `JOBCTL_SECRET_*` names removed from the environment.
        public var scrubbed: [String]
        /// Whether the process is now not dumpable.
        public var notDumpable: Bool
    }

    /// See the type's description. Idempotent.
    @discardableResult
    public static func apply() -> Report {
        _ = SecretStore.processEnvironment
        var found: [(name: String, bytes: UnsafeMutablePointer<CChar>, length: Int)] = []
        var entry = environ
        while let pointer = entry.pointee {
            let text = String(cString: pointer)
            if text.hasPrefix("JOBCTL_SECRET_"), let equals = text.firstIndex(of: "=") {
                found.append((String(text[..<equals]), pointer, strlen(pointer)))
            }
            entry += 1
        }
        for secret in found { unsetenv(secret.name) }
        // unsetenv only drops the pointer; the bytes (in the initial block that /proc shows) stay.
        for secret in found { memset(secret.bytes, 0, secret.length) }
        return Report(scrubbed: found.map(\.name), notDumpable: setNotDumpable())
    }

    /// `prctl(PR_SET_DUMPABLE, 0)`.
    static func setNotDumpable() -> Bool {
        Prctl.call(Prctl.setDumpable, 0)
    }
}
