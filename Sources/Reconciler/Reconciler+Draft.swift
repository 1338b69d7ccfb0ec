public import Definitions

extension Reconciler {
    /// The working tree's version of one job, parsed with the working tree's `jobctl.yaml`:
    /// what `jobctl run --draft JOB` runs. Reads `jobs/<id>.yaml` (or `.yml`) only, never through
    /// a symbolic link; checks across files are `diff`'s and `plan`'s business.
    ///
    /// - Returns: `nil` when the working tree has no file for `id`; otherwise the parsed job,
    ///   whose ``ParsedJob/definition`` is `nil` when it has errors (see its diagnostics).
    /// - Throws: ``ReconcileError/Kind/bareRepository`` in a bare repository.
    public func workingTreeJob(_ id: JobID) throws(ReconcileError) -> ParsedJob? {
        guard root.folder != nil else {
            throw ReconcileError(.bareRepository, "the repository is bare: it has no working tree, so no draft")
        }
        var ignored: [Diagnostic] = []
        let config = DefinitionLoader.loadConfig(workingTreeConfig(diagnostics: &ignored)).config
        for suffix in [".yaml", ".yml"] {
            let path = "jobs/" + id.rawValue + suffix
            if case .file(let bytes) = diskContent(path) {
                return DefinitionLoader.loadJob(SourceFile(path: path, bytes: bytes), config: config)
            }
        }
        return nil
    }
}
