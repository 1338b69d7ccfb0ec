import Locks

/// Loads a whole root: `jobctl.yaml` and every job file, then the checks across files.
///
/// ```swift
/// let set = DefinitionLoader.load(config: configFile, jobFiles: files)
/// if set.isValid { ... } else { set.diagnostics.forEach { print($0) } }
/// ```
public enum DefinitionLoader {
    /// Reads `jobctl.yaml`; without one, every setting has its default.
    public static func loadConfig(_ file: SourceFile?) -> (config: RepositoryConfig, diagnostics: [Diagnostic]) {
        guard let file else { return (RepositoryConfig(), []) }
        let context = LoadContext(file: file.path)
        do {
            let root = try YAMLReader().read(file.bytes)
            let config = ConfigParser.parse(root, context: context)
            return (config, context.log.diagnostics)
        } catch {
            context.log.error(error.message, at: SourceLocation(file: file.path, line: error.line, column: error.column))
            return (RepositoryConfig(), context.log.diagnostics)
        }
    }

    /// Reads one job file. Needs only the config, so results can be cached per (file content, config).
    public static func loadJob(_ file: SourceFile, config: RepositoryConfig) -> ParsedJob {
        let context = LoadContext(file: file.path)
        let id: JobID
        switch SourceFile.jobID(forPath: file.path) {
        case .success(let valid): id = valid
        case .failure(let problem):
            context.log.error(problem.message, at: SourceLocation(file: file.path, line: 1, column: 1))
            return ParsedJob(path: file.path, id: nil, definition: nil, diagnostics: context.log.diagnostics, needs: [], needsLocations: [:])
        }
        do {
            let root = try YAMLReader().read(file.bytes)
            let definition = JobFileParser.parse(root, id: id, config: config, context: context)
            return ParsedJob(path: file.path, id: id, definition: definition, diagnostics: context.log.diagnostics, needs: context.needs, needsLocations: context.needsLocations)
        } catch {
            context.log.error(error.message, at: SourceLocation(file: file.path, line: error.line, column: error.column))
            return ParsedJob(path: file.path, id: id, definition: nil, diagnostics: context.log.diagnostics, needs: [], needsLocations: [:])
        }
    }

    /// Loads and checks a whole root.
    public static func load(config configFile: SourceFile?, jobFiles: [SourceFile], ignoredFiles: [String] = []) -> DefinitionSet {
        let (config, configDiagnostics) = loadConfig(configFile)
        let parsed = ParallelMap.map(jobFiles) { loadJob($0, config: config) }
        return assemble(config: config, configDiagnostics: configDiagnostics, parsed: parsed, ignoredFiles: ignoredFiles)
    }

    /// Puts parsed files together and runs the checks across files (duplicate ids, `needs`, cycles).
    public static func assemble(config: RepositoryConfig, configDiagnostics: [Diagnostic], parsed: [ParsedJob], ignoredFiles: [String]) -> DefinitionSet {
        var diagnostics = configDiagnostics
        // Sized once (a definition is a few hundred bytes held inline: growing the table by
        // doubling held every size at once), and the files taken in path order by index rather
        // than through a sorted copy of every parsed definition.
        var jobs: [JobID: JobDefinition] = Dictionary(minimumCapacity: parsed.count)
        var invalid = Set<JobID>()
        var files: [JobID: String] = Dictionary(minimumCapacity: parsed.count)
        var needsLocations: [JobID: [JobID: SourceLocation]] = Dictionary(minimumCapacity: parsed.count)
        var needs: [JobID: (file: String, needs: [JobID])] = Dictionary(minimumCapacity: parsed.count)
        for index in parsed.indices.sorted(by: { parsed[$0].path < parsed[$1].path }) {
            let job = parsed[index]
            diagnostics.append(contentsOf: job.diagnostics)
            guard let id = job.id else { continue }
            if let other = files[id] {
                diagnostics.append(Diagnostic(.error, "job id '\(id)' is also defined by \(other); keep one of the two files", at: SourceLocation(file: job.path, line: 1, column: 1)))
                invalid.insert(id)
                jobs[id] = nil
                continue
            }
            files[id] = job.path
            needsLocations[id] = job.needsLocations
            needs[id] = (job.path, job.needs)
            if let definition = job.definition { jobs[id] = definition } else { invalid.insert(id) }
        }
        diagnostics.append(contentsOf: CrossFileChecks.check(needs: needs, needsLocations: needsLocations))
        return DefinitionSet(config: config, jobs: jobs, invalidJobs: invalid, diagnostics: diagnostics.sorted(), ignoredFiles: ignoredFiles)
    }
}

/// One job file after reading: its definition when valid, and what was wrong with it.
public struct ParsedJob: Sendable {
    public var path: String
    public var id: JobID?
    public var definition: JobDefinition?
    public var diagnostics: [Diagnostic]
    /// The `needs` as written, even when the file is otherwise invalid, so cross-file checks see them.
    public var needs: [JobID]
    public var needsLocations: [JobID: SourceLocation]
}

/// A root's definitions after loading and checking.
public struct DefinitionSet: Sendable {
    public var config: RepositoryConfig
    /// The valid jobs by id.
    public var jobs: [JobID: JobDefinition]
    /// Ids of files that failed to load.
    public var invalidJobs: Set<JobID>
    /// Every problem, sorted by file and position.
    public var diagnostics: [Diagnostic]
    /// Files under jobs/ that are not job definitions (not .yaml/.yml), listed so nothing is silently skipped.
    public var ignoredFiles: [String]

    public var isValid: Bool { !diagnostics.contains { $0.severity == .error } }
    public var errorCount: Int { diagnostics.count { $0.severity == .error } }
    public var warningCount: Int { diagnostics.count { $0.severity == .warning } }
    public var sortedJobs: [JobDefinition] { jobs.keys.sorted().map { jobs[$0]! } }
}
