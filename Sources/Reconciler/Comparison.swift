import Definitions
import Foundation
import GitStore

/// The result of comparing the applied state with a target: the plan, and what later steps
/// (apply's cache write, status) need.
struct Comparison {
    var plan: Plan
    /// The target tree's summary: the base's, with every changed path replaced.
    var targetSummary: TreeSummary
    /// Paths (`jobs/...`) whose content differs between the base and the target.
    var changedPaths: Set<String>
    /// The base summary, for status.
    var baseSummary: TreeSummary
    /// Whether `jobctl.yaml` differs between the base and the target.
    var configChanged: Bool
}

/// Where a plan's target comes from.
enum Target {
    case commit(Reconciler.CommitState)
    /// The working tree, whose files are compared through HEAD and `git status`; `overlay`
    /// holds drafts (`jobs/...` → bytes) read in place of the disk, which is not touched.
    case workingTree(head: Reconciler.CommitState?, overlay: [String: [UInt8]] = [:])
}

/// An entry's content on one side.
enum EntryContent {
    case file([UInt8])
    case symlink(String)
    /// A submodule, or a folder that git does not descend into (a nested repository).
    case submodule
}

extension Reconciler {
    /// Where a changed path's target content is.
    private enum TargetReference {
        case blob(ObjectID, FileMode)
        case disk
        case absent
    }

    /// - Parameter detailed: list every field of created jobs and the fire times of created and
    ///   deleted ones (a plan to show). Apply only needs which jobs change.
    func compare(base: CommitState?, target: Target, detailed: Bool = true) throws(ReconcileError) -> Comparison {
        do {
            return try compareThrowingGit(base: base, target: target, detailed: detailed)
        } catch let error as ReconcileError {
            throw error
        } catch let error as GitError {
            throw .git(error)
        } catch {
            throw ReconcileError(.io, "\(error)")
        }
    }

    private func compareThrowingGit(base: CommitState?, target: Target, detailed: Bool) throws -> Comparison {
        // 1. The two configs. A changed jobctl.yaml can change every job (zone, defaults).
        let baseConfigFile = try base.flatMap { try configFile(of: $0) }
        let (baseConfig, _) = DefinitionLoader.loadConfig(baseConfigFile)
        var extraDiagnostics: [Diagnostic] = []
        let targetConfigFile: SourceFile?
        let targetCommit: CommitState?
        switch target {
        case .commit(let commit):
            targetCommit = commit
            if base == nil, commit.jobsTree == nil {
                throw ReconcileError(.noJobsFolder, "\(commit.id.short) has no \(root.jobsPath)/ folder; pass --root the folder that holds jobs/")
            }
            targetConfigFile = try configFile(of: commit, diagnostics: &extraDiagnostics)
        case .workingTree:
            targetCommit = nil
            targetConfigFile = workingTreeConfig(diagnostics: &extraDiagnostics)
        }
        let configChanged = baseConfigFile?.bytes != targetConfigFile?.bytes
        let (targetConfig, targetConfigDiagnostics) = DefinitionLoader.loadConfig(targetConfigFile)

        // 2. The base tree's summary: from the cache, or by parsing the whole applied tree once.
        var baseSummary = TreeSummary()
        var baseParses: [String: ParsedJob] = [:]
        if let base {
            if let cached = cache.read(jobsTree: base.jobsTree?.hex, config: base.config?.id.hex) {
                baseSummary = cached
            } else {
                (baseSummary, baseParses) = try buildSummary(of: base, config: baseConfig)
                cache.write(baseSummary, jobsTree: base.jobsTree?.hex, config: base.config?.id.hex)
            }
        }

        // 3. The paths that differ, and where their target content is.
        var changed: [String: TargetReference] = [:]
        var baseIDs: [String: ObjectID] = [:]
        switch target {
        case .commit(let commit):
            if configChanged || base == nil {
                for entry in try repository.treeEntries(commit: commit.id, under: root.jobsPath) {
                    changed["jobs/" + entry.path] = .blob(entry.id, entry.mode)
                }
                for path in baseSummary.paths where changed[path] == nil { changed[path] = .absent }
            } else {
                for change in try repository.diffTrees(from: base?.id, to: commit.id, under: root.jobsPath) {
                    let path = "jobs/" + change.path
                    if let id = change.newID, let mode = change.newMode { changed[path] = .blob(id, mode) } else { changed[path] = .absent }
                    if let old = change.oldID { baseIDs[path] = old }
                }
            }
        case .workingTree(let head, let overlay):
            var paths = Set<String>(overlay.keys)
            if let head {
                for change in try repository.diffTrees(from: base?.id, to: head.id, under: root.jobsPath) {
                    paths.insert("jobs/" + change.path)
                }
            } else {
                paths.formUnion(baseSummary.paths)
            }
            for entry in try repository.status(under: root.jobsPath) { paths.insert("jobs/" + entry.path) }
            if configChanged { paths.formUnion(baseSummary.paths) }
            for path in paths { changed[path] = .disk }
        }
        // Hidden files other than `.yaml`/`.yml` are not part of a root (as for `validate`).
        changed = changed.filter { !Self.isHidden($0.key) }

        // 4. Read the target side of every changed path, and of unchanged files that were
        //    invalid in the base (their diagnostics are needed again).
        let baseTreeIndex = LazyTreeIndex(repository: repository, commit: base?.id, prefix: root.jobsPath)
        var targetContents: [String: EntryContent] = [:]
        for (path, reference) in changed {
            switch reference {
            case .absent: continue
            case .blob(let id, let mode): targetContents[path] = try blobContent(id: id, mode: mode)
            case .disk:
                if case .workingTree(_, let overlay) = target, let bytes = overlay[path] {
                    targetContents[path] = .file(bytes)
                } else if let content = diskContent(path) {
                    targetContents[path] = content
                }
            }
        }
        var reread: [String] = []
        var invalidInBase: [String] = []
        baseSummary.forEach(kinds: [.invalidJob]) { path, _ in
            if changed[path] == nil { invalidInBase.append(path) }
        }
        for path in invalidInBase {
            guard let id = try baseIDs[path] ?? baseTreeIndex.id(of: path) else { continue }
            targetContents[path] = .file(try repository.blob(id))
            reread.append(path)
        }

        // 5. Parse: the target side with the target config, the base side of changed job files
        //    with the base config (for field-by-field changes). In parallel.
        var targetFiles: [SourceFile] = []
        for (path, content) in targetContents {
            if case .file(let bytes) = content, SourceFile.isDefinitionFile(path) {
                targetFiles.append(SourceFile(path: path, bytes: bytes))
            }
        }
        var baseFiles: [SourceFile] = []
        for path in changed.keys where baseSummary[path]?.isJob == true && baseParses[path] == nil {
            guard let id = try baseIDs[path] ?? baseTreeIndex.id(of: path) else { continue }
            baseFiles.append(SourceFile(path: path, bytes: try repository.blob(id)))
        }
        let targetParses = Self.parse(targetFiles, config: targetConfig)
        for (path, parsed) in Self.parse(baseFiles, config: baseConfig) { baseParses[path] = parsed }

        // 6. The target summary: the base's, with every changed path replaced.
        var targetSummary = baseSummary
        var ignored: [IgnoredEntry] = []
        for path in changed.keys { targetSummary[path] = nil }
        for (path, content) in targetContents {
            switch content {
            case .symlink: targetSummary[path] = .init(kind: .symlink)
            case .submodule: targetSummary[path] = .init(kind: .submodule)
            case .file:
                if let parsed = targetParses[path] {
                    targetSummary[path] = TreeSummary.entry(for: parsed)
                } else if SourceFile.isDefinitionFile(path) {
                    targetSummary[path] = .init(kind: .invalidJob)   // too large to read
                } else {
                    targetSummary[path] = .init(kind: .otherFile)
                }
            }
        }
        targetSummary.forEach(kinds: [.otherFile, .symlink, .submodule]) { path, entry in
            switch entry.kind {
            case .validJob, .invalidJob: break
            case .otherFile: ignored.append(IgnoredEntry(path: path, reason: .notYAML))
            case .symlink:
                ignored.append(IgnoredEntry(path: path, reason: .symlink))
                if SourceFile.isDefinitionFile(path) {
                    extraDiagnostics.append(Diagnostic(.warning, "symbolic link is not a job definition: jobctl reads jobs from git, where a link is only its target text, and never follows it; ignored", at: SourceLocation(file: path, line: 1, column: 1)))
                }
            case .submodule:
                ignored.append(IgnoredEntry(path: path, reason: .submodule))
                extraDiagnostics.append(Diagnostic(.warning, "submodule under jobs/ is ignored: jobs in another repository are not part of this root", at: SourceLocation(file: path, line: 1, column: 1)))
            }
        }
        ignored.sort { $0.path < $1.path }

        // 7. Checks across the whole target. When no job file appeared or went away and every
        //    changed file kept its `needs`, the graph is the base's: if the base passed them,
        //    so does the target, and only the parsed files' own diagnostics are new.
        for (path, content) in targetContents {
            if case .file(let bytes) = content, bytes.count > Self.maximumFileBytes, SourceFile.isDefinitionFile(path) {
                extraDiagnostics.append(Diagnostic(.error, "file is \(bytes.count) bytes; job files are limited to \(Self.maximumFileBytes) bytes (1 MiB)", at: SourceLocation(file: path, line: 1, column: 1)))
            }
        }
        var graphUnchanged = base != nil && baseSummary.crossFileValid
        for path in Set(changed.keys).union(reread) where graphUnchanged {
            let before = baseSummary[path], after = targetSummary[path]
            if (before?.isJob ?? false) != (after?.isJob ?? false) || (before?.isJob == true && before?.needs != after?.needs) {
                graphUnchanged = false
            }
        }
        var diagnostics: [Diagnostic]
        var targetJobs: [JobID: JobDefinition] = [:]
        if graphUnchanged {
            diagnostics = targetConfigDiagnostics
            for parsed in targetParses.values {
                diagnostics += parsed.diagnostics
                if let id = parsed.id, let definition = parsed.definition,
                   !parsed.diagnostics.contains(where: { $0.severity == .error }) {
                    targetJobs[id] = definition
                }
            }
            targetSummary.crossFileValid = true
        } else {
            var parsed: [ParsedJob] = []
            var ownDiagnostics = targetConfigDiagnostics.count
            targetSummary.forEach(kinds: [.validJob, .invalidJob]) { path, entry in
                if let job = targetParses[path] {
                    parsed.append(job)
                    ownDiagnostics += job.diagnostics.count
                } else if let standIn = TreeSummary.checkedJob(path: path, entry: entry) {
                    parsed.append(standIn)
                }
            }
            let set = DefinitionLoader.assemble(config: targetConfig, configDiagnostics: targetConfigDiagnostics, parsed: parsed, ignoredFiles: ignored.map(\.path))
            diagnostics = set.diagnostics
            targetJobs = set.jobs
            targetSummary.crossFileValid = set.diagnostics.count == ownDiagnostics
        }
        diagnostics = (diagnostics + extraDiagnostics).sorted()

        // 8. Job changes, by id: a rename is a delete and a create.
        let changedPaths = Set(changed.keys).filter { path in
            baseSummary[path]?.isJob == true || targetSummary[path]?.isJob == true
        }
        var oldJobs: [JobID: (file: String, definition: JobDefinition?)] = [:]
        var newJobs: [JobID: (file: String, definition: JobDefinition?, invalid: Bool)] = [:]
        for path in changedPaths {
            guard case .success(let id) = SourceFile.jobID(forPath: path) else { continue }
            if baseSummary[path]?.isJob == true {
                oldJobs[id] = (path, baseParses[path]?.definition)
            }
            if targetSummary[path]?.isJob == true {
                let definition = targetJobs[id]
                let invalid = definition == nil || diagnostics.contains { $0.severity == .error && $0.file == path }
                newJobs[id] = (path, definition, invalid)
            }
        }
        let instant = now()
        var changes: [JobChange] = []
        var unchangedFiles: [String] = []
        for id in Set(oldJobs.keys).union(newJobs.keys).sorted() {
            let old = oldJobs[id], new = newJobs[id]
            let action: JobChange.Action
            var fields: [FieldChange]
            if old != nil, new != nil {
                action = .update
                fields = new!.invalid ? [] : JobFields.changes(from: old!.definition, to: new!.definition)
                if fields.isEmpty, !new!.invalid, old!.file == new!.file {
                    unchangedFiles.append(new!.file)
                    continue
                }
                if fields.isEmpty, old!.file != new!.file {
                    fields = [FieldChange(path: "file", old: old!.file, new: new!.file)]
                }
            } else if new != nil {
                action = .create
                fields = new!.invalid || !detailed ? [] : JobFields.changes(from: nil, to: new!.definition)
            } else {
                action = .delete
                fields = []
            }
            let oldDefinition = old?.definition, newDefinition = new?.invalid == false ? new?.definition : nil
            var shift: FireTimeShift?
            let scheduleMoved = action != .update || fields.contains { $0.path.hasPrefix("schedule.") || $0.path == "enabled" }
            if scheduleMoved, detailed || action == .update {
                let before = action == .create ? [] : JobFields.nextFires(oldDefinition, after: instant)
                let after = action == .delete ? [] : JobFields.nextFires(newDefinition, after: instant)
                if !before.isEmpty || !after.isEmpty {
                    let zone = newDefinition?.schedule?.timeZone ?? oldDefinition?.schedule?.timeZone ?? targetConfig.timeZone
                    shift = FireTimeShift(timeZone: JobFields.zoneName(zone), before: before, after: after)
                }
            }
            changes.append(JobChange(id: id, action: action, file: new?.file ?? old!.file, fields: fields,
                                     fireTimes: shift, invalid: new?.invalid ?? false))
        }

        let plan = Plan(
            applied: base?.summary, target: targetCommit?.summary, reference: root.appliedReference,
            root: root.prefix, changes: changes, unchangedFiles: unchangedFiles.sorted(),
            diagnostics: diagnostics, ignored: ignored,
            jobCount: targetSummary.jobCount, appliedJobCount: baseSummary.jobCount)
        return Comparison(plan: plan, targetSummary: targetSummary, changedPaths: changedPaths,
                          baseSummary: baseSummary, configChanged: configChanged)
    }
}
