import Foundation
import Definitions
import Expressions

/// Runs one run of a job: its steps, in order, as DESIGN.md §5 describes.
///
/// ```swift
/// let executor = RunExecutor()
/// let task = Task {
///     await executor.execute(request) { pid, group in inFlight.record(run: request.runID, processGroup: group) }
/// }
/// task.cancel()                       // tears the child's process group down
/// let outcome = await task.value      // .cancelled, with every step accounted for
/// ```
///
/// Nothing here throws: a step that fails, times out, cannot start or names a missing secret is
/// a result (`RunOutcome.status`, `error`), and so is a non-zero exit.
///
/// - `run` steps start in a session of their own (`setsid`), so the step's whole process tree
///   is one process group. On a timeout or cancellation the group gets SIGTERM, then SIGKILL
///   after `killGrace`; processes a step leaves behind after its main process exits are ended
///   the same way, with a warning.
/// - stdout and stderr go to the run log (`RunRequest.logPath`) as they arrive, after a header
///   line per step, up to `logCapBytes` for the whole run; the rest is read and dropped.
/// - Secret values are replaced by `***` in the log and in everything the outcome carries.
///
/// Process-wide effects, applied on first use: SIGPIPE is ignored (children get the default
/// back), and on Linux this process becomes a child subreaper so that processes a step leaves
/// behind are re-parented to it and can be reaped.
public struct RunExecutor: Sendable {
    /// The most of a step's output kept for `steps.NAME.output` and the report (1 MiB).
    public static let outputCapBytes = 1 << 20

    public var logCapBytes: Int
    public var killGrace: Duration
    /// The user steps' processes run as (nil: the daemon's own).
    public var stepUser: StepUser?
    /// Whether each step's child gets a cgroup of its own where the machine allows it
    /// (``StepCgroup``); off, only the session and `JOBCTL_RUN` sweeps account for its processes.
    public var cgroups = true
    let clock: any Clock<Duration>
    /// Starts measuring time on `clock` (the job's timeout counts on it).
    let startStopwatch: @Sendable () -> @Sendable () -> Duration

    /// - Parameters:
    ///   - logCapBytes: the most output bytes a run's log keeps (headers not counted).
    ///   - killGrace: how long a process group has between SIGTERM and SIGKILL.
    ///   - clock: the clock step and job timeouts are measured on (durations in the outcome are
    ///     always real elapsed time).
    ///   - stepUser: the user steps' processes run as (nil: this process's own).
    public init(logCapBytes: Int = 10 << 20, killGrace: Duration = .seconds(5), stepUser: StepUser? = nil, clock: some Clock<Duration> = ContinuousClock()) {
        self.logCapBytes = logCapBytes
        self.killGrace = killGrace
        self.stepUser = stepUser
        self.clock = clock
        startStopwatch = { Self.stopwatch(clock) }
    }

    /// Runs the steps of `request.job` in order and reports how the run ended.
    ///
    /// A step whose `if:` is false is `skipped`; a step that fails, times out or is cancelled
    /// stops the run, and the steps after it are `skipped`. The job's `timeout` bounds the whole
    /// run; a step's `timeout` (and an agent's) bounds that step. Cancelling the calling task
    /// tears the running child's process group down (SIGTERM, then SIGKILL after `killGrace`)
    /// and returns `.cancelled` once the group is gone.
    ///
    /// - Parameter onChildStarted: called with the pid, process group and step cgroup (nil where
    ///   there is none) of each child as soon as it has started (for in-flight tracking, so a
    ///   crashed daemon's orphans can be killed — those that left the session too, by the cgroup).
    public func execute(
        _ request: RunRequest,
        onChildStarted: @escaping @Sendable (_ pid: Int32, _ processGroup: Int32, _ cgroup: String?) -> Void = { _, _, _ in }
    ) async -> RunOutcome {
        _ = ProcessSetup.once
        let startedAt = Date()
        let job = request.job
        let log: RunLog
        do {
            log = try RunLog(path: request.logPath, capBytes: logCapBytes)
        } catch {
            return RunOutcome(
                status: .failed, exitCode: nil,
                steps: job.steps.map { StepOutcome(name: $0.name, status: .skipped, exitCode: nil, durationMs: 0, output: nil, error: nil) },
                error: error.message, warnings: [], report: nil, startedAt: startedAt, finishedAt: Date())
        }
        var run = RunState(request: request, startedAt: startedAt, log: log)
        log.note("== jobctl run \(request.runID) of \(job.id) (trigger \(request.trigger), attempt \(request.attempt)\(request.commit.map { ", commit \($0)" } ?? "")) ==")

        let realClock = ContinuousClock()
        // The job's time is counted on the executor's clock, as its limits are.
        let jobElapsed = startStopwatch()
        for step in job.steps {
            if run.stop != nil || Task.isCancelled {
                if run.stop == nil {
                    run.stop = .cancelled
                    run.error = "cancelled before step '\(step.name)'"
                }
                run.record(StepOutcome(name: step.name, status: .skipped, exitCode: nil, durationMs: 0, output: nil, error: nil))
                continue
            }
            if let condition = step.condition, !condition.isSatisfied(by: run.roots) {
                log.note("== step \(step.name) skipped: if \(condition.source) is false ==")
                run.record(StepOutcome(name: step.name, status: .skipped, exitCode: nil, durationMs: 0, output: nil, error: nil))
                continue
            }
            // The time the job has left, when it has a timeout.
            var jobRemaining: Duration?
            if let timeout = job.timeout {
                let left = Duration.milliseconds(timeout.milliseconds) - jobElapsed()
                jobRemaining = max(left, .zero)
            }
            log.note("== step \(step.name) (attempt \(request.attempt)) ==")
            let stepStart = realClock.now
            var result: StepResult
            if let jobRemaining, jobRemaining <= .zero {
                // Nothing is started once the job's time is up.
                result = StepResult(status: .timedOut, error: Limit(step: nil, job: .zero).message(consequence: "the step was not started"))
            } else {
                result = await runStep(step, run: run, jobRemaining: jobRemaining, onChildStarted: onChildStarted)
            }
            let elapsed = realClock.now - stepStart
            let durationMs = elapsed.components.seconds * 1000 + elapsed.components.attoseconds / 1_000_000_000_000_000
            for secret in result.resolvedSecrets { run.redactor.add(secret) }
            let message = result.error.map { run.redactor.redact($0) }
            result.error = message.map { "step '\(step.name)': " + $0 }
            let output = result.output.map { run.redactor.redact($0) }
            run.warnings += result.warnings.map { run.redactor.redact("step '\(step.name)': " + $0) }
            let outcome = StepOutcome(name: step.name, status: result.status, exitCode: result.exitCode, durationMs: durationMs, output: output, error: result.error)
            log.note("== step \(step.name) \(result.status.rawValue)\(result.exitCode.map { " (exit \($0))" } ?? "") in \(RunExecutor.format(elapsed))\(message.map { ": \($0)" } ?? "") ==")
            run.record(outcome)
            // The run's exit code is its last process's; a step that ends the run decides it (nil
            // for an http step, or a process that never exited): a failed run never reads 0.
            if result.status == .completed || result.status == .skipped {
                if result.exitCode != nil { run.exitCode = result.exitCode }
            } else {
                run.exitCode = result.exitCode
            }
            if result.isReport, result.status == .completed { run.report = output }
            switch result.status {
            case .completed, .skipped: break
            case .failed: run.stop = .failed
            case .timedOut: run.stop = .timedOut
            case .cancelled: run.stop = .cancelled
            }
            if run.stop != nil { run.error = result.error }
        }
        if log.droppedBytes > 0 {
            run.warnings.append("the log was truncated after \(logCapBytes) bytes; \(log.droppedBytes) more bytes of output were not kept")
        }
        let status = run.stop ?? .completed
        log.note("== run \(status.rawValue) ==")
        return RunOutcome(
            status: status, exitCode: run.exitCode, steps: run.steps, error: run.error,
            warnings: run.warnings, report: run.report, startedAt: startedAt, finishedAt: Date())
    }

    /// A function that tells how much time has passed on `clock` since it was made.
    static func stopwatch(_ clock: some Clock<Duration>) -> @Sendable () -> Duration {
        let start = clock.now
        return { start.duration(to: clock.now) }
    }

    static func format(_ duration: Duration) -> String {
        let milliseconds = duration.components.seconds * 1000 + duration.components.attoseconds / 1_000_000_000_000_000
        if milliseconds < 1000 { return "\(milliseconds)ms" }
        return String(format: "%.1fs", Double(milliseconds) / 1000)
    }
}

/// What the executor knows about a run while its steps go by.
struct RunState {
    let request: RunRequest
    let log: RunLog
    /// The names `if:` conditions and templates read; each finished step is added.
    var context: ExpressionContext
    var steps: [StepOutcome] = []
    var stop: RunOutcome.Status?
    var error: String?
    var warnings: [String] = []
    var report: String?
    var exitCode: Int32?
    var redactor = Redactor()

    var roots: [String: Value] { context.values }

    init(request: RunRequest, startedAt: Date, log: RunLog) {
        self.request = request
        self.log = log
        context = ExpressionContext(
            job: request.job,
            run: .init(id: request.runID, trigger: request.trigger, attempt: request.attempt, scheduledFor: request.scheduledFor,
                       startedAt: startedAt, commit: request.commit),
            params: request.parameters, event: request.event)
    }

    /// Adds a step's outcome, and makes it visible to later conditions and templates as
    /// `steps.NAME.status`, `.exitCode`, `.output`, `.durationMs`.
    mutating func record(_ outcome: StepOutcome) {
        steps.append(outcome)
        context.record(step: outcome.name, .init(status: outcome.status.rawValue, exitCode: outcome.exitCode, output: outcome.output, durationMs: outcome.durationMs))
    }
}
