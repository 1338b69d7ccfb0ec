import Foundation
@testable import Dashboard
import Hummingbird
import HummingbirdTesting
import Server
import Testing
import TestSupport

@Suite("Dashboard edge cases: plans, pages, sign-in, forms, limited tokens")
struct EdgeCaseTests {
    @Test func thePlanShowsEachChangesFieldsAndFireTimesAsMarkdownNotEscapedHTML() async throws {
        let harness = try await DashboardHarness()
        let secret = try harness.token(.read)
        try harness.repo.write("jobs/dst.yaml", "schedule: {cron: \"45 3 * * *\", timezone: Europe/Amsterdam}\nsteps:\n  - run: [\"true\"]\n")
        try harness.repo.commit("Move dst")
        try await harness.app.test(.router) { client in
            var browser = try await Browser.signedIn(client, token: secret)
            let plan = try await browser.get(client, "/plan").text
            #expect(!plan.contains("&lt;details") && !plan.contains("```"), "\(plan)")
            #expect(plan.contains("<h4><code>dst</code> (update)</h4>"), "\(plan)")
            #expect(plan.contains("- schedule.cron: 30 2 * * *") || plan.contains("schedule.cron"), "the field change is in a code block")
        }
        await harness.stop()
    }

    @Test func pagesAreCountedFromOneAPageHasNoPagerWhenAllFitsAndBadDatesAreRefused() async throws {
        let harness = try await DashboardHarness()
        let secret = try harness.token(.read)
        try await harness.app.test(.router) { client in
            var browser = try await Browser.signedIn(client, token: secret)
            let past = try await browser.get(client, "/?page=7").text
            #expect(past.contains("1–4 of 4") && !past.contains("page 8"), "a page past the end shows the last: \(past)")
            let calendar = try await browser.get(client, "/calendar?view=week&zone=UTC").text
            #expect(!calendar.contains("Next jobs") && !calendar.contains("Previous jobs"))
            #expect(try await browser.get(client, "/calendar?date=2026-02-30").status == .badRequest)
            #expect(try await browser.get(client, "/calendar?date=garbage").status == .badRequest)
            #expect(try await browser.get(client, "/calendar?view=month").status == .badRequest)
            #expect(try await browser.get(client, "/calendar?date=2028-02-29&zone=UTC").status == .ok)
        }
        await harness.stop()
    }

    @Test func signInRefusesAFormFromAnotherSiteAndANextPathWithControlCharacters() async throws {
        let harness = try await DashboardHarness()
        let secret = try harness.token(.read)
        try await harness.app.test(.router) { client in
            let form: HTTPFields = [.contentType: "application/x-www-form-urlencoded", .origin: "http://evil.example"]
            let foreign = try await client.execute(uri: "/signin", method: .post, headers: form, body: ByteBuffer(string: "token=\(secret)"))
            #expect(foreign.status == .forbidden && foreign.headers[.setCookie] == nil)
            var browser = Browser()
            let tab = try await browser.signIn(client, token: secret, next: "/%09/evil.example/")
            #expect(tab.status == .seeOther && tab.headers[.location] == "/")
        }
        #expect(Dashboard.safeNext("/\t/evil.example") == "/" && Dashboard.safeNext("/jobs/a?page=2") == "/jobs/a?page=2")
        await harness.stop()
    }

    @Test func aLimitedTokenGets404ForJobsAndRunsItDoesNotCoverAndPausesTakeADuration() async throws {
        let harness = try await DashboardHarness()
        let limited = try harness.token(.run, jobs: "reports/*")
        let full = try harness.token(.run)
        try await harness.app.test(.router) { client in
            var other = try await Browser.signedIn(client, token: full)
            _ = try await other.get(client, "/jobs/slow")
            let slow = try #require(try await other.post(client, "/jobs/slow/run").headers[.location])

            var browser = try await Browser.signedIn(client, token: limited)
            _ = try await browser.get(client, "/")
            #expect(try await browser.post(client, "/jobs/slow/run").status == .notFound)
            #expect(try await browser.post(client, slow + "/cancel").status == .notFound)
            #expect(try await browser.post(client, "/runs/20260101T000000.000Z-00000000/cancel").status == .notFound)

            #expect(try await other.post(client, "/jobs/minutely/pause", ["until": "4h"]).status == .seeOther)
            let paused = try await other.get(client, "/jobs/minutely").text
            #expect(paused.contains("paused by") && paused.contains(" until "), "\(paused)")
            #expect(try await other.post(client, "/jobs/minutely/pause", ["until": "soon"]).status == .badRequest)
            _ = try await other.post(client, slow + "/cancel")
        }
        await harness.stop()
    }

    @Test func aClearedFieldWithADefaultIsSentEmptyAndAnEmptyOneWithoutIsLeftOut() async throws {
        let harness = try await DashboardHarness()
        let secret = try harness.token(.run)
        try await harness.app.test(.router) { client in
            var browser = try await Browser.signedIn(client, token: secret)
            _ = try await browser.get(client, "/jobs/reports/daily")
            // market has a default and allowed values: cleared, it is "" and refused as the API refuses it.
            let cleared = try await browser.post(client, "/jobs/reports/daily/run", ["param.market": "", "param.note": ""])
            #expect(cleared.status == .badRequest, "\(cleared.text)")
            let started = try await browser.post(client, "/jobs/reports/daily/run", ["param.market": "DE", "param.note": ""])
            #expect(started.status == .seeOther)
            #expect(try await eventually { harness.records("reports/daily").count == 1 })
            #expect(harness.records("reports/daily")[0].params["note"] == nil, "an empty field without a default is left out")
        }
        await harness.stop()
    }

    @Test func revokingATokenEndsItsLiveLogStream() async throws {
        let harness = try await DashboardHarness()
        let secret = try harness.token(.run, name: "watcher")
        try await harness.app.test(.router) { client in
            var browser = try await Browser.signedIn(client, token: secret)
            _ = try await browser.get(client, "/jobs/slow")
            let run = try #require(try await browser.post(client, "/jobs/slow/run").headers[.location])
            let watching = browser
            let stream = Task {
                var copy = watching
                return try await copy.get(client, run + "/log")
            }
            _ = try harness.tokens.revoke("watcher")
            // The stream (or its start) ends although the run (sleep 300) goes on.
            let answer = try await stream.value
            #expect(!answer.text.contains("event: end"))
            #expect(await harness.daemon.scheduler.runningRuns.contains { "/runs/" + $0.run == run })
        }
        await harness.stop()
    }
}
