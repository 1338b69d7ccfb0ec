public import Definitions
import Execution
public import Expressions
import Foundation
import GitStore
public import History
import Reconciler

/// What a re-run repeats: the original run's job, its parameters (its matrix cell included, so a
/// re-run of one cell runs that cell only) and, for a run an event triggered, the event's payload
/// as it was kept. The one rule behind `jobctl rerun` and `POST /api/runs/{run}/rerun`.
public struct RerunSource: Sendable {
    public var original: RunRecord
    public var job: JobID
    public var parameters: [String: ParameterInput]
    /// The kept payload (`.null` when no event triggered the run).
    public var event: Value

    /// Why a run cannot be re-run.
    public struct Problem: Error, Sendable, CustomStringConvertible {
        public enum Reason: Sendable { case unknownRun, notReplayable }
        public var reason: Reason
        public var message: String
        public var description: String { message }
    }

    /// Finds `run` in `history` (the job whose folder holds its log, else every job's file) and
    /// reads what a re-run repeats.
    public static func load(run: String, history: HistoryFolder) throws(Problem) -> RerunSource {
        guard RunID.isValid(run) else { throw Problem(reason: .unknownRun, message: "'\(run)' is not a run id") }
        guard let original = HistoryReader(folder: history).record(ofRun: run), let job = JobID(original.job) else {
            throw Problem(reason: .unknownRun, message: "no run '\(run)' in \(history.path)")
        }
        var parameters: [String: ParameterInput] = [:]
        for (name, value) in original.params {
            parameters[name] = switch value {
            case .string(let text): .text(text)
            case .integer(let number): .json(.number(Double(number)))
            case .number(let number): .json(.number(number))
            case .bool(let flag): .json(.bool(flag))
            }
        }
        var event = Value.null
        if original.event != nil {
            guard let data = try? EventLog(folder: history).payload(job: original.job, run: run),
                  let payload = try? Value(parsingJSON: data) else {
                throw Problem(reason: .notReplayable, message: "run '\(run)' was triggered by an event whose payload is gone (retention removed it)")
            }
            if payload["truncated"] == .bool(true), payload["prefix"].string != nil {
                throw Problem(reason: .notReplayable, message: "run '\(run)' was triggered by an event over \(EventPayload.limit / 1024) KiB, kept truncated: it cannot be replayed")
            }
            event = payload
        }
        return RerunSource(original: original, job: job, parameters: parameters, event: event)
    }

    /// The original run's job as its commit defined it (`rerun --at-commit`), read from git.
    /// - Throws: ``Problem`` `.notReplayable` when the run recorded no commit (a `--draft` run), the
    ///   commit is not in the repository, or the job was absent or invalid there.
    public func definitionAtItsCommit(root: String) throws(Problem) -> (job: JobDefinition, commit: String) {
        guard let commit = original.commit else {
            throw Problem(reason: .notReplayable, message: "run '\(original.run)' recorded no commit (a --draft run): there is no definition to go back to")
        }
        let set: DefinitionSet
        do throws(ReconcileError) {
            guard let id = ObjectID(hex: commit) else { throw ReconcileError(.unknownRevision, "'\(commit)' is not a commit id") }
            set = try Reconciler(root: try JobsRoot.open(root)).definitions(at: id)
        } catch {
            throw Problem(reason: .notReplayable, message: "cannot read run '\(original.run)''s commit \(commit.prefix(7)): \(error.message)")
        }
        guard let definition = set.jobs[job] else {
            let why = set.invalidJobs.contains(job) ? "was invalid" : "did not exist"
            throw Problem(reason: .notReplayable, message: "job '\(job)' \(why) at commit \(commit.prefix(7))")
        }
        return (definition, commit)
    }
}
