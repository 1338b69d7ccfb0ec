import Definitions
import Expressions
import Foundation
import GitStore
import Reconciler
import Schedules

/// `job_create` and `job_update`: a draft is checked with the working tree (or the branch) around
/// it — the same validation and plan as `jobctl validate` and `jobctl plan` — and written only when
/// it has no error. The applied ref is never touched: a person applies.
struct JobDraftTool {
    let settings: AgentToolbox.Settings
    let caller: ToolCaller

    func create(_ input: ToolArguments) throws -> ToolAnswer { try draft(input, creating: true) }
    func update(_ input: ToolArguments) throws -> ToolAnswer { try draft(input, creating: false) }

    /// Where the draft goes: the working tree, or a commit on a branch.
    enum Destination {
        case workingTree(folder: String)
        case branch(name: String, tip: ObjectID?, base: ObjectID?)
    }

    private func draft(_ input: ToolArguments, creating: Bool) throws -> ToolAnswer {
        let id = try input.jobID()
        guard caller.covers(id.rawValue) else {
            throw ToolFailure("\(caller.who) is limited to jobs '\(caller.token?.jobs ?? "")'; \(id) is not one of them")
        }
        let given = ["yaml", "job", "set"].filter { input.has($0) }
        guard given.count == 1, creating ? given != ["set"] : true else {
            throw ToolFailure(creating ? "give the job as exactly one of yaml (the file's text) or job (an object)"
                                       : "give exactly one of yaml (the whole file), job (the whole job as an object) or set (fields to change)")
        }
        let root = try JobsRootAccess.open(settings.root)
        let repository = root.repository
        let destination = try destination(input, root: root)

        // The file as it is now: in the working tree, or in the branch (HEAD when it is new).
        let existing = try existingFile(of: id, destination: destination, root: root)
        if creating, let existing {
            throw ToolFailure("\(existing.path) already exists; use job_update to change job \(id)")
        }
        if !creating, existing == nil {
            throw ToolFailure("no job \(id): jobs/\(id).yaml does not exist \(destination.isBranch ? "on that branch (nor at HEAD, where a new branch starts)" : "in the working tree (a draft made on a branch is updated by passing that branch)"); use job_create to make it")
        }
        let path = existing?.path ?? "jobs/\(id).yaml"
        var text: String
        if let yaml = try input.string("yaml") {
            text = yaml
        } else if let job = try input.object("job") {
            text = JobYAML.text(job)
        } else {
            var object = try JobYAML.object(fromYAML: String(decoding: existing?.bytes ?? [], as: UTF8.self), path: path)
            for (key, value) in try input.object("set") ?? [:] {
                if value == .null { object[key] = nil } else { object[key] = value }
            }
            text = JobYAML.text(object)
        }
        if !text.hasSuffix("\n") { text += "\n" }
        let bytes = Array(text.utf8)
        if let existing, existing.bytes == bytes {
            throw ToolFailure("\(path) already says exactly this; nothing to draft")
        }

        // Validate and plan before anything is written.
        let reconciler = Reconciler(root: root, now: settings.now)
        let plan: Plan
        var commit: ObjectID?
        switch destination {
        case .workingTree:
            plan = try JobsRootAccess.run { () throws(ReconcileError) in try reconciler.planWorkingTree(overlay: [path: bytes]) }
        case .branch(let name, _, let base):
            let message = try input.string("message") ?? "jobctl mcp: \(creating ? "create" : "update") \(id)\n\nDrafted by \(caller.who) through jobctl mcp; branch \(name)."
            let made = try JobsRootAccess.git { () throws(GitError) in
                let blob = try repository.writeBlob(bytes)
                let baseTree = try base.flatMap { (commit) throws(GitError) in try repository.treeID(commit: commit, path: "") }
                let tree = try repository.tree(updating: baseTree, files: [(root.repositoryPath(path), blob)])
                let identity = repository.configuredIdentity() ?? (name: "jobctl", email: "jobctl@localhost")
                return try repository.commit(tree: tree, parents: base.map { [$0] } ?? [], message: message, name: identity.name, email: identity.email)
            }
            commit = made
            plan = try JobsRootAccess.run { () throws(ReconcileError) in try reconciler.plan(revision: made.hex) }
        }
        let errors = plan.diagnostics.filter { $0.severity == .error && $0.file == path }
        guard errors.isEmpty else {
            // With `job` or `set` the lines are those of the YAML jobctl wrote from them: it is in the answer.
            let written = input.has("yaml") ? "" : "\n(lines of the YAML written from \(input.has("set") ? "set" : "job"), which is in this answer as draft)"
            var details: [String: Value] = ["diagnostics": .array(errors.map(Self.json))]
            if !input.has("yaml") { details["draft"] = .string(text) }
            throw ToolFailure("\(path) is not valid; nothing was written:\n" + errors.map(\.description).joined(separator: "\n") + written,
                              details: .object(details))
        }

        // Write.
        var written: [String: Value]
        switch destination {
        case .workingTree(let folder):
            try Self.writeAtomically(bytes, to: folder + "/" + path)
            written = ["workingTree": .string(path)]
        case .branch(let name, let tip, _):
            let commit = commit!
            try JobsRootAccess.git { () throws(GitError) in
                try repository.updateReference("refs/heads/" + name, to: commit, expecting: tip,
                                               message: "jobctl mcp: \(creating ? "create" : "update") \(id) by \(caller.who)")
            }
            written = ["branch": .string(name), "commit": .string(commit.hex)]
        }

        // Answer: what applying it would change, and when it would fire.
        let change = plan.changes.first { $0.id == id }
        var ownPlan = plan
        ownPlan.changes = plan.changes.filter { $0.id == id }
        ownPlan.diagnostics = plan.diagnostics.filter { $0.file == path }
        let markdown = PlanFormatter.markdown(ownPlan, targetName: written["branch"].map { _ in "the branch" } ?? "the working tree")
        let fires = Self.nextFires(of: bytes, path: path, root: root, now: settings.now())
        let warnings = plan.diagnostics.filter { $0.file == path && $0.severity != .error }
        var structured: [String: Value] = [
            "id": .string(id.rawValue), "file": .string(path), "written": .object(written),
            "applied": .bool(false), "plan": .string(markdown),
            "fields": .array((change?.fields ?? []).map { .object(["path": .string($0.path), "old": $0.old.map(Value.string) ?? .null, "new": $0.new.map(Value.string) ?? .null]) }),
            "nextFires": .array(fires.items),
            "warnings": .array(warnings.map(Self.json)),
        ]
        if let zone = fires.zone { structured["timezone"] = .string(zone) }
        let where_ = commit.map { "committed on branch \(written["branch"]?.string ?? "") as \($0.short)" } ?? "written in the working tree, not committed"
        let scope = commit != nil ? "jobctl plan --rev \(written["branch"]?.string ?? "") shows every change on the branch" : "jobctl diff shows every draft of the working tree"
        var lines = ["Drafted \(path) (\(where_)); nothing is applied until a person runs jobctl apply (or merges).",
                     "The plan of this job (\(scope)):", "", markdown]
        if !fires.lines.isEmpty { lines += ["", "Next fire times (\(fires.zone ?? "UTC")):"] + fires.lines }
        if !warnings.isEmpty { lines += ["", "Warnings:"] + warnings.map(\.description) }
        lines += ["", "The draft, \(path):", text]
        return ToolAnswer(text: lines.joined(separator: "\n"), structured: .object(structured))
    }

    private func destination(_ input: ToolArguments, root: JobsRoot) throws -> Destination {
        guard let branch = try input.string("branch") else {
            guard let folder = root.folder else {
                throw ToolFailure("this root has no working tree (a bare repository, or serve --remote's mirror): pass branch, and push it")
            }
            return .workingTree(folder: folder)
        }
        let name = branch.hasPrefix("refs/heads/") ? String(branch.dropFirst(11)) : branch
        guard JobsRootAccess.isBranchName(name) else { throw ToolFailure("argument 'branch': '\(branch)' is not a valid branch name") }
        if root.repository.headBranchName() == name, root.folder != nil {
            throw ToolFailure("branch \(name) is checked out in the working tree; give a new branch (agent/...) or leave branch out to write the working tree")
        }
        return try JobsRootAccess.git { () throws(GitError) in
            let tip = try root.repository.referenceTarget("refs/heads/" + name)
            var base = tip
            if base == nil { base = try root.repository.headCommit() }
            return .branch(name: name, tip: tip, base: base)
        }
    }

    private func existingFile(of id: JobID, destination: Destination, root: JobsRoot) throws -> (path: String, bytes: [UInt8])? {
        for path in ["jobs/\(id).yaml", "jobs/\(id).yml"] {
            switch destination {
            case .workingTree(let folder):
                if let data = FileManager.default.contents(atPath: folder + "/" + path) { return (path, [UInt8](data)) }
            case .branch(_, _, let base):
                guard let base else { return nil }
                let found = try JobsRootAccess.git { () throws(GitError) -> [UInt8]? in
                    guard let entry = try root.repository.entry(commit: base, path: root.repositoryPath(path)) else { return nil }
                    return try root.repository.blob(entry.id)
                }
                if let found { return (path, found) }
            }
        }
        return nil
    }

    /// The draft's next fire times, with DST marks, in its zone.
    static func nextFires(of bytes: [UInt8], path: String, root: JobsRoot, now: Date) -> (items: [Value], lines: [String], zone: String?) {
        let configFile = root.folder.flatMap { FileManager.default.contents(atPath: $0 + "/jobctl.yaml") }.map { SourceFile(path: "jobctl.yaml", bytes: [UInt8]($0)) }
        let (config, _) = DefinitionLoader.loadConfig(configFile)
        let parsed = DefinitionLoader.loadJob(SourceFile(path: path, bytes: bytes), config: config)
        guard let job = parsed.definition, job.enabled, let schedule = job.schedule else { return ([], [], nil) }
        let fires = schedule.jobSchedule(for: job.id).fires(after: now, count: 5)
        let preview = FireTimePreview(fires: fires, zone: schedule.timeZone, now: now)
        let items = preview.items.map(JobsRootAccess.value)
        let lines = preview.render(.text).split(separator: "\n").map(String.init)
        return (items, lines, schedule.timeZone.identifier)
    }

    static func json(_ diagnostic: Diagnostic) -> Value {
        .object(["file": .string(diagnostic.file), "line": .number(Double(diagnostic.line)), "column": .number(Double(diagnostic.column)),
                 "severity": .string(diagnostic.severity.rawValue), "message": .string(diagnostic.message), "text": .string(diagnostic.description)])
    }

    static func writeAtomically(_ bytes: [UInt8], to path: String) throws {
        let folder = (path as NSString).deletingLastPathComponent
        do {
            try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
            try Data(bytes).write(to: URL(fileURLWithPath: path), options: .atomic)
        } catch {
            throw ToolFailure("cannot write \(path): \(error.localizedDescription)")
        }
    }
}

private extension JobDraftTool.Destination {
    var isBranch: Bool { if case .branch = self { true } else { false } }
}
