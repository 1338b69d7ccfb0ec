import Foundation
import GitStore
import Reconciler
import TestSupport

/// Job files the tests commit: small, valid, with the fields a plan compares.
enum Fixtures {
    static func job(cron: String = "0 8 * * 1", name: String? = nil, needs: [String] = [], run: String = "echo hi") -> String {
        var text = ""
        if let name { text += "name: \(name)\n" }
        text += "schedule:\n  cron: \"\(cron)\"\n  timezone: Europe/Amsterdam\n"
        if !needs.isEmpty { text += "needs: [\(needs.joined(separator: ", "))]\n" }
        text += "steps:\n  - name: main\n    run: \(run)\n"
        return text
    }

    static let broken = "schedule:\n  cron: \"61 8 * * 1\"\nsteps:\n  - run: echo\n"

    /// A fixed instant (Thursday 1 January 2026, 12:00 UTC) for fire-time previews.
    static let now = Date(timeIntervalSince1970: 1_767_268_800)

    static func reconciler(_ repo: TemporaryGitRepository, root: String = ".") throws -> Reconciler {
        Reconciler(root: try JobsRoot.open(root, currentDirectory: repo.path), now: { now })
    }
}

extension ApplyOutcome {
    var wasApplied: Bool {
        if case .applied = self { return true }
        return false
    }

    var wasRefused: Bool {
        if case .refused = self { return true }
        return false
    }
}
