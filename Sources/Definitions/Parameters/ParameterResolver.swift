public import Expressions

/// A parameter value as a caller gives it, before it is checked against the job.
public enum ParameterInput: Sendable, Hashable {
    /// Text, read as the parameter's type: `--param market=NL`, `--param days=7`.
    case text(String)
    /// A JSON value from an API body or an event: a string, number or boolean. A string is also
    /// read as a number or boolean when the parameter is one (`"7"` for `days: {type: number}`).
    case json(Value)
}

/// Why the parameters of a run request were refused. `message` names the parameter.
public struct ParameterProblem: Error, Sendable, Equatable, CustomStringConvertible {
    public var message: String
    public init(_ message: String) { self.message = message }
    public var description: String { message }
}

/// The one rule for a run's parameters, whoever asks (CLI, API, events, reruns, matrix cells):
/// every name must be declared, every value must be of the declared type and among `allowed`,
/// every `required` parameter without a default must be given, and defaults fill the rest.
///
/// ```swift
/// let inputs = try ParameterResolver.pairs(["market=BE", "days=7"])   // from --param flags
/// let values = try ParameterResolver(job: job).resolve(inputs)        // ["market": "BE", "days": 7, ...]
/// ```
public struct ParameterResolver: Sendable {
    public let job: JobDefinition

    public init(job: JobDefinition) {
        self.job = job
    }

    /// Checks `inputs` and fills in defaults.
    /// - Throws: ``ParameterProblem`` for an unknown name, a value of the wrong type or not
    ///   allowed, or a missing required parameter.
    public func resolve(_ inputs: [String: ParameterInput]) throws(ParameterProblem) -> [String: ParameterValue] {
        var values: [String: ParameterValue] = [:]
        for name in inputs.keys.sorted() {
            guard let parameter = job.parameter(named: name) else {
                let names = job.parameters.map(\.name)
                throw ParameterProblem(names.isEmpty
                    ? "job '\(job.id)' has no parameters; '\(name)' is unknown"
                    : "unknown parameter '\(name)'; '\(job.id)' has \(names.joined(separator: ", "))")
            }
            let value = try Self.value(inputs[name]!, for: parameter)
            if let problem = parameter.problem(with: value) { throw ParameterProblem(problem) }
            values[name] = value
        }
        for parameter in job.parameters where values[parameter.name] == nil {
            if let value = parameter.defaultValue {
                values[parameter.name] = value
            } else if parameter.required {
                throw ParameterProblem("parameter '\(parameter.name)' is required")
            }
        }
        return values
    }

    static func value(_ input: ParameterInput, for parameter: ParameterDefinition) throws(ParameterProblem) -> ParameterValue {
        switch input {
        case .text(let text), .json(.string(let text)):
            guard let value = ParameterValue.parse(text, as: parameter.type) else {
                throw ParameterProblem("parameter '\(parameter.name)' is a \(parameter.type.rawValue); \"\(text)\" is not")
            }
            return value
        case .json(.number(let number)): return .number(number)
        case .json(.bool(let flag)): return .boolean(flag)
        case .json:
            throw ParameterProblem("parameter '\(parameter.name)': a value is a string, a number or a boolean")
        }
    }

    /// `NAME=VALUE` arguments (`--param`), as inputs; the value may contain `=`.
    /// - Throws: ``ParameterProblem`` for an argument without `=` or with an empty name.
    public static func pairs(_ arguments: [String]) throws(ParameterProblem) -> [String: ParameterInput] {
        var inputs: [String: ParameterInput] = [:]
        for argument in arguments {
            guard let equals = argument.firstIndex(of: "="), equals != argument.startIndex else {
                throw ParameterProblem("--param '\(argument)': write NAME=VALUE")
            }
            inputs[String(argument[..<equals])] = .text(String(argument[argument.index(after: equals)...]))
        }
        return inputs
    }

    /// The `params` member of an API body or event: an object of names to values (absent or
    /// null: none).
    /// - Throws: ``ParameterProblem`` when it is not an object.
    public static func object(_ value: Value?) throws(ParameterProblem) -> [String: ParameterInput] {
        guard let value, value != .null else { return [:] }
        guard case .object(let members) = value else {
            throw ParameterProblem("params must be an object of parameter names to values")
        }
        return members.mapValues(ParameterInput.json)
    }

    /// The inputs as the JSON object an API body carries (`jobctl run --server` sends them so).
    public static func json(_ inputs: [String: ParameterInput]) -> Value {
        .object(inputs.mapValues { input in
            switch input {
            case .text(let text): .string(text)
            case .json(let value): value
            }
        })
    }
}
