import Foundation
import Hummingbird
import HummingbirdTesting
import Schedules
import Server
import Testing

@Suite("API: health, auth, jobs, fire times, OpenAPI")
struct JobEndpointTests {
    @Test func healthNeedsNoToken() async throws {
        let harness = try await APIHarness()
        try await harness.app.test(.router) { client in
            let response = try await client.execute(uri: "/healthz", method: .get)
            #expect(response.status == .ok)
            #expect(response.json["status"] as? String == "ok")
            #expect(response.json["commit"] as? String == "0123456789abcdef")
            #expect(response.json["jobs"] as? Int == 5)
        }
        await harness.stop()
    }

    @Test func missingOrBadTokenIs401WithAnErrorBody() async throws {
        let harness = try await APIHarness()
        _ = try harness.token(.admin)
        try await harness.app.test(.router) { client in
            let none = try await client.execute(uri: "/api/jobs", method: .get)
            #expect(none.status == .unauthorized)
            #expect(none.errorCode == "unauthorized")
            #expect(none.headers[.wwwAuthenticate] == "Bearer realm=\"jobctl\"")
            #expect(none.headers[.contentType] == "application/json")
            let bad = try await client.execute(uri: "/api/jobs", method: .get, headers: bearer("jct_not-a-token"))
            #expect(bad.status == .unauthorized)
            let basic = try await client.execute(uri: "/api/jobs", method: .get, headers: [.authorization: "Basic dXNlcjpwYXNz"])
            #expect(basic.status == .unauthorized)
            let metrics = try await client.execute(uri: "/metrics", method: .get)
            #expect(metrics.status == .unauthorized)
        }
        await harness.stop()
    }

    @Test func listsJobsWithSearchSortAndPaging() async throws {
        let harness = try await APIHarness()
        let token = try harness.token(.read)
        try await harness.app.test(.router) { client in
            let all = try await client.execute(uri: "/api/jobs?sort=id", method: .get, headers: bearer(token))
            #expect(all.status == .ok)
            let jobs = all.json["jobs"] as? [[String: Any]] ?? []
            #expect(jobs.map { $0["id"] as? String } == ["limited", "nightly", "orders/big", "reports/daily", "slow"])
            #expect(all.json["total"] as? Int == 5)
            #expect(jobs.first { $0["id"] as? String == "nightly" }?["state"] as? String == "pending")
            #expect((jobs.first { $0["id"] as? String == "nightly" }?["schedule"] as? [String: Any])?["timezone"] as? String == "Europe/Amsterdam")

            let page = try await client.execute(uri: "/api/jobs?sort=-id&limit=2&start=1", method: .get, headers: bearer(token))
            #expect((page.json["jobs"] as? [[String: Any]] ?? []).map { $0["id"] as? String } == ["reports/daily", "orders/big"])
            #expect(page.json["total"] as? Int == 5)

            let search = try await client.execute(uri: "/api/jobs?q=REVENUE", method: .get, headers: bearer(token))
            #expect((search.json["jobs"] as? [[String: Any]] ?? []).map { $0["id"] as? String } == ["reports/daily"])

            for query in ["limit=0", "limit=x", "start=-1", "sort=color"] {
                let bad = try await client.execute(uri: "/api/jobs?\(query)", method: .get, headers: bearer(token))
                #expect(bad.status == .badRequest, "\(query)")
                #expect(bad.errorCode == "invalid_query")
            }
        }
        await harness.stop()
    }

    @Test func aJobGlobNarrowsTheListAndForbidsOtherJobs() async throws {
        let harness = try await APIHarness()
        let token = try harness.token(.read, jobs: "reports/*")
        try await harness.app.test(.router) { client in
            let list = try await client.execute(uri: "/api/jobs", method: .get, headers: bearer(token))
            #expect((list.json["jobs"] as? [[String: Any]] ?? []).map { $0["id"] as? String } == ["reports/daily"])
            let other = try await client.execute(uri: "/api/jobs/slow", method: .get, headers: bearer(token))
            #expect(other.status == .forbidden)
            #expect(other.errorCode == "forbidden")
            let own = try await client.execute(uri: "/api/jobs/reports/daily", method: .get, headers: bearer(token))
            #expect(own.status == .ok)
        }
        await harness.stop()
    }

    @Test func readsAJobByPlainOrPercentEncodedID() async throws {
        let harness = try await APIHarness()
        let token = try harness.token(.read)
        try await harness.app.test(.router) { client in
            for uri in ["/api/jobs/reports/daily", "/api/jobs/reports%2Fdaily", "/api/jobs/reports%2fdaily"] {
                let response = try await client.execute(uri: uri, method: .get, headers: bearer(token))
                #expect(response.status == .ok, "\(uri)")
                let job = response.json["job"] as? [String: Any]
                #expect(job?["id"] as? String == "reports/daily")
                #expect(job?["name"] as? String == "Daily report")
                let definition = response.json["definition"] as? [String: Any]
                #expect(definition?["file"] as? String == "jobs/reports/daily.yaml")
                let params = definition?["params"] as? [[String: Any]] ?? []
                #expect(params.map { $0["name"] as? String } == ["market", "note"])
                #expect(params.first?["default"] as? String == "NL")
            }
            let nightly = try await client.execute(uri: "/api/jobs/nightly", method: .get, headers: bearer(token))
            #expect((nightly.json["nextFires"] as? [[String: Any]])?.count == 5)
            #expect((nightly.json["job"] as? [String: Any])?["nextFire"] is String)
            for uri in ["/api/jobs/nope", "/api/jobs/Bad%20Id", "/api/jobs/%ZZ", "/api/jobs/reports"] {
                let missing = try await client.execute(uri: uri, method: .get, headers: bearer(token))
                #expect(missing.status == .notFound || missing.status == .badRequest, "\(uri)")
                #expect(missing.errorCode != nil)
            }
            let unknownRoute = try await client.execute(uri: "/api/nothing-here", method: .get, headers: bearer(token))
            #expect(unknownRoute.status == .notFound)
            #expect(unknownRoute.errorCode == "not_found")
        }
        await harness.stop()
    }

    @Test func fireTimesMatchTheCLIEngineAndJSON() async throws {
        let harness = try await APIHarness()
        let token = try harness.token(.read)
        let zone = TimeZone(identifier: "America/New_York")!
        let schedule = JobSchedule(kind: .cron(try CronExpression("30 2 * * *")), zone: zone, start: nil, end: nil, jitter: nil, jitterKey: "")
        let from = try LocalDateTime("2026-03-07").resolve(in: zone)
        let expected = FireTimePreview(fires: schedule.fires(after: from, count: 3), zone: zone, now: Date()).items
        try await harness.app.test(.router) { client in
            let response = try await client.execute(uri: "/api/fire-times?cron=30%202%20*%20*%20*&timezone=America/New_York&from=2026-03-07&count=3",
                                                    method: .get, headers: bearer(token))
            #expect(response.status == .ok)
            #expect(try JSONDecoder().decode([FireTimeItem].self, from: Data(response.text.utf8)) == expected)
            #expect(response.text.contains(#""dst":{"from":"2026-03-08T02:30:00","kind":"moved"}"#))
            // Form encoding: + is a space; an empty value is no value.
            let plus = try await client.execute(uri: "/api/fire-times?cron=30+2+*+*+*&timezone=America%2FNew_York&from=2026-03-07&count=3&until=",
                                                method: .get, headers: bearer(token))
            #expect(try JSONDecoder().decode([FireTimeItem].self, from: Data(plus.text.utf8)) == expected)

            let job = try await client.execute(uri: "/api/jobs/nightly/fire-times?from=2026-10-24&count=2", method: .get, headers: bearer(token))
            #expect(job.status == .ok)
            let items = (try? JSONSerialization.jsonObject(with: Data(job.text.utf8))) as? [[String: Any]] ?? []
            #expect(items.map { $0["scheduledFor"] as? String } == ["2026-10-24T02:30:00+02:00", "2026-10-25T02:30:00+02:00"])

            let noSchedule = try await client.execute(uri: "/api/jobs/slow/fire-times", method: .get, headers: bearer(token))
            #expect(noSchedule.status == .notFound)
            for query in ["cron=61%20*%20*%20*%20*", "", "cron=*%20*%20*%20*%20*&every=1h", "cron=@daily&timezone=Mars/Base", "cron=@daily&count=5000", "every=0s", "at=2026-13-01"] {
                let bad = try await client.execute(uri: "/api/fire-times?\(query)", method: .get, headers: bearer(token))
                #expect(bad.status == .badRequest, "\(query)")
                #expect(bad.errorCode == "invalid_query")
            }
            let badColumn = try await client.execute(uri: "/api/fire-times?cron=0%2061%20*%20*%20*", method: .get, headers: bearer(token))
            #expect(badColumn.errorMessage?.hasPrefix("cron \"0 61 * * *\": column 3:") == true)
        }
        await harness.stop()
    }

    @Test func servesTheOpenAPIDocumentKeptInTheRepository() async throws {
        let harness = try await APIHarness()
        let file = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("Sources/Server/Resources/openapi.yaml")
        let source = try String(contentsOf: file, encoding: .utf8)
        try await harness.app.test(.router) { client in
            let response = try await client.execute(uri: "/api/openapi.yaml", method: .get)
            #expect(response.status == .ok)
            #expect(response.headers[.contentType] == "application/yaml")
            #expect(response.text == source)
            #expect(response.text.hasPrefix("openapi: 3.1.0"))
        }
        await harness.stop()
    }
}
