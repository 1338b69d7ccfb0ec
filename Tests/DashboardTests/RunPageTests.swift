import Foundation
import Hummingbird
import HummingbirdTesting
import Server
import Testing
import TestSupport

@Suite("Dashboard run page: the log as server-sent events, reports and their PDF")
struct RunPageTests {
    @Test func aFinishedRunsLogStreamsItsLinesThenEnds() async throws {
        let harness = try await DashboardHarness()
        let secret = try harness.token(.run)
        try await harness.app.test(.router) { client in
            var browser = try await Browser.signedIn(client, token: secret)
            _ = try await browser.get(client, "/jobs/reports/daily")
            let started = try await browser.post(client, "/jobs/reports/daily/run", ["param.note": "line"])
            let location = try #require(started.headers[.location])
            #expect(try await eventually { harness.records("reports/daily").count == 1 })
            let stream = try await browser.get(client, location + "/log?offset=0")
            #expect(stream.headers[.contentType] == "text/event-stream")
            #expect(stream.text.contains("data: NL line\n"), "\(stream.text)")
            #expect(stream.text.hasSuffix("event: end\ndata: \n\n"))
            #expect(try await browser.get(client, "/runs/20260101T000000.000Z-00000000/log").status == .notFound)
            #expect(try await browser.get(client, "/runs/not-a-run").status == .notFound)
        }
        await harness.stop()
    }

    @Test func withoutChromiumTheRunPageSaysSoAndThePDFIsRefusedWithAReason() async throws {
        let harness = try await DashboardHarness(extraJobs: DashboardHarness.reportJob, chromium: "/nonexistent/chromium")
        let secret = try harness.token(.run)
        try await harness.app.test(.router) { client in
            var browser = try await Browser.signedIn(client, token: secret)
            _ = try await browser.get(client, "/jobs/weekly")
            let location = try #require(try await browser.post(client, "/jobs/weekly/run").headers[.location])
            #expect(try await eventually { harness.records("weekly").count == 1 })
            let page = try await browser.get(client, location).text
            #expect(page.contains("<h1>Weekly report</h1>"), "the report is rendered: \(page)")
            #expect(!page.contains("<script>alert"), "and sanitised")
            #expect(page.contains("PDF export needs Chromium") && !page.contains("Download PDF"))
            let pdf = try await browser.get(client, location + "/report.pdf")
            #expect(pdf.status == .serviceUnavailable && pdf.text.contains("Chromium"))
        }
        await harness.stop()
    }
}
