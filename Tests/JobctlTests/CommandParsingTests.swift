import Foundation
import ArgumentParser
import Testing
import TestSupport
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

    @Test func serveRemoteFlagsGoTogether() throws {
        let serve = try #require(try Jobctl.parseAsRoot(["serve", "--root", "/var/lib/jobctl", "--remote", "https://forge.example/jobs.git", "--branch", "release",
                                                         "--path", "ops", "--poll", "2m", "--allow-force-push", "--remote-token-secret", "FORGE_TOKEN"]) as? ServeCommand)
        #expect(serve.remote == "https://forge.example/jobs.git" && serve.branch == "release" && serve.path == "ops" && serve.poll == "2m")
        #expect(throws: (any Error).self) { try Jobctl.parseAsRoot(["serve", "--remote", "ssh://git@forge.example/jobs.git"]) }
        #expect(throws: (any Error).self) { try Jobctl.parseAsRoot(["serve", "--remote", "/srv/jobs.git", "--auto-apply"]) }
        #expect(throws: (any Error).self) { try Jobctl.parseAsRoot(["serve", "--remote", "/srv/jobs.git", "--poll", "10ms"]) }
        #expect(throws: (any Error).self) { try Jobctl.parseAsRoot(["serve", "--branch", "release"]) }
        #expect(throws: (any Error).self) { try Jobctl.parseAsRoot(["serve", "--log-format", "xml"]) }
        #expect(try Jobctl.parseAsRoot(["history", "a", "--rev", "origin/jobctl/history"]) is HistoryCommand)
        #expect(try Jobctl.parseAsRoot(["status", "--server", "http://127.0.0.1:8080"]) is StatusCommand)
    }

    /// examples/systemd/jobctl.service: its ExecStart parses, and systemd finds nothing wrong in it.
    @Test(.enabled(if: FileManager.default.isExecutableFile(atPath: "/usr/bin/systemd-analyze")))
    func theSystemdUnitIsValid() async throws {
        let source = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("examples/systemd/jobctl.service")
        let unit = try String(contentsOf: source, encoding: .utf8)
        let exec = unit.replacingOccurrences(of: "\\\n", with: " ").split(separator: "\n").first { $0.hasPrefix("ExecStart=") }
        let words = try #require(exec).dropFirst("ExecStart=".count).split(separator: " ").map(String.init)
        #expect(words.first == "/usr/local/bin/jobctl")
        #expect(try Jobctl.parseAsRoot(Array(words.dropFirst())) is ServeCommand)
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("jobctl-unit-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        let copy = folder.appendingPathComponent("jobctl.service")
        try unit.replacingOccurrences(of: "/usr/local/bin/jobctl", with: "/bin/true").write(to: copy, atomically: true, encoding: .utf8)
        let verify = Process()
        verify.executableURL = URL(fileURLWithPath: "/usr/bin/systemd-analyze")
        verify.arguments = ["verify", copy.path]
        let output = Pipe()
        verify.standardOutput = output
        verify.standardError = output
        try ChildSpawn.start(verify)
        let text = String(decoding: output.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        verify.waitUntilExit()
        #expect(verify.terminationStatus == 0 && text.isEmpty, "\(text)")
    }

    @Test func unknownCommandsAndFlagsAreRefused() {
        #expect(throws: (any Error).self) { try Jobctl.parseAsRoot(["deploy"]) }
        #expect(throws: (any Error).self) { try Jobctl.parseAsRoot(["validate", "--colour"]) }
    }
}

@Suite("serve's log lines for a terminal, journald and log shippers")
struct ServeLogFormatTests {
    let time = Date(timeIntervalSince1970: 1_796_112_000.25)

    @Test func autoIsJournalUnderSystemdAndTextElsewhere() {
        #expect(ServeLogFormat.resolve("auto", environment: ["JOURNAL_STREAM": "8:12345"]) == .journal)
        #expect(ServeLogFormat.resolve("auto", environment: [:]) == .text)
        #expect(ServeLogFormat.resolve("json", environment: ["JOURNAL_STREAM": "8:1"]) == .json)
        #expect(ServeLogFormat.resolve("xml") == nil)
    }

    @Test func eachFormatCarriesTheLevel() {
        #expect(ServeLogFormat.text.line("remote: applied 1a2b3c4 of main", at: time) == "2026-12-01T08:00:00.250Z remote: applied 1a2b3c4 of main")
        #expect(ServeLogFormat.journal.line("error: history cannot be written", at: time) == "<3>error: history cannot be written")
        #expect(ServeLogFormat.journal.line("warning: remote: refused 1a2b3c4: …\n  jobs/a.yaml:1:1: error: x", at: time) == "<4>warning: remote: refused 1a2b3c4: …\n<4>  jobs/a.yaml:1:1: error: x")
        #expect(ServeLogFormat.journal.line("running 2 applied jobs", at: time) == "<6>running 2 applied jobs")
        #expect(ServeLogFormat.json.line("warning: \"quoted\"\tand tab", at: time)
                == #"{"time":"2026-12-01T08:00:00.250Z","level":"warning","message":"warning: \"quoted\"\tand tab"}"#)
    }
}
