extension ParsedJob {
    /// A job file already read and found valid on its own, known here only by its id and its
    /// `needs`: enough for ``DefinitionLoader/assemble(config:configDiagnostics:parsed:ignoredFiles:)``
    /// to run the checks across files (duplicate ids, unknown `needs`, cycles) without reading the
    /// file again. The reconciler uses it for the files a commit did not change.
    ///
    /// It has no ``definition``, so `assemble` lists its id in ``DefinitionSet/invalidJobs``;
    /// callers that pass such files read only the diagnostics and the jobs they parsed.
    public init(checkedPath path: String, id: JobID, needs: [JobID], needsLocations: [JobID: SourceLocation]) {
        self.init(path: path, id: id, definition: nil, diagnostics: [], needs: needs, needsLocations: needsLocations)
    }
}
