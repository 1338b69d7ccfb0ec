import Foundation
import Locks
import Subprocess
import SystemPackage
#if canImport(Glibc)
import Glibc
#endif

/// Prints a report page to PDF with headless Chromium: one instance at a time, stopped after
/// ``timeout`` (coreutils `timeout` ends its whole process group), and cut off from the network
/// three ways — in a network namespace of its own (`unshare -rn`, where the kernel allows user
/// namespaces), behind a proxy that does not exist with every host name unresolvable, and under
/// the report's Content-Security-Policy (no remote content at all; the sanitiser already turns
/// images into their alt text). As root Chromium needs `--no-sandbox`, which it then gets.
struct ReportPrinter: Sendable {
    struct Failure: Error, CustomStringConvertible {
        var description: String
    }

    /// The Chromium executable; nil when none was found (the page says so).
    let executable: String?
    let timeout: Duration
    private let gate = OneAtATime()
    private let isolation = Locked<[String]?>(nil)

    init(executable: String?, timeout: Duration) {
        self.executable = executable ?? ["chromium", "chromium-browser", "google-chrome"].lazy.compactMap(Self.onPath).first
        self.timeout = timeout
    }

    var isAvailable: Bool { executable.map { access($0, X_OK) == 0 } ?? false }

    static func onPath(_ name: String) -> String? {
        let path = ProcessInfo.processInfo.environment["PATH"] ?? "/usr/local/bin:/usr/bin:/bin"
        return path.split(separator: ":").map { "\($0)/\(name)" }.first { access($0, X_OK) == 0 }
    }

    func pdf(html: String) async throws -> [UInt8] {
        guard let executable, isAvailable else { throw Failure(description: "no chromium on PATH") }
        await gate.acquire()
        defer { gate.release() }
        var template = Array((NSTemporaryDirectory() + "/jobctl-pdf-XXXXXX").utf8CString)
        guard let made = mkdtemp(&template) else { throw Failure(description: "cannot make a temporary folder") }
        let folder = String(cString: made)
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let page = html.replacingOccurrences(of: "<head>", with: "<head><meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; style-src 'unsafe-inline'; img-src data:\">")
        try Data(page.utf8).write(to: URL(fileURLWithPath: folder + "/report.html"))
        let output = folder + "/report.pdf"
        var arguments = ["--headless", "--disable-gpu", "--no-pdf-header-footer", "--no-first-run", "--disable-extensions", "--disable-sync",
                         "--disable-background-networking", "--disable-dev-shm-usage", "--disable-component-update",
                         "--proxy-server=http://127.0.0.1:9", "--proxy-bypass-list=<-loopback>", "--host-resolver-rules=MAP * ~NOTFOUND",
                         "--user-data-dir=\(folder)/profile", "--crash-dumps-dir=\(folder)", "--print-to-pdf=\(output)",
                         "file://\(folder)/report.html"]
        if geteuid() == 0 { arguments.insert("--no-sandbox", at: 0) }
        var command = await isolationPrefix() + [executable] + arguments
        if let timeoutCommand = Self.onPath("timeout") {
            command = [timeoutCommand, "-k", "5", "\(Int((timeout / .seconds(1)).rounded(.up)))"] + command
        }
        let result = try await Subprocess.run(
            .path(FilePath(command[0])), arguments: Arguments(Array(command.dropFirst())),
            environment: .inherit.updating(["HOME": folder]), workingDirectory: FilePath(folder),
            output: .discarded, error: .string(limit: 64 * 1024))
        guard let bytes = FileManager.default.contents(atPath: output), bytes.starts(with: Array("%PDF".utf8)) else {
            let status: String
            switch result.terminationStatus {
            case .exited(124): status = "timed out after \(timeout)"
            case .exited(let code): status = "exit \(code)"
            case .signaled(let signal): status = "signal \(signal)"
            }
            let lastLine = (result.standardError ?? "").split(separator: "\n").last.map(String.init) ?? ""
            throw Failure(description: "chromium wrote no PDF (\(status)) \(lastLine)")
        }
        return [UInt8](bytes)
    }

    /// `unshare -rn` when it works here (checked once), else nothing.
    private func isolationPrefix() async -> [String] {
        if let known = isolation.withLock({ $0 }) { return known }
        var prefix: [String] = []
        if let unshare = Self.onPath("unshare"),
           let result = try? await Subprocess.run(.path(FilePath(unshare)), arguments: ["-rn", "true"], output: .discarded, error: .discarded),
           result.terminationStatus.isSuccess {
            prefix = [unshare, "-rn"]
        }
        isolation.withLock { $0 = prefix }
        return prefix
    }
}

/// A gate one task passes at a time; the others wait their turn in order.
final class OneAtATime: Sendable {
    private let state = Locked<(busy: Bool, waiting: [CheckedContinuation<Void, Never>])>((false, []))

    func acquire() async {
        await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
            let enter = state.withLock { state -> Bool in
                if state.busy { state.waiting.append(continuation); return false }
                state.busy = true
                return true
            }
            if enter { continuation.resume() }
        }
    }

    func release() {
        let next = state.withLock { state -> CheckedContinuation<Void, Never>? in
            if state.waiting.isEmpty { state.busy = false; return nil }
            return state.waiting.removeFirst()
        }
        next?.resume()
    }
}
