import Definitions

/// Any bytes as a job file (and as jobctl.yaml): loading never crashes, and every diagnostic
/// points inside the file (line ≥ 1, column ≥ 1).
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzJobFile(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    let bytes = Array(UnsafeBufferPointer(start: data, count: size))
    let set = DefinitionLoader.load(config: SourceFile(path: "jobctl.yaml", bytes: bytes), jobFiles: [SourceFile(path: "jobs/fuzz.yaml", bytes: bytes)])
    for diagnostic in set.diagnostics {
        precondition(diagnostic.line >= 1 && diagnostic.column >= 1, "a diagnostic points nowhere: \(diagnostic)")
    }
    return 0
}
