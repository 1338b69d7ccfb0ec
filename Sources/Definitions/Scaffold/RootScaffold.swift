public import Foundation

/// What `jobctl init` writes: a settings file, one example job that validates, and the
/// `.gitignore` entries that keep jobctl's local state and its run history out of git (history
/// reaches other clones by publishing it, not by committing a snapshot of it).
public struct RootScaffold: Sendable {
    public var timeZone: String

    public init(timeZone: String) {
        self.timeZone = timeZone
    }

    public struct Result: Sendable {
        public var created: [String] = []
        public var kept: [String] = []
    }

    public var files: [(path: String, contents: String)] {
        [
            ("jobctl.yaml", """
            # jobctl settings for this root. See `jobctl schema --config`.
            apiVersion: jobctl/v1
            timezone: \(timeZone)          # the default zone of every job
            defaults:
              concurrency: skip            # a fire while a run is in progress is recorded as skipped
              timeout: 30m
            history:
              folder: history              # history/<job>.jsonl, one JSON line per run

            """),
            ("jobs/hello.yaml", """
            # A first job: jobs/hello.yaml has the id "hello". See `jobctl schema`.
            name: Hello
            description: Says hello every weekday morning.
            schedule:
              cron: "0 9 * * 1-5"          # 09:00 Monday to Friday, in jobctl.yaml's timezone
            params:
              greeting: {default: Hello, allowed: [Hello, Hoi, Hallo]}
            steps:
              - name: greet
                run: [echo, "{{params.greeting}} from jobctl"]

            """),
        ]
    }

    /// Writes the files into `directory`, keeping any that exist.
    public func write(into directory: String) throws -> Result {
        let manager = FileManager.default
        var result = Result()
        for (path, contents) in files {
            let full = directory + "/" + path
            if manager.fileExists(atPath: full) {
                result.kept.append(path)
                continue
            }
            try manager.createDirectory(atPath: (full as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
            try Data(contents.utf8).write(to: URL(fileURLWithPath: full))
            result.created.append(path)
        }
        let ignorePath = directory + "/.gitignore"
        let existing = manager.contents(atPath: ignorePath).map { String(decoding: $0, as: UTF8.self) } ?? ""
        let lines = Set(existing.split(separator: "\n").map { $0.trimmingCharacters(in: .whitespaces) })
        var entry = ""
        if lines.isDisjoint(with: [".jobctl/", ".jobctl", "/.jobctl/", "/.jobctl"]) {
            entry += "# jobctl's local state: daemon lock, runs in flight, token hashes, caches\n/.jobctl/\n"
        }
        if lines.isDisjoint(with: ["history/", "history", "/history/", "/history"]) {
            entry += "# run history, written by jobctl (publish it to a branch to share it; see the docs)\n/history/\n"
        }
        if entry.isEmpty {
            result.kept.append(".gitignore")
        } else {
            let separator = existing.isEmpty || existing.hasSuffix("\n") ? "" : "\n"
            try Data((existing + separator + entry).utf8).write(to: URL(fileURLWithPath: ignorePath))
            result.created.append(".gitignore")
        }
        return result
    }
}
