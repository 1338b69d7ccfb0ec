import Foundation
import History
import Testing
import TestSupport

/// Whether this machine has what the browser test drives: Chromium, Debian's chromedriver,
/// pdftotext, and python3 with selenium and axe-selenium-python. In CI they must be there
/// (`JOBCTL_TEST_DEPS=1 .ci/install-deps` installs them): the test then runs and fails
/// loudly if one is missing.
private let browserToolsInstalled: Bool = {
    let process = Process()
    process.executableURL = URL(fileURLWithPath: "/bin/sh")
    process.arguments = ["-c", "test -x /usr/bin/chromium && test -x /usr/bin/chromedriver && command -v pdftotext && python3 -c 'import selenium, axe_selenium_python'"]
    process.standardOutput = FileHandle.nullDevice
    process.standardError = FileHandle.nullDevice
    guard (try? ChildSpawn.start(process)) != nil else { return false }
    process.waitUntilExit()
    return process.terminationStatus == 0
}()

/// The dashboard in a real browser: headless Chromium driven by Selenium
/// (`Browser/dashboard_browser.py`) against a live `jobctl serve`.
@Suite(.enabled(if: browserToolsInstalled || ProcessInfo.processInfo.environment["CI"] == "true",
                "needs chromium, chromium-driver, poppler-utils and python3 with selenium and axe-selenium-python (JOBCTL_TEST_DEPS=1 .ci/install-deps)"))
struct BrowserTests {
    static let script = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Browser/dashboard_browser.py").path
    /// Screenshots of every page, kept after the test: `.build/dashboard-screenshots/`.
    static let screenshots = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent(".build/dashboard-screenshots").path

    @Test func everyPageLoadsCleanlyAndRunNowCancelCSRFAndThePDFWorkInChromium() async throws {
        // A report whose images point at a loopback server: the sanitiser drops them, and the
        // PDF's Chromium is cut off from the network anyway. The server must see no request.
        let pixel = try await RecordingHTTPServer()
        let agent = #"printf '# Weekly report for %s\n\nRevenue **up** 4%%.\n\n| market | revenue |\n|---|---|\n| NL | 1200 |\n\n![pixel](URL/pixel.png)\n\n<img src="URL/raw.png">\n' "$(cat | sed 's/.* //')""#
            .replacingOccurrences(of: "URL", with: pixel.url())
        let repo = try TemporaryGitRepository(files: [
            ".gitignore": "/.jobctl/\n/history/\n",
            "jobctl.yaml": "agents:\n  writer:\n    run: [sh, -c, '\(agent.replacingOccurrences(of: "'", with: "''"))']\n",
            "jobs/reports/daily.yaml": DashboardHarness.jobs["jobs/reports/daily.yaml"]! + "\n",
            "jobs/slow.yaml": "name: Slow\nsteps:\n  - run: [sleep, \"300\"]\n",
            "jobs/heartbeat.yaml": "schedule: \"* * * * *\"\nsteps:\n  - run: [\"true\"]\n",
            "jobs/reports/weekly.yaml": "schedule: {cron: \"0 8 * * 1\", timezone: Europe/Amsterdam}\nsteps:\n  - name: write\n    agent: writer\n    prompt: \"Weekly report for NL\"\n",
        ])
        let applied = try await JobctlProcess.run(["apply", "--root", repo.path])
        try #require(applied.status == 0, "\(applied.stderr)")
        let created = try await JobctlProcess.run(["token", "create", "--root", repo.path, "--name", "alice", "--scope", "run"])
        let token = try #require(created.stdout.split(separator: "\n").last.map(String.init))
        let daemon = try DaemonProcess(["serve", "--root", repo.path, "--listen", "127.0.0.1:0"])
        let url = try await daemon.apiURL()

        let result = try await JobctlProcess.run(program: "/usr/bin/env", ["python3", Self.script, url, token, Self.screenshots])
        let answer = try #require((try? JSONSerialization.jsonObject(with: Data(result.stdout.utf8))) as? [String: Any],
                                  "the browser script printed no JSON (exit \(result.status)): \(result.stdout.suffix(2000))\n\(result.stderr.suffix(3000))\n\(daemon.output.suffix(3000))")
        let failures = answer["failures"] as? [String] ?? ["no failures list"]
        #expect(failures.isEmpty, "\(failures)\nnotes: \(answer["notes"] ?? "")\n\(result.stderr.suffix(2000))\n\(daemon.output.suffix(3000))")
        #expect(result.status == 0)
        let pages = answer["pages"] as? [String: Any] ?? [:]
        #expect(Set(pages.keys).isSuperset(of: ["signin", "overview", "job", "run", "run-live", "report", "calendar-week", "calendar-day", "plan", "overview-dark", "overview-phone"]), "\(pages.keys)")
        for name in pages.keys {
            #expect(FileManager.default.fileExists(atPath: Self.screenshots + "/\(name).png"), "a screenshot of \(name)")
        }

        // What the browser did is in history, recorded with who asked.
        let notes = answer["notes"] as? [String: Any] ?? [:]
        let reader = HistoryReader(folder: HistoryFolder(path: repo.path + "/history"))
        let runNow = try #require(reader.record(ofRun: notes["runNow"] as? String ?? ""))
        #expect(runNow.requestedBy == "token alice (dashboard)" && runNow.params["market"] == .string("BE"))
        #expect(reader.record(ofRun: notes["cancelled"] as? String ?? "")?.status == .cancelled)
        #expect((try reader.lastRecords(job: "reports/daily", count: 10).records.count) == 1, "the form without its CSRF token started nothing")
        #expect(pixel.requests.isEmpty, "nothing fetched the report's images: \(pixel.requests)")
        daemon.signal(SIGTERM)
        _ = try await daemon.waitForExit(within: 60)
    }
}
