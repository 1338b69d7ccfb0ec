import Definitions
import Expressions
import Foundation
import GitStore
import Reconciler

/// Opening a root and turning git and reconcile errors into tool failures, in one place.
enum JobsRootAccess {
    static func open(_ root: String) throws(ToolFailure) -> JobsRoot {
        do { return try JobsRoot.open(root) } catch { throw ToolFailure(error.message) }
    }

    static func run<T>(_ body: () throws(ReconcileError) -> T) throws(ToolFailure) -> T {
        do { return try body() } catch { throw ToolFailure(error.message) }
    }

    static func git<T>(_ body: () throws(GitError) -> T) throws(ToolFailure) -> T {
        do { return try body() } catch { throw ToolFailure(error.message) }
    }

    /// A branch name git accepts (`agent/invoice-reminder`), checked by libgit2's own rule.
    static func isBranchName(_ name: String) -> Bool {
        !name.isEmpty && !name.hasPrefix("-") && GitRepository.isValidReferenceName("refs/heads/" + name)
    }

    /// An `Encodable` value as a JSON value.
    static func value(_ encodable: some Encodable) -> Value {
        let encoder = JSONEncoder()
        encoder.dateEncodingStrategy = .iso8601
        guard let data = try? encoder.encode(encodable), let value = try? Value(parsingJSON: [UInt8](data)) else { return .null }
        return value
    }

    static func number(_ value: Value) -> Double? {
        if case .number(let number) = value { return number }
        return nil
    }
}
