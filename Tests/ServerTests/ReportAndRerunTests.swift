import Foundation
import History
import Hummingbird
import HummingbirdTesting
import Server
import Testing
import TestSupport

@Suite("API: reports kept with their runs, and re-runs")
struct ReportAndRerunTests {
    @Test func anAgentsReportIsKeptServedAsMarkdownAndAsHTMLThatRunsNoScript() async throws {
        let harness = try await APIHarness(extraJobs: APIHarness.reportJobs)
        let token = try harness.token(.run)
        try await harness.app.test(.router) { client in
            let started = try await client.execute(uri: "/api/jobs/reports/weekly/runs", method: .post, headers: jsonHeaders(token),
                                                   body: ByteBuffer(string: #"{"params": {"market": "BE"}}"#))
            #expect(started.status == .accepted)
            let run = try #require(started.json["run"] as? String)
            #expect(try await eventually { harness.records("reports/weekly").count == 1 })
            let record = harness.records("reports/weekly")[0]
            #expect(record.status == .completed, "\(record)")
            #expect(record.report == "history/reports/weekly/\(run).report.md")

            let markdown = try await client.execute(uri: "/api/runs/\(run)/report", method: .get, headers: bearer(token))
            #expect(markdown.status == .ok)
            #expect(markdown.headers[.contentType]?.hasPrefix("text/markdown") == true)
            #expect(markdown.text.hasPrefix("# Report for BE"))

            let page = try await client.execute(uri: "/api/runs/\(run)/report?format=html", method: .get, headers: bearer(token))
            #expect(page.status == .ok)
            #expect(page.headers[.contentSecurityPolicy]?.contains("default-src 'none'") == true)
            let html = page.text
            #expect(html.contains("<h1>Report for BE</h1>"), "\(html)")
            #expect(!html.contains("<script>") && html.contains("&lt;script>"), "\(html)")
            #expect(!html.contains("<a href=\"javascript"), "a javascript: link stays text: \(html)")
            #expect(html.contains("<a href=\"https://example.com/x\" rel=\"noopener noreferrer nofollow\">good</a>"), "\(html)")
            #expect(!html.contains("<img") && !html.contains("src=\"http://evil.example"), "\(html)")
        }
        await harness.stop()
    }

    @Test func aRerunRepeatsTheCellsParametersWithTriggerRerunAndNamesTheOriginal() async throws {
        let harness = try await APIHarness(extraJobs: APIHarness.reportJobs)
        let token = try harness.token(.run)
        let reader = try harness.token(.read)
        try await harness.app.test(.router) { client in
            _ = try await client.execute(uri: "/api/jobs/reports/weekly/runs", method: .post, headers: jsonHeaders(token), body: ByteBuffer(string: "{}"))
            #expect(try await eventually { harness.records("reports/weekly").count == 2 })
            let be = try #require(harness.records("reports/weekly").first { $0.params["market"] == .string("BE") })
            #expect(try await client.execute(uri: "/api/runs/\(be.run)/rerun", method: .post, headers: jsonHeaders(reader)).status == .forbidden)
            #expect(try await client.execute(uri: "/api/runs/\(be.run)/rerun?atCommit=maybe", method: .post, headers: jsonHeaders(token)).status == .badRequest)
            let rerun = try await client.execute(uri: "/api/runs/\(be.run)/rerun", method: .post, headers: jsonHeaders(token))
            #expect(rerun.status == .accepted)
            #expect(rerun.json["rerunOf"] as? String == be.run)
            #expect((rerun.json["runs"] as? [String])?.count == 1, "only the BE cell")
            #expect(try await eventually { harness.records("reports/weekly").count == 3 })
            let again = harness.records("reports/weekly")[2]
            #expect(again.trigger == .rerun && again.rerunOf == be.run && again.params["market"] == .string("BE"))
            let missing = try await client.execute(uri: "/api/runs/20260101T000000.000Z-00000000/rerun", method: .post, headers: jsonHeaders(token))
            #expect(missing.status == .notFound)
        }
        await harness.stop()
    }

    @Test func aRerunOfAnEventRunReplaysItsKeptPayload() async throws {
        let harness = try await APIHarness()
        let token = try harness.token(.run)
        try await harness.app.test(.router) { client in
            _ = try await client.execute(uri: "/api/events", method: .post, headers: jsonHeaders(token),
                                         body: ByteBuffer(string: #"{"type": "order.created", "payload": {"amount": 4321}}"#))
            #expect(try await eventually { harness.records("orders/big").count == 1 })
            let original = harness.records("orders/big")[0]
            let rerun = try await client.execute(uri: "/api/runs/\(original.run)/rerun", method: .post, headers: jsonHeaders(token))
            #expect(rerun.status == .accepted)
            #expect(try await eventually { harness.records("orders/big").count == 2 })
            let again = harness.records("orders/big")[1]
            #expect(again.rerunOf == original.run)
            let payload = try #require(again.event.flatMap { harness.root.read($0) })
            #expect(payload.contains("4321"))
        }
        await harness.stop()
    }
}
