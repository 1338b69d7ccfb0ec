import ArgumentParser
import Foundation
import Reconciler

/// Opening a root's reconciler and turning its errors into exit codes, for the git commands.
enum ReconcilerSupport {
    /// Exit status when another apply moved the applied ref first: nothing changed; retry.
    static let appliedStateMovedExitCode: Int32 = 3

    static func open(_ options: RootOptions) throws -> Reconciler {
        do {
            return Reconciler(root: try JobsRoot.open(options.root))
        } catch {
            throw fail(error)
        }
    }

    /// Prints `error: message` and returns the exit code to throw.
    static func fail(_ error: ReconcileError) -> ExitCode {
        Console.error("error: \(error.message)")
        return ExitCode(error.kind == .appliedStateMoved ? appliedStateMovedExitCode : 1)
    }

    static func run<T>(_ body: () throws(ReconcileError) -> T) throws -> T {
        do { return try body() } catch { throw fail(error) }
    }

    /// The absolute path of this `jobctl`, for hooks to run.
    static var executablePath: String {
        let proc = URL(fileURLWithPath: "/proc/self/exe").resolvingSymlinksInPath().path
        if proc != "/proc/self/exe", FileManager.default.isExecutableFile(atPath: proc) { return proc }
        let argument = CommandLine.arguments[0]
        if argument.contains("/") {
            return URL(fileURLWithPath: argument).standardizedFileURL.resolvingSymlinksInPath().path
        }
        return argument
    }
}
