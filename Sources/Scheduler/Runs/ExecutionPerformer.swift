import Foundation
public import Execution
public import History

/// The real performer: `Execution`'s `RunExecutor` (child processes in their own process groups).
public struct ExecutionPerformer: RunPerformer {
    public var executor: RunExecutor
    public var secrets: SecretStore

    public init(executor: RunExecutor = RunExecutor(), secrets: SecretStore = SecretStore()) {
        self.executor = executor
        self.secrets = secrets
    }

    public func perform(_ context: RunContext, onChildStarted: @escaping @Sendable (ProcessIdentity) -> Void) async -> RunResult {
        let request = RunRequest(
            job: context.job, config: context.config, runID: context.runID, trigger: context.plan.trigger.rawValue,
            scheduledFor: context.plan.scheduledFor, attempt: context.plan.attempt, parameters: context.plan.parameters,
            event: context.plan.event, commit: context.commit, rootPath: context.root, logPath: context.logPath, secrets: secrets)
        let outcome = await executor.execute(request) { pid, group, cgroup in
            var identity = ProcessIdentity.of(pid: pid) ?? ProcessIdentity(pid: pid, processGroup: group)
            identity.cgroup = cgroup
            onChildStarted(identity)
        }
        let status: RunStatus = switch outcome.status {
        case .completed: .completed
        case .failed: .failed
        case .timedOut: .timedOut
        case .cancelled: .cancelled
        }
        let steps = outcome.steps.map { step in
            StepRecord(name: step.name, status: StepStatus(rawValue: step.status.rawValue) ?? .failed, exitCode: step.exitCode, durationMs: step.durationMs)
        }
        return RunResult(status: status, exitCode: outcome.exitCode, steps: steps, error: outcome.error, warnings: outcome.warnings,
                         startedAt: outcome.startedAt, finishedAt: outcome.finishedAt, output: outcome.report)
    }
}
