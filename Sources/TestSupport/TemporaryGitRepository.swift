public import Foundation

/// A real git repository in a fresh temporary folder, built with the `git` command line, for
/// tests. Removed when the value is released.
///
/// ```swift
/// let repo = try TemporaryGitRepository(files: ["jobs/a.yaml": "schedule: '@daily'\n"])
/// try repo.write("jobs/b.yaml", "schedule: '@hourly'\n")
/// let sha = try repo.commit("add b")
/// ```
///
/// Git runs with a fixed identity and without the user's global or system config, so tests do
/// not depend on the machine. Only fixtures shell out to git; the product never does.
public final class TemporaryGitRepository: Sendable {
    /// The working tree root (or, for a bare repository, the repository itself). Symlinks in the
    /// temporary folder's path are resolved, so it compares equal to what libgit2 reports.
    public let path: String
    /// The temporary folder that holds the repository; removed with it.
    public let container: String

    /// Creates a repository, writes `files` (paths relative to the root) and, if there are
    /// any, commits them as "initial".
    ///
    /// - Parameters:
    ///   - files: relative path → contents.
    ///   - bare: `git init --bare` instead (no working tree; `files` must be empty).
    ///   - initialBranch: the branch HEAD names.
    public init(files: [String: String] = [:], bare: Bool = false, initialBranch: String = "main") throws {
        let base = FileManager.default.temporaryDirectory
            .appendingPathComponent("jobctl-git-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: base, withIntermediateDirectories: true)
        let resolved = URL(fileURLWithPath: base).resolvingSymlinksInPath().path
        container = resolved
        path = resolved + "/" + (bare ? "repo.git" : "repo")
        var arguments = ["init", "--quiet", "--initial-branch=\(initialBranch)"]
        if bare { arguments.append("--bare") }
        try Self.run(arguments + [path], in: resolved)
        if !files.isEmpty {
            precondition(!bare, "a bare repository has no working tree to write files in")
            for (file, contents) in files.sorted(by: { $0.key < $1.key }) {
                try write(file, contents)
            }
            try commit("initial")
        }
    }

    deinit {
        try? FileManager.default.removeItem(atPath: container)
    }

    /// The absolute path of `relative` inside the working tree.
    public func url(_ relative: String) -> URL {
        URL(fileURLWithPath: path).appendingPathComponent(relative)
    }

    /// Writes a file (creating its folders), without staging it.
    public func write(_ relative: String, _ contents: String) throws {
        let file = url(relative)
        try FileManager.default.createDirectory(
            at: file.deletingLastPathComponent(), withIntermediateDirectories: true)
        try Data(contents.utf8).write(to: file)
    }

    /// Removes a file or folder from the working tree, without staging it.
    public func remove(_ relative: String) throws {
        try FileManager.default.removeItem(at: url(relative))
    }

    /// Creates a symbolic link at `relative` whose target text is `target`.
    public func symlink(_ relative: String, to target: String) throws {
        let link = url(relative)
        try FileManager.default.createDirectory(
            at: link.deletingLastPathComponent(), withIntermediateDirectories: true)
        try FileManager.default.createSymbolicLink(atPath: link.path, withDestinationPath: target)
    }

    /// Sets or clears the executable bits of a working-tree file, without staging it.
    public func setExecutable(_ relative: String, _ executable: Bool = true) throws {
        try FileManager.default.setAttributes(
            [.posixPermissions: executable ? 0o755 : 0o644], ofItemAtPath: url(relative).path)
    }

    /// Stages everything (`git add -A`) and commits it; returns the new commit's full sha.
    @discardableResult
    public func commit(_ message: String) throws -> String {
        try git("add", "-A")
        try git("commit", "--quiet", "--allow-empty", "-m", message)
        return try git("rev-parse", "HEAD")
    }

    /// Runs `git ARGS` in the repository and returns its standard output, trimmed.
    ///
    /// - Throws: ``GitCommandError`` when git exits non-zero.
    @discardableResult
    public func git(_ arguments: String...) throws -> String {
        try Self.run(arguments, in: path)
    }

    /// Runs `git ARGS` in the repository; see ``git(_:)-(String...)``.
    @discardableResult
    public func git(_ arguments: [String]) throws -> String {
        try Self.run(arguments, in: path)
    }

    /// Runs git in `directory` with a fixed identity and no global or system config.
    @discardableResult
    public static func run(_ arguments: [String], in directory: String) throws -> String {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["git"] + arguments
        process.currentDirectoryURL = URL(fileURLWithPath: directory)
        var environment = ProcessInfo.processInfo.environment
        environment["GIT_CONFIG_NOSYSTEM"] = "1"
        environment["GIT_CONFIG_GLOBAL"] = "/dev/null"
        environment["GIT_AUTHOR_NAME"] = "Test Author"
        environment["GIT_AUTHOR_EMAIL"] = "author@example.com"
        environment["GIT_COMMITTER_NAME"] = "Test Committer"
        environment["GIT_COMMITTER_EMAIL"] = "committer@example.com"
        environment["GIT_TERMINAL_PROMPT"] = "0"
        process.environment = environment

        let (output, errors) = try ChildSpawn.start(process) {
            let pipes = (Pipe(), Pipe())
            process.standardOutput = pipes.0
            process.standardError = pipes.1
            process.standardInput = FileHandle.nullDevice
            return pipes
        }
        let result = try ChildRun.finish(process, stdout: output, stderr: errors)
        let text = String(decoding: result.stdout, as: UTF8.self)
        guard result.status == 0 else {
            throw GitCommandError(arguments: arguments, status: result.status, standardError: String(decoding: result.stderr, as: UTF8.self))
        }
        return text.trimmingCharacters(in: .whitespacesAndNewlines)
    }
}

/// A `git` command run by a fixture exited non-zero.
public struct GitCommandError: Error, CustomStringConvertible {
    public let arguments: [String]
    public let status: Int32
    public let standardError: String

    public var description: String {
        "git \(arguments.joined(separator: " ")) exited \(status): \(standardError)"
    }
}
