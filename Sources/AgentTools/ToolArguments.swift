import Definitions
import Expressions

/// A tool's arguments, read with errors that name the argument.
struct ToolArguments {
    let values: [String: Value]

    init(_ values: [String: Value]) {
        self.values = values
    }

    func has(_ name: String) -> Bool {
        if let value = values[name], value != .null { return true }
        return false
    }

    func string(_ name: String) throws(ToolFailure) -> String? {
        switch values[name] {
        case nil, .null?: return nil
        case .string(let text)?: return text
        default: throw ToolFailure("argument '\(name)' must be a string")
        }
    }

    func requiredString(_ name: String) throws(ToolFailure) -> String {
        guard let text = try string(name), !text.isEmpty else { throw ToolFailure("argument '\(name)' is required") }
        return text
    }

    func integer(_ name: String, default fallback: Int, range: ClosedRange<Int>) throws(ToolFailure) -> Int {
        switch values[name] {
        case nil, .null?: return fallback
        case .number(let number)? where number.rounded() == number && range.contains(Int(exactly: number) ?? Int.min):
            return Int(number)
        default: throw ToolFailure("argument '\(name)' must be a whole number from \(range.lowerBound) to \(range.upperBound)")
        }
    }

    func object(_ name: String) throws(ToolFailure) -> [String: Value]? {
        switch values[name] {
        case nil, .null?: return nil
        case .object(let object)?: return object
        default: throw ToolFailure("argument '\(name)' must be an object")
        }
    }

    /// `id`: a job id as files name it (`reports/daily`).
    func jobID(_ name: String = "id") throws(ToolFailure) -> JobID {
        let text = try requiredString(name)
        guard let id = JobID(text) else {
            throw ToolFailure("argument '\(name)': \(JobID.problem(with: text) ?? "'\(text)' is not a job id")")
        }
        return id
    }
}
