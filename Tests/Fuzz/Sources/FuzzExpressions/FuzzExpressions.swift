import Expressions

/// Any text as a filter expression: parsing never crashes, and a valid expression evaluates
/// (to a value, never a trap) against an event with strings, numbers, lists and nesting.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzExpressions(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    let text = String(decoding: UnsafeBufferPointer(start: data, count: size), as: UTF8.self)
    guard let expression = try? Expression(text) else { return 0 }
    _ = expression.evaluate(context)
    _ = expression.isSatisfied(by: context)
    return 0
}

let context: [String: Value] = [
    "event": ["amount": 25000, "status": "Active", "tags": ["a", "b"], "customer": ["name": "Acme", "tier": 2], "ratio": 0.5, "flag": true, "none": .null],
    "params": ["market": "NL", "days": 7],
    "run": ["trigger": "event"],
]
