import Foundation
import Hummingbird
import HummingbirdTesting
import Server
import Testing
import TestSupport

@Suite("Dashboard pages: what is in force, what waits in git, and the calendar")
struct GitAndCalendarPageTests {
    @Test func theJobPageShowsItsFileAtTheAppliedCommitAndTheChangeThatWaitsInHead() async throws {
        let harness = try await DashboardHarness()
        let secret = try harness.token(.read)
        try harness.repo.write("jobs/reports/daily.yaml", (DashboardHarness.jobs["jobs/reports/daily.yaml"] ?? "").replacingOccurrences(of: "30 7 * * *", with: "45 9 * * *") + "\n")
        try harness.repo.commit("Move the daily report to 09:45")
        try await harness.app.test(.router) { client in
            var browser = try await Browser.signedIn(client, token: secret)
            let page = try await browser.get(client, "/jobs/reports/daily").text
            #expect(page.contains("30 7 * * *"), "the definition in force: \(page)")
            #expect(page.contains("Pending change (not applied)"))
            #expect(page.contains("45 9 * * *"), "the plan names the new schedule")
            let untouched = try await browser.get(client, "/jobs/minutely").text
            #expect(!untouched.contains("Pending change"), "another job's page has no pending change")
            let overview = try await browser.get(client, "/").text
            #expect(overview.contains("is not applied: 0 to create, 1 to update, 0 to delete"), "\(overview)")
            let plan = try await browser.get(client, "/plan").text
            #expect(plan.contains("reports/daily") && plan.contains("45 9 * * *"), "\(plan)")
        }
        await harness.stop()
    }

    @Test func theDayCalendarCountsADenseScheduleByHourAndExpandsACellToItsTimes() async throws {
        let harness = try await DashboardHarness(now: { Date(timeIntervalSince1970: 1_800_000_000) }) // 2027-01-15T08:00:00Z
        let secret = try harness.token(.read)
        try await harness.app.test(.router) { client in
            var browser = try await Browser.signedIn(client, token: secret)
            let page = try await browser.get(client, "/calendar?view=day&date=2027-01-15&zone=UTC&q=minutely").text
            // 08:00:00 is now: that fire and every later one is due, 60 an hour from 08 to 23; the hours before are past.
            #expect(page.components(separatedBy: ">60 due</a>").count - 1 == 16, "\(page)")
            #expect(!page.contains("daily"))
            let expanded = try await browser.get(client, "/calendar?view=day&date=2027-01-15&zone=UTC&q=minutely&expand=minutely@9").text
            #expect(expanded.contains("minutely, 2027-01-15 09:00 (UTC)"))
            #expect(expanded.contains("2027-01-15 09:00:00 UTC due") && expanded.contains("2027-01-15 09:59:00 UTC due"))
            let week = try await browser.get(client, "/calendar?view=week&date=2027-01-15&zone=UTC&q=minutely").text
            #expect(week.contains(">1440 due</a>"), "a whole later day: \(week)")
            #expect(try await browser.get(client, "/calendar?zone=Mars/Olympus").status == .badRequest)
        }
        await harness.stop()
    }

    @Test func theCalendarMarksAFireMovedBySpringForwardInTheJobsZone() async throws {
        // 2027-03-28: Europe/Amsterdam skips 02:00-03:00, so the 02:30 job fires at 03:00.
        let harness = try await DashboardHarness(now: { Date(timeIntervalSince1970: 1_800_000_000) })
        let secret = try harness.token(.read)
        try await harness.app.test(.router) { client in
            var browser = try await Browser.signedIn(client, token: secret)
            let page = try await browser.get(client, "/calendar?view=day&date=2027-03-28&zone=job&q=dst").text
            #expect(page.contains("Europe/Amsterdam"))
            #expect(page.contains(#"<span class="dst" title="#), "\(page)")
            #expect(page.contains("moved by DST: 2027-03-28T02:30"), "\(page)")
            let normal = try await browser.get(client, "/calendar?view=day&date=2027-03-29&zone=job&q=dst").text
            #expect(!normal.contains(#"<span class="dst" title="#))
        }
        await harness.stop()
    }
}
