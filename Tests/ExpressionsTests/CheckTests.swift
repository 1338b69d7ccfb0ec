import Expressions
import Testing

@Suite("Referenced paths and root-name checks")
struct CheckTests {
    @Test("every path is listed in source order with its column")
    func referencedPaths() throws {
        let expression = try Expression(
            #"steps.ask.status == "completed" and event.'content-type' != "x" or lower(params.market) in (run.x, event.items.0)"#)
        #expect(expression.referencedPaths.map(\.description) == [
            "steps.ask.status", "event.'content-type'", "params.market", "run.x", "event.items.0",
        ])
        #expect(expression.referencedPaths.map(\.column) == [1, 37, 74, 93, 100])
        #expect(expression.referencedPaths[1].segments == ["event", "content-type"])
        #expect(expression.referencedPaths[4].segments == ["event", "items", "0"])
        #expect(expression.referencedPaths.map(\.root) == ["steps", "event", "params", "run", "event"])
    }

    @Test("literals and function names are not paths")
    func notPaths() throws {
        #expect(try Expression("true and null == lower(\"x\") and 1 in [2]").referencedPaths.isEmpty)
    }

    @Test("quoting in descriptions: odd keys, keywords at the root, indexes")
    func pathDescriptions() {
        #expect(ReferencedPath(segments: ["event", "a b", "it's", "x\\y"], column: 1).description == #"event.'a b'.'it\'s'.'x\\y'"#)
        #expect(ReferencedPath(segments: ["and", "or"], column: 1).description == "'and'.or")
        #expect(ReferencedPath(segments: ["event", "0", "01", ""], column: 1).description == "event.0.'01'.''")
    }

    @Test("a valid expression over the standard roots has no problems")
    func clean() throws {
        let expression = try Expression(#"event.x == 1 and params.y and run.status and steps.a.status and job.id"#)
        #expect(expression.check(roots: Expression.standardRoots) == [])
    }

    @Test("unknown root names are reported at their columns, with did-you-mean")
    func unknownRoots() throws {
        let expression = try Expression(#"evnt.amount > 1 and steps.ask.status == "ok" or foo == 1 or True or param.market or 'Event'.x"#)
        #expect(expression.check(roots: Expression.standardRoots) == [
            ExpressionError(column: 1, message: "unknown name 'evnt' (did you mean 'event'?)"),
            ExpressionError(column: 49, message: "unknown name 'foo'; the names are event, job, params, run and steps"),
            ExpressionError(column: 61, message: "unknown name 'True' (did you mean 'true'?)"),
            ExpressionError(column: 69, message: "unknown name 'param' (did you mean 'params'?)"),
            ExpressionError(column: 85, message: "unknown name 'Event' (did you mean 'event'?)"),
        ])
    }

    @Test("short misspellings still get a suggestion")
    func shortNames() throws {
        #expect(try Expression("rn.status").check(roots: Expression.standardRoots) == [
            ExpressionError(column: 1, message: "unknown name 'rn' (did you mean 'run'?)"),
        ])
        #expect(try Expression("step.x").check(roots: Expression.standardRoots) == [
            ExpressionError(column: 1, message: "unknown name 'step' (did you mean 'steps'?)"),
        ])
    }

    @Test("a narrower set of roots, as for a schedule-only job's `until:`")
    func narrowRoots() throws {
        let expression = try Expression(#"run.status == "completed" and event.x"#)
        #expect(expression.check(roots: ["run"]) == [
            ExpressionError(column: 31, message: "unknown name 'event'; the only name here is 'run'"),
        ])
        #expect(expression.check(roots: []) == [
            ExpressionError(column: 1, message: "unknown name 'run'; no names can be read here"),
            ExpressionError(column: 31, message: "unknown name 'event'; no names can be read here"),
        ])
    }

    @Test("expressions are values: equal when their sources are")
    func equality() throws {
        let a = try Expression("event.x == 1")
        let b = try Expression("event.x == 1")
        let c = try Expression("event.x==1")
        #expect(a == b)
        #expect(a != c)
        #expect(Set([a, b, c]).count == 2)
        #expect(a.description == "event.x == 1")
        #expect(a.source == "event.x == 1")
    }
}
