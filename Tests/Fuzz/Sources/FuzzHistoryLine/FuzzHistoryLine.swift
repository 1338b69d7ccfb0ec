import History

/// Any bytes as a history line: reading never crashes, and a line that reads as a record writes
/// back to a line that reads as the same record.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzHistoryLine(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    let text = String(decoding: UnsafeBufferPointer(start: data, count: size), as: UTF8.self)
    guard let record = try? RunRecord(jsonLine: text) else { return 0 }
    let again = try? RunRecord(jsonLine: record.jsonLine)
    precondition(again == record, "a record did not survive a write and a read: \(text)")
    return 0
}
