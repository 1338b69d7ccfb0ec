import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// The user that steps run as (`jobctl serve --step-user NAME`), when it is not the daemon's own:
/// a step then cannot read the daemon's secrets file, its memory or its environment.
///
/// Switching user needs privilege (the daemon runs as root, or with CAP_SETUID and CAP_SETGID);
/// ``resolve(_:)`` refuses a name that does not exist, and ``checkCanSwitch()`` a daemon that
/// cannot switch, so that a step never silently runs as the daemon's user instead.
public struct StepUser: Sendable, Hashable {
    public var name: String
    public var uid: UInt32
    public var gid: UInt32
    /// Its supplementary groups (from the group database).
    public var groups: [UInt32]
    public var home: String

    public init(name: String, uid: UInt32, gid: UInt32, groups: [UInt32], home: String) {
        self.name = name
        self.uid = uid
        self.gid = gid
        self.groups = groups
        self.home = home
    }

    public struct Problem: Error, Sendable, CustomStringConvertible {
        public var message: String
        public var description: String { message }
    }

    /// Looks `name` (or a numeric uid) up in the user database.
    public static func resolve(_ name: String) throws(Problem) -> StepUser {
        var record = passwd()
        var result: UnsafeMutablePointer<passwd>?
        var buffer = [CChar](repeating: 0, count: 16 * 1024)
        if let uid = uid_t(name) {
            getpwuid_r(uid, &record, &buffer, buffer.count, &result)
        } else {
            getpwnam_r(name, &record, &buffer, buffer.count, &result)
        }
        guard let entry = result?.pointee else { throw Problem(message: "--step-user: no user '\(name)' on this machine") }
        let userName = String(cString: entry.pw_name)
        var count: Int32 = 64
        var groups = [gid_t](repeating: 0, count: Int(count))
        if getgrouplist(userName, entry.pw_gid, &groups, &count) < 0 {
            groups = [gid_t](repeating: 0, count: Int(count))
            _ = getgrouplist(userName, entry.pw_gid, &groups, &count)
        }
        return StepUser(name: userName, uid: entry.pw_uid, gid: entry.pw_gid, groups: Array(groups.prefix(Int(max(count, 0)))),
                        home: String(cString: entry.pw_dir))
    }

    /// util-linux's setpriv, which starts each step as the user.
    static let setpriv = "/usr/bin/setpriv"

    /// - Throws: when this process may not switch to another user, or setpriv is missing.
    public func checkCanSwitch() throws(Problem) {
        guard uid != geteuid() else { return }
        guard FileManager.default.isExecutableFile(atPath: Self.setpriv) else {
            throw Problem(message: "--step-user \(name): \(Self.setpriv) (util-linux) is needed to start steps as another user")
        }
        guard geteuid() == 0 else {
            throw Problem(message: "--step-user \(name): jobctl runs as uid \(geteuid()) and cannot start processes as another user; run it as root (it switches every step to \(name)) or drop --step-user")
        }
    }
}
