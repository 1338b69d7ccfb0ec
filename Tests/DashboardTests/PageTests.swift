import Foundation
import History
import Hummingbird
import HummingbirdTesting
import Server
import Testing
import TestSupport

@Suite("Dashboard pages: sign-in, what each page shows, and who may see it")
struct PageTests {
    @Test func anAnonymousVisitorIsSentToTheSignInPageAndSeesNothingElse() async throws {
        let harness = try await DashboardHarness()
        try await harness.app.test(.router) { client in
            for path in ["/", "/calendar", "/plan", "/jobs/reports/daily", "/runs/20260101T000000.000Z-00000000"] {
                let response = try await client.execute(uri: path, method: .get)
                #expect(response.status == .seeOther, "\(path)")
                #expect(response.headers[.location] == "/signin?next=" + path, "\(path)")
                #expect(!response.text.contains("reports/daily"))
            }
            let signIn = try await client.execute(uri: "/signin", method: .get)
            #expect(signIn.status == .ok)
            #expect(signIn.text.contains(#"<label for="token">Token</label>"#))
            #expect(signIn.headers[.contentSecurityPolicy]?.contains("script-src 'self'") == true)
            // Acting without a session is refused outright.
            let post = try await client.execute(uri: "/jobs/slow/run", method: .post, headers: [.contentType: "application/x-www-form-urlencoded"], body: ByteBuffer(string: "_csrf=x"))
            #expect(post.status == .unauthorized)
        }
        #expect(harness.records("slow").isEmpty)
        await harness.stop()
    }

    @Test func signingInSetsAnHttpOnlySameSiteCookieSecureBehindTLSAndAWrongTokenIsRefused() async throws {
        let harness = try await DashboardHarness()
        let secret = try harness.token(.read, name: "viewer")
        try await harness.app.test(.router) { client in
            var browser = Browser()
            let wrong = try await browser.signIn(client, token: "nope")
            #expect(wrong.status == .unauthorized)
            #expect(wrong.headers[.setCookie] == nil)
            let right = try await browser.signIn(client, token: secret, next: "/plan")
            #expect(right.status == .seeOther)
            #expect(right.headers[.location] == "/plan")
            let cookie = try #require(right.headers[.setCookie])
            #expect(cookie.contains("HttpOnly") && cookie.contains("SameSite=Strict") && !cookie.contains("Secure"), "\(cookie)")
            #expect(!cookie.contains(secret))
            // Where sign-in goes next stays on this site.
            var other = Browser()
            #expect(try await other.signIn(client, token: secret, next: "//evil.example/").headers[.location] == "/")
            let behindTLS = try await client.execute(uri: "/signin", method: .post, headers: [.contentType: "application/x-www-form-urlencoded", .init("X-Forwarded-Proto")!: "https"],
                                                     body: ByteBuffer(string: "token=\(secret)"))
            #expect(behindTLS.headers[.setCookie]?.contains("Secure") == true)
            let overview = try await browser.get(client, "/")
            #expect(overview.status == .ok)
            #expect(overview.text.contains("Signed in as <strong>viewer</strong>"))
            // Signing out needs the page's CSRF token, then ends the session.
            #expect(try await browser.post(client, "/signout", csrf: false).status == .forbidden)
            #expect(try await browser.post(client, "/signout").status == .seeOther)
            #expect(try await browser.get(client, "/").status == .seeOther)
        }
        await harness.stop()
    }

    @Test func aPublicDashboardIsReadableWithoutSigningInButActingStillNeedsAToken() async throws {
        let harness = try await DashboardHarness(publicRead: true)
        try await harness.app.test(.router) { client in
            let overview = try await client.execute(uri: "/", method: .get)
            #expect(overview.status == .ok)
            #expect(overview.text.contains("reports/daily") && overview.text.contains("Public view"))
            let job = try await client.execute(uri: "/jobs/reports/daily", method: .get)
            #expect(job.status == .ok && !job.text.contains("Run now"))
            let post = try await client.execute(uri: "/jobs/reports/daily/run", method: .post, headers: [.contentType: "application/x-www-form-urlencoded"], body: ByteBuffer(string: ""))
            #expect(post.status == .unauthorized)
        }
        await harness.stop()
    }

    @Test func theOverviewListsOnlyTheJobsATokenCoversAndEscapesWhatJobsSay() async throws {
        let harness = try await DashboardHarness()
        let limited = try harness.token(.read, jobs: "reports/*")
        let everything = try harness.token(.read)
        try await harness.app.test(.router) { client in
            var browser = try await Browser.signedIn(client, token: limited)
            let page = try await browser.get(client, "/").text
            #expect(page.contains("/jobs/reports/daily") && !page.contains("/jobs/slow"), "\(page)")
            #expect(try await browser.get(client, "/jobs/slow").status == .notFound)
            var all = try await Browser.signedIn(client, token: everything)
            let full = try await all.get(client, "/").text
            #expect(full.contains("/jobs/slow") && full.contains("/jobs/minutely"))
            #expect(full.contains("&lt;b&gt;Slow&lt;/b&gt; &amp; steady") && !full.contains("<b>Slow</b>"), "a job's name is text, never markup")
            #expect(full.contains("Applied commit <code>"))
            let filtered = try await all.get(client, "/?q=daily").text
            #expect(filtered.contains("/jobs/reports/daily") && !filtered.contains("/jobs/slow"))
            let byState = try await all.get(client, "/?state=paused").text
            #expect(byState.contains("No job matches."))
        }
        await harness.stop()
    }

    @Test func runNowBuildsItsFormFromTheParametersAndRecordsWhoAskedAndAFormWithoutItsTokenIsRefused() async throws {
        let harness = try await DashboardHarness()
        let runner = try harness.token(.run, name: "alice")
        let reader = try harness.token(.read, name: "bob")
        try await harness.app.test(.router) { client in
            var browser = try await Browser.signedIn(client, token: runner)
            let page = try await browser.get(client, "/jobs/reports/daily").text
            #expect(page.contains(#"<select id="param-market" name="param.market">"#), "\(page)")
            #expect(page.contains(#"<option value="NL" selected>NL</option><option value="BE">BE</option>"#))
            #expect(page.contains(#"<input id="param-note" name="param.note" value="">"#))
            let refused = try await browser.post(client, "/jobs/reports/daily/run", ["param.market": "BE"], csrf: false)
            #expect(refused.status == .forbidden)
            let started = try await browser.post(client, "/jobs/reports/daily/run", ["param.market": "BE", "param.note": "hello world"])
            #expect(started.status == .seeOther)
            let location = try #require(started.headers[.location])
            #expect(location.hasPrefix("/runs/"))
            #expect(try await eventually { harness.records("reports/daily").count == 1 })
            let record = harness.records("reports/daily")[0]
            #expect(record.requestedBy == "token alice (dashboard)")
            #expect(record.params["market"] == .string("BE") && record.params["note"] == .string("hello world"))
            #expect(location == "/runs/\(record.run)")
            let runPage = try await browser.get(client, location).text
            #expect(runPage.contains("BE hello world"), "the log is on the run page: \(runPage)")
            #expect(runPage.contains("token alice (dashboard)"))
            // A value outside `allowed` is refused as the API refuses it.
            let invalid = try await browser.post(client, "/jobs/reports/daily/run", ["param.market": "FR"])
            #expect(invalid.status == .badRequest)
            #expect(invalid.text.contains("FR"))

            var viewer = try await Browser.signedIn(client, token: reader)
            let readOnly = try await viewer.get(client, "/jobs/reports/daily").text
            #expect(!readOnly.contains("Run now"))
            #expect(try await viewer.post(client, "/jobs/reports/daily/run").status == .forbidden)
        }
        #expect(harness.records("reports/daily").count == 1)
        await harness.stop()
    }

    @Test func cancelStopsARunningRunAndPauseAndResumeAreRecordedWithWhoAsked() async throws {
        let harness = try await DashboardHarness()
        let runner = try harness.token(.run, name: "carol")
        try await harness.app.test(.router) { client in
            var browser = try await Browser.signedIn(client, token: runner)
            _ = try await browser.get(client, "/jobs/slow")
            let started = try await browser.post(client, "/jobs/slow/run")
            let location = try #require(started.headers[.location])
            let running = try await browser.get(client, location).text
            #expect(running.contains("data-follow=\"\(location)/log\""), "a running run's log is followed live")
            #expect(running.contains("Cancel"))
            #expect(try await browser.post(client, location + "/cancel", csrf: false).status == .forbidden)
            let cancel = try await browser.post(client, location + "/cancel")
            #expect(cancel.status == .seeOther)
            #expect(try await eventually { harness.records("slow").count == 1 })
            #expect(harness.records("slow")[0].status == .cancelled)

            _ = try await browser.get(client, "/jobs/minutely")
            #expect(try await browser.post(client, "/jobs/minutely/pause", ["reason": "maintenance"]).status == .seeOther)
            let paused = try await browser.get(client, "/jobs/minutely").text
            #expect(paused.contains("paused by token carol (dashboard)") && paused.contains("maintenance"), "\(paused)")
            #expect(try await browser.post(client, "/jobs/minutely/resume").status == .seeOther)
            #expect(!(try await browser.get(client, "/jobs/minutely").text.contains("paused by")))
        }
        await harness.stop()
    }

    @Test func revokingATokenEndsItsDashboardSession() async throws {
        let harness = try await DashboardHarness()
        let secret = try harness.token(.read, name: "temp")
        try await harness.app.test(.router) { client in
            var browser = try await Browser.signedIn(client, token: secret)
            #expect(try await browser.get(client, "/").status == .ok)
            _ = try harness.tokens.revoke("temp")
            let after = try await browser.get(client, "/")
            #expect(after.status == .seeOther && after.headers[.location] == "/signin?next=/")
        }
        await harness.stop()
    }
}

@Suite("Dashboard notices")
struct NoticeTests {
    @Test func aLinkCanShowOnlyTheNoticesActionsLeaveNeverTextOfItsOwn() async throws {
        let harness = try await DashboardHarness(publicRead: true)
        try await harness.app.test(.router) { client in
            let known = try await client.execute(uri: "/?notice=paused", method: .get)
            #expect(known.text.contains(#"<p class="notice" role="status">Paused.</p>"#))
            let forged = try await client.execute(uri: "/?notice=Your%20token%20expired%3A%20sign%20in%20at%20evil.example", method: .get)
            #expect(!forged.text.contains("evil.example") && !forged.text.contains(#"class="notice""#))
        }
        await harness.stop()
    }
}
