import Foundation

/// Installs the git hooks that apply each new commit: `post-commit` and `post-merge`.
///
/// Each hook is a small `sh` script that jobctl owns, marked by its first comment line. It
/// first runs the hook the user had before (moved aside to `<hook>.pre-jobctl` and run with the
/// same arguments; its exit status is the hook's), then `jobctl apply --root ROOT` for every
/// root installed so far. Installing again is idempotent: the same roots give the same file,
/// a new root is added to the list, and a user's hook is moved aside only once.
///
/// A failed apply never fails the commit or the merge (git ignores these hooks' status
/// anyway): it prints its diagnostics, and the last good state stays in force.
public enum HookInstaller {
    public static let hookNames = ["post-commit", "post-merge"]
    static let marker = "# jobctl hooks: installed by `jobctl hooks install`; re-run it to update this file."
    static let rootMarker = "# jobctl root: "

    /// What `install` did to one hook file.
    public struct Result: Sendable, Hashable {
        public var path: String
        /// The user's own hook, moved aside and chained; `nil` when there was none.
        public var chained: String?
        /// The file's text did not change (installed before with the same roots).
        public var unchanged: Bool
    }

    /// - Parameters:
    ///   - hooksDirectory: where git runs hooks from (``GitStore/GitRepository/hooksDirectory``).
    ///   - rootFolder: the root's absolute folder, passed to `jobctl apply --root`.
    ///   - executable: the absolute path of the `jobctl` to run.
    /// - Throws: ``ReconcileError`` ``ReconcileError/Kind/io`` when a file cannot be written.
    public static func install(hooksDirectory: String, rootFolder: String, executable: String) throws(ReconcileError) -> [Result] {
        let files = FileManager.default
        do {
            try files.createDirectory(atPath: hooksDirectory, withIntermediateDirectories: true)
        } catch {
            throw ReconcileError(.io, "cannot create \(hooksDirectory): \(error.localizedDescription)")
        }
        var results: [Result] = []
        for name in hookNames {
            let path = hooksDirectory + "/" + name
            let chainedPath = path + ".pre-jobctl"
            var roots: [String] = []
            var previous: String?
            var chained: String?
            if let data = files.contents(atPath: path) {
                let text = String(decoding: data, as: UTF8.self)
                if text.contains(marker) {
                    previous = text
                    roots = text.split(separator: "\n").compactMap { line in
                        line.hasPrefix(rootMarker) ? String(line.dropFirst(rootMarker.count)) : nil
                    }
                } else if !files.fileExists(atPath: chainedPath) {
                    do { try files.moveItem(atPath: path, toPath: chainedPath) } catch {
                        throw ReconcileError(.io, "cannot move the existing hook \(path) aside: \(error.localizedDescription)")
                    }
                } else {
                    throw ReconcileError(.io, "\(path) is not jobctl's and \(chainedPath) exists already; merge them by hand, then run `jobctl hooks install` again")
                }
            }
            if files.fileExists(atPath: chainedPath) { chained = chainedPath }
            if !roots.contains(rootFolder) { roots.append(rootFolder) }
            let text = script(hook: name, roots: roots, executable: executable)
            if text != previous {
                do {
                    try Data(text.utf8).write(to: URL(fileURLWithPath: path), options: .atomic)
                } catch {
                    throw ReconcileError(.io, "cannot write \(path): \(error.localizedDescription)")
                }
            }
            chmod(path, 0o755)
            results.append(Result(path: path, chained: chained, unchanged: text == previous))
        }
        return results
    }

    static func script(hook: String, roots: [String], executable: String) -> String {
        var lines = [
            "#!/bin/sh",
            marker,
            "status=0",
            "chained=\"$(dirname \"$0\")/\(hook).pre-jobctl\"",
            "if [ -x \"$chained\" ]; then \"$chained\" \"$@\" || status=$?; fi",
        ]
        for root in roots {
            lines.append(rootMarker + root)
            lines.append("\(shellQuote(executable)) apply --root \(shellQuote(root)) || echo \"jobctl: apply failed; the applied state is unchanged\" >&2")
        }
        lines.append("exit $status")
        return lines.joined(separator: "\n") + "\n"
    }

    static func shellQuote(_ text: String) -> String {
        "'" + text.replacingOccurrences(of: "'", with: "'\\''") + "'"
    }
}
