public import Foundation

/// A jobs root in a fresh temporary folder (not a git repository), removed when released.
///
/// ```swift
/// let root = try TemporaryRoot(files: ["jobs/a.yaml": "steps: [{run: [true]}]\n"])
/// ```
public final class TemporaryRoot: Sendable {
    public let path: String

    public init(files: [String: String] = [:]) throws {
        let base = FileManager.default.temporaryDirectory.appendingPathComponent("jobctl-root-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: base.appendingPathComponent("jobs"), withIntermediateDirectories: true)
        path = base.resolvingSymlinksInPath().path
        for (file, contents) in files {
            try write(file, contents)
        }
    }

    deinit {
        try? FileManager.default.removeItem(atPath: path)
    }

    public func write(_ relative: String, _ contents: String) throws {
        try write(relative, Data(contents.utf8))
    }

    public func write(_ relative: String, _ data: Data) throws {
        let file = URL(fileURLWithPath: path).appendingPathComponent(relative)
        try FileManager.default.createDirectory(at: file.deletingLastPathComponent(), withIntermediateDirectories: true)
        try data.write(to: file)
    }

    public func read(_ relative: String) -> String? {
        FileManager.default.contents(atPath: path + "/" + relative).map { String(decoding: $0, as: UTF8.self) }
    }
}
