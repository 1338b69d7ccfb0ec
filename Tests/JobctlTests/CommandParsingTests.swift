import ArgumentParser
import Testing
@testable import jobctl

/// Every command turns its flags into values before it does anything: parsed in process,
/// without running a command (swift-argument-parser's `parseAsRoot`).
@Suite("Command lines parse into commands")
struct CommandParsingTests {
    @Test func runTakesRepeatedParametersAndItsFlags() throws {
        let command = try #require(try Jobctl.parseAsRoot(["run", "reports/daily", "--param", "market=BE", "--param", "note=a=b", "--wait", "--force", "--root", "/r"]) as? RunCommand)
        #expect(command.job == "reports/daily")
        #expect(command.parameters == ["market=BE", "note=a=b"])
        #expect(command.wait && command.force && !command.draft)
        #expect(command.rootOptions.root == "/r")
    }

    @Test func serveValidatesItsFlagsBeforeRunning() throws {
        let serve = try #require(try Jobctl.parseAsRoot(["serve", "--auto-apply", "--listen", "off", "--max-concurrent", "8", "--grace", "30s"]) as? ServeCommand)
        #expect(serve.autoApply && serve.listen == "off" && serve.maxConcurrent == 8 && serve.grace == "30s")
        #expect(throws: (any Error).self) { try Jobctl.parseAsRoot(["serve", "--grace", "soon"]) }
        #expect(throws: (any Error).self) { try Jobctl.parseAsRoot(["serve", "--listen", "localhost"]) }
        #expect(throws: (any Error).self) { try Jobctl.parseAsRoot(["serve", "--max-concurrent", "0"]) }
    }

    @Test func fireTimesAndHistoryTakeTheirOptions() throws {
        let fireTimes = try #require(try Jobctl.parseAsRoot(["fire-times", "--cron", "0 8 * * 1", "--tz", "Europe/Amsterdam", "--count", "3", "--format", "json"]) as? FireTimesCommand)
        #expect(fireTimes.cron == "0 8 * * 1" && fireTimes.timezone == "Europe/Amsterdam" && fireTimes.count == 3 && fireTimes.format == .json)
        #expect(throws: (any Error).self) { try Jobctl.parseAsRoot(["fire-times", "--format", "yaml"]) }
        #expect(try Jobctl.parseAsRoot(["history", "a", "--last", "20", "--stats"]) is HistoryCommand)
        #expect(try Jobctl.parseAsRoot(["check", "a", "--succeeded-within", "26h"]) is CheckCommand)
    }

    @Test func unknownCommandsAndFlagsAreRefused() {
        #expect(throws: (any Error).self) { try Jobctl.parseAsRoot(["deploy"]) }
        #expect(throws: (any Error).self) { try Jobctl.parseAsRoot(["validate", "--colour"]) }
    }
}
