import Foundation
import Subprocess
import SystemPackage
import Locks
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// One child process of a step: what to start, and how it ended.
struct ChildProcess: Sendable {
    /// Absolute path of the program (see ``ExecutableLookup``).
    var executable: String
    /// argv[1...], each one element, never split or re-parsed.
    var arguments: [String]
    var environment: [String: String]
    var workingDirectory: String
    /// Written to the child's stdin, which is then closed. Without it stdin is closed at once.
    var standardInput: [UInt8]?
    /// Run as this user (nil: this process's own).
    var user: StepUser?
    /// Start it in a cgroup of its own where available (``StepCgroup``).
    var cgroups = true

    /// The steps' session leaders this process started and has not finished with: never taken
    /// for a process that left a session (see ``SessionEscapes``).
    static let liveLeaders = Locked<Set<pid_t>>([])

    enum End: Sendable, Equatable {
        case exited(Int32)
        case signalled(Int32)
        /// The run was torn down before a status could be read (cancelled while spawning).
        case stopped
        /// Could not be started; the message says why.
        case failedToStart(String)
    }

    struct Result: Sendable {
        var end: End
        /// Standard output (before redaction), up to the capture cap.
        var standardOutput: [UInt8]
        /// Processes of the group that outlived the leader and had to be killed.
        var leftBehind: Bool
        /// Whether the child ran in a cgroup of its own (``StepCgroup``).
        var hadCgroup = false
        /// Processes that left the session (`setsid`) yet were still in the step's cgroup, ended.
        var escaped: [pid_t] = []
    }

    /// Runs the child in a new session (its own process group), streams stdout and stderr into
    /// `log` through `redactor`, and keeps stdout up to `captureCap` bytes.
    ///
    /// Cancelling the calling task tears the group down: SIGTERM to the group, SIGKILL after
    /// `killGrace`. Whatever of the group outlives the leader is ended the same way before this
    /// returns, so no process of the step survives it (except one that left the session itself).
    /// A non-zero exit is a normal result, not an error.
    func run(
        log: RunLog,
        redactor: Redactor,
        captureCap: Int,
        killGrace: Duration,
        onStarted: @Sendable (_ pid: Int32, _ processGroup: Int32, _ cgroup: String?) -> Void
    ) async -> Result {
        var options = PlatformOptions()
        options.createSession = true
        options.teardownSequence = [.gracefulShutDown(toProcessGroup: true, allowedDurationToNextStep: killGrace)]
        var variables: [Environment.Key: String] = [:]
        for (name, value) in environment {
            variables[Environment.Key(stringLiteral: name)] = value
        }
        // Another user: through setpriv(1), which switches in a single-threaded process. Setting
        // ids in the forked child of this multi-threaded process (glibc's setgroups/setuid signal
        // every thread the parent had) can deadlock the child forever.
        var program = executable
        var argv = arguments
        if let user, user.uid != geteuid() {
            program = StepUser.setpriv
            argv = ["--reuid", String(user.uid), "--regid", String(user.gid),
                    user.groups.isEmpty ? "--clear-groups" : "--groups", user.groups.map(String.init).joined(separator: ","), "--", executable] + arguments
            if user.groups.isEmpty { argv.remove(at: 5) }
        }
        let cgroup = cgroups ? StepCgroup.make() : nil
        if let cgroup { (program, argv) = cgroup.entering(program, argv) }
        let configuration = Configuration(
            executable: .path(FilePath(program)),
            arguments: Arguments(argv),
            environment: .custom(variables),
            workingDirectory: FilePath(workingDirectory),
            platformOptions: options
        )
        let started = Locked<pid_t?>(nil)
        var end: End
        let pipes: StepPipes
        do { pipes = try StepPipes() } catch {
            return Result(end: .failedToStart("cannot make the step's pipes: \(error)"), standardOutput: [], leftBehind: false, hadCgroup: false)
        }
        pipes.start(input: standardInput, log: log, redactor: redactor, captureCap: captureCap)
        do {
            let result = try await Subprocess.run(
                configuration,
                input: .fileDescriptor(FileDescriptor(rawValue: pipes.childStdin), closeAfterSpawningProcess: false),
                output: .fileDescriptor(FileDescriptor(rawValue: pipes.childStdout), closeAfterSpawningProcess: false),
                error: .fileDescriptor(FileDescriptor(rawValue: pipes.childStderr), closeAfterSpawningProcess: false)
            ) { execution in
                let pid = execution.processIdentifier.value
                started.withLock { $0 = pid }
                ChildProcess.liveLeaders.withLock { _ = $0.insert(pid) }
                // The child has its ends now: the reader sees the end of output once it closes them.
                pipes.closeChildEnds()
                onStarted(pid, pid, cgroup?.path)
            }
            switch result.terminationStatus {
            case .exited(let code): end = .exited(code)
            case .signaled(let signal): end = .signalled(signal)
            }
        } catch let error as SubprocessError {
            end = started.withLock({ $0 }) == nil ? .failedToStart(ChildProcess.describe(error, executable: executable, workingDirectory: workingDirectory)) : .stopped
        } catch {
            end = .stopped
        }
        // The child has exited: what it wrote is in the pipes; descendants that still hold them
        // are not waited for (the sweeps below end them).
        let captured = await pipes.finish()
        var leftBehind = false
        if let pid = started.withLock({ $0 }) {
            leftBehind = await ProcessGroup(id: pid, cgroup: cgroup?.path).terminate(grace: killGrace)
            ChildProcess.liveLeaders.withLock { _ = $0.remove(pid) }
            OrphanReaper.sessionEnded(pid)
        }
        var result = Result(end: end, standardOutput: captured, leftBehind: leftBehind, hadCgroup: cgroup != nil)
        if let cgroup {
            // What the session sweep could not reach: processes that left the session.
            result.escaped = await cgroup.endAll(grace: killGrace)
            cgroup.remove()
        }
        return result
    }

    private static func describe(_ error: SubprocessError, executable: String, workingDirectory: String) -> String {
        if error.code == .executableNotFound { return "command not found: \(executable)" }
        if error.code == .failedToChangeWorkingDirectory { return "cannot change to the working directory \(workingDirectory)" }
        if let underlying = error.underlyingError {
            switch underlying.rawValue {
            case ENOENT: return "command not found: \(executable)"
            case EACCES: return "permission denied: \(executable)"
            case ENOEXEC: return "not an executable program: \(executable)"
            default: return "cannot start \(executable): \(String(cString: strerror(underlying.rawValue)))"
            }
        }
        return "cannot start \(executable): \(error)"
    }
}

/// Finds the program a step names, before spawning, so that a missing one is a clear error.
enum ExecutableLookup {
    enum Failure: Error, Equatable {
        case notFound(String)
        case notExecutable(String)
    }

    /// A name without `/` is searched in `path` (the child's PATH); a relative path is taken from
    /// `workingDirectory`.
    static func resolve(_ program: String, path: String?, workingDirectory: String) -> Swift.Result<String, Failure> {
        if program.contains("/") {
            let absolute = program.hasPrefix("/") ? program : workingDirectory + "/" + program
            return check(absolute, name: program).map { _ in absolute }
        }
        guard !program.isEmpty else { return .failure(.notFound(program)) }
        var sawNonExecutable = false
        for folder in (path ?? "/usr/local/bin:/usr/bin:/bin").split(separator: ":") where folder.hasPrefix("/") {
            let candidate = folder + "/" + program
            switch check(candidate, name: program) {
            case .success: return .success(candidate)
            case .failure(.notExecutable): sawNonExecutable = true
            case .failure: continue
            }
        }
        return .failure(sawNonExecutable ? .notExecutable(program) : .notFound(program))
    }

    private static func check(_ file: String, name: String) -> Swift.Result<Void, Failure> {
        var info = stat()
        guard stat(file, &info) == 0, info.st_mode & S_IFMT != S_IFDIR else { return .failure(.notFound(name)) }
        guard access(file, X_OK) == 0 else { return .failure(.notExecutable(name)) }
        return .success(())
    }
}
