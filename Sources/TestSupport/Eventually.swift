public import Foundation

/// A condition a test waited for did not hold before its deadline: the test fails with this
/// error (it is thrown, so the test process goes on with the other tests).
public struct ConditionTimedOut: Error, CustomStringConvertible {
    public var description: String
}

/// Polls `condition` until it holds, for results of real processes, servers and files. The
/// deadline is a safety net for a condition that never holds, never a bound on how long the
/// work may take: it is generous, since CI runs on a loaded 2-core machine.
///
/// - Returns: true (so `#expect(try await eventually { ... })` reads naturally).
/// - Throws: ``ConditionTimedOut`` when `condition` still does not hold after `seconds`.
@discardableResult
public func eventually(_ what: @autoclosure () -> String = "a condition", within seconds: TimeInterval = 600,
                       fileID: String = #fileID, line: Int = #line,
                       _ condition: () async throws -> Bool) async throws -> Bool {
    let deadline = Date().addingTimeInterval(seconds)
    var interval = Duration.milliseconds(2)
    while Date() < deadline {
        if try await condition() { return true }
        try await Task.sleep(for: interval)
        interval = min(interval * 2, .milliseconds(50))
    }
    if try await condition() { return true }
    throw ConditionTimedOut(description: "\(fileID):\(line): \(what()) did not hold within \(Int(seconds)) s")
}
