internal import CGit2
import Foundation

/// The process-wide libgit2 runtime. `git_libgit2_init` is reference counted and must run
/// before any other call; a lazily initialised static runs it exactly once, thread-safely.
/// The library is never shut down: a process that uses git keeps it for its lifetime.
enum Libgit2 {
    private static let initialized: Int32 = git_libgit2_init()

    static func ensureInitialized() {
        _ = initialized
    }
}

/// Throws the thread's last libgit2 error when `result` is negative.
///
/// `git_error_last()` is per thread and overwritten by the next failing call, so it is read
/// here, immediately after the call that failed, never later.
@inline(__always)
func check(_ result: Int32, _ context: @autoclosure () -> String) throws(GitError) {
    if result < 0 {
        throw GitError.last(code: result, context: context())
    }
}

/// Calls `body` with a `git_strarray` holding copies of `strings`, valid only during the call.
func withStrArray<Result>(
    _ strings: [String],
    _ body: (inout git_strarray) throws(GitError) -> Result
) throws(GitError) -> Result {
    let pointers: [UnsafeMutablePointer<CChar>?] = strings.map { strdup($0) }
    defer { pointers.forEach { free($0) } }
    var copy = pointers
    return try copy.withUnsafeMutableBufferPointer { (buffer) throws(GitError) -> Result in
        var array = git_strarray(strings: buffer.baseAddress, count: buffer.count)
        return try body(&array)
    }
}

/// A path inside a tree, written the way libgit2 expects it: no leading `./` or `/`, no
/// trailing `/`, and the empty string for the root.
func normalizedTreePath(_ path: String) -> String {
    var components = path.split(separator: "/", omittingEmptySubsequences: true)
    components.removeAll { $0 == "." }
    return components.joined(separator: "/")
}

/// `path` with `prefix` + `/` removed; `path` itself when it is not under the prefix.
func path(_ path: String, relativeTo prefix: String) -> String {
    guard !prefix.isEmpty else { return path }
    let start = prefix + "/"
    return path.hasPrefix(start) ? String(path.dropFirst(start.count)) : path
}

/// A path libgit2 returned for a directory, without the trailing `/` it always adds.
func directoryPath(_ cString: UnsafePointer<CChar>) -> String {
    let path = String(cString: cString)
    return path.count > 1 && path.hasSuffix("/") ? String(path.dropLast()) : path
}
