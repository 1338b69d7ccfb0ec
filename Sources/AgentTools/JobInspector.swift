import Definitions
import Expressions
import Foundation
import GitStore
import History
import Reconciler
import Scheduler
import Schedules

/// `job_get` and the resources: a job's definition at the applied commit, its state, next fires,
/// last runs, and whether a draft or a newer commit differs from what is in force.
struct JobInspector {
    let settings: AgentToolbox.Settings
    let caller: ToolCaller
    var history: HistoryFolder { AgentToolbox(settings).historyFolder }

    func get(_ input: ToolArguments) throws -> ToolAnswer {
        let id = try input.jobID()
        guard caller.covers(id.rawValue) else { throw ToolFailure("no job \(id) for \(caller.who)") }
        let fireCount = try input.integer("fires", default: 5, range: 0...100)
        let runCount = try input.integer("runs", default: 5, range: 0...100)
        let root = try JobsRootAccess.open(settings.root)
        let applied = try AppliedJobs.load(root)
        let now = settings.now()
        let job = applied?.definitions.jobs[id]
        var out: [String: Value] = ["id": .string(id.rawValue)]
        var lines: [String] = []

        // In force, or not.
        let appliedPath = job?.file ?? ["jobs/\(id).yaml", "jobs/\(id).yml"].first { applied?.blobs[$0] != nil }
        let appliedBlob = appliedPath.flatMap { applied?.blobs[$0] }
        if let applied {
            out["appliedCommit"] = .string(applied.commit.id.hex)
            out["appliedSummary"] = .string(applied.commit.summary)
        }
        let pause = PauseStore(root: settings.stateRoot ?? settings.root).pause(of: id.rawValue, at: now)
        let state: String
        if let job {
            state = !job.enabled ? "disabled" : pause != nil ? "paused" : "in force"
            out["file"] = .string(job.file)
            if let appliedBlob, let text = try? root.repository.blobText(appliedBlob) { out["definition"] = .string(text) }
            out["name"] = .string(job.name)
            if let description = job.description { out["description"] = .string(description) }
        } else if applied?.definitions.invalidJobs.contains(id) == true {
            state = "invalid at the applied commit"
        } else {
            state = "not applied"
        }
        out["state"] = .string(state)
        if let pause { out["pause"] = JobsRootAccess.value(pause) }
        lines.append("\(id): \(state)" + (applied.map { " (applied commit \($0.commit.id.short) \($0.commit.summary))" } ?? " (nothing applied yet)"))
        if let pause { lines.append(pause.summary) }

        // Drafts and commits waiting.
        let draft = try draftState(root: root, id: id, appliedPath: appliedPath, appliedBlob: appliedBlob)
        out["draft"] = draft.value
        if let note = draft.note { lines.append(note) }

        // Next fires.
        if let job, job.enabled, let schedule = job.schedule, fireCount > 0 {
            let fires = schedule.jobSchedule(for: job.id).fires(after: now, count: fireCount)
            let preview = FireTimePreview(fires: fires, zone: schedule.timeZone, now: now)
            out["schedule"] = .string("\(schedule.kindName): \(schedule.text) (\(schedule.timeZone.identifier))")
            out["nextFires"] = .array(preview.items.map(JobsRootAccess.value))
            lines.append("schedule \(schedule.kindName) '\(schedule.text)' in \(schedule.timeZone.identifier); next fires\(pause != nil ? " (held while paused: counted, not run)" : ""):")
            if pause != nil { out["firesHeldByPause"] = .bool(true) }
            lines += preview.render(.text).split(separator: "\n").map { "  " + $0 }
        }

        // Last runs.
        if runCount > 0 {
            let page = try? HistoryReader(folder: history).lastRecords(job: id.rawValue, count: runCount)
            let records = (page?.records ?? []).reversed()
            out["lastRuns"] = .array(records.map { (try? Value(parsingJSON: Array($0.jsonLine.utf8))) ?? .null })
            lines.append(records.isEmpty ? "no runs recorded" : "last runs (newest first):")
            for record in records {
                lines.append("  \(record.run) \(record.status.rawValue) \(RecordTime.string(record.finishedAt))")
            }
        }
        if let text = out["definition"]?.string { lines += ["", "definition at \(applied?.commit.id.short ?? ""):", text] }
        return ToolAnswer(text: lines.joined(separator: "\n"), structured: .object(out))
    }

    /// The working tree's file and HEAD's, against the applied one.
    private func draftState(root: JobsRoot, id: JobID, appliedPath: String?, appliedBlob: ObjectID?) throws -> (value: Value, note: String?) {
        let appliedBytes = try appliedBlob.map { (blob) throws(ToolFailure) in try JobsRootAccess.git { () throws(GitError) in try root.repository.blob(blob) } }
        var value: [String: Value] = [:]
        var notes: [String] = []
        if let folder = root.folder {
            let disk = ["jobs/\(id).yaml", "jobs/\(id).yml"].lazy.compactMap { path in
                FileManager.default.contents(atPath: folder + "/" + path).map { (path, [UInt8]($0)) }
            }.first
            let working: String
            switch (disk, appliedBytes) {
            case (nil, nil): working = "none"
            case (nil, _): working = "deleted"
            case (let file?, nil): working = "new"; notes.append("a draft in the working tree (\(file.0)) is not applied")
            case (let file?, let applied?): working = file.1 == applied ? "same" : "differs"
                if file.1 != applied { notes.append("the working tree's \(file.0) differs from what is in force (a draft)") }
            }
            value["workingTree"] = .string(working)
        }
        let headBytes = try JobsRootAccess.git { () throws(GitError) -> [UInt8]?? in
            guard let head = try root.repository.headCommit() else { return .none }
            for path in ["jobs/\(id).yaml", "jobs/\(id).yml"] {
                if let entry = try root.repository.entry(commit: head, path: root.repositoryPath(path)) { return .some(try root.repository.blob(entry.id)) }
            }
            return .some(nil)
        }
        if let head = headBytes {
            let differs = head != appliedBytes
            value["headDiffers"] = .bool(differs)
            if differs { notes.append("HEAD has a version of this job that is not applied (a pending commit: jobctl plan shows it)") }
        }
        // Branches (a pull request's, an agent's draft) whose version of the job differs.
        let current = root.repository.headBranchName()
        let branches = try JobsRootAccess.git { () throws(GitError) -> [Value] in
            var found: [Value] = []
            for branch in try root.repository.localBranches().prefix(500) where branch.name != current {
                var bytes: [UInt8]?
                for path in ["jobs/\(id).yaml", "jobs/\(id).yml"] {
                    if let entry = try root.repository.entry(commit: branch.tip, path: root.repositoryPath(path)) { bytes = try root.repository.blob(entry.id); break }
                }
                if let bytes, bytes != appliedBytes {
                    found.append(.object(["branch": .string(branch.name), "commit": .string(branch.tip.hex)]))
                    notes.append("branch \(branch.name) (\(branch.tip.short)) has a version of this job that is not applied")
                }
            }
            return found
        }
        if !branches.isEmpty { value["branches"] = .array(branches) }
        return (.object(value), notes.isEmpty ? nil : notes.joined(separator: "\n"))
    }

    // MARK: Resources

    struct Resource {
        var uri: String
        var name: String
        var description: String
        var mimeType: String
    }

    /// `jobctl://jobs/<id>` (the file at the applied commit) and `jobctl://history/<id>` (its
    /// last 100 records as JSON lines), for every job in force the caller may see.
    func resources() throws -> [Resource] {
        let root = try JobsRootAccess.open(settings.root)
        guard let applied = try AppliedJobs.load(root) else { return [] }
        return applied.visible(to: caller).flatMap { job in [
            Resource(uri: "jobctl://jobs/\(job.id)", name: job.file, description: "\(job.name): the job file at the applied commit", mimeType: "application/yaml"),
            Resource(uri: "jobctl://history/\(job.id)", name: "history of \(job.id)", description: "The last 100 runs of \(job.id), oldest first, as JSON lines", mimeType: "application/jsonl"),
        ] }
    }

    func read(uri: String) throws -> (text: String, mimeType: String) {
        let jobs = "jobctl://jobs/", runs = "jobctl://history/"
        let isJob = uri.hasPrefix(jobs)
        guard isJob || uri.hasPrefix(runs) else { throw ToolFailure("unknown resource '\(uri)'; resources are jobctl://jobs/<id> and jobctl://history/<id>") }
        let text = String(uri.dropFirst(isJob ? jobs.count : runs.count))
        guard let id = JobID(text), caller.covers(id.rawValue) else { throw ToolFailure("no job '\(text)'") }
        if isJob {
            let root = try JobsRootAccess.open(settings.root)
            guard let applied = try AppliedJobs.load(root), let job = applied.definitions.jobs[id], let blob = applied.blobs[job.file],
                  let text = try? root.repository.blobText(blob) else { throw ToolFailure("no job \(id) in force") }
            return (text, "application/yaml")
        }
        let page = try? HistoryReader(folder: history).lastRecords(job: id.rawValue, count: 100)
        return ((page?.records ?? []).map { $0.jsonLine + "\n" }.joined(), "application/jsonl")
    }
}
