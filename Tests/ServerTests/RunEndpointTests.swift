import Foundation
import History
import Hummingbird
import HummingbirdTesting
import Server
import Testing
import TestSupport

@Suite("API: triggering, reading and cancelling runs")
struct RunEndpointTests {
    @Test func triggersARunRecordedWithTriggerAPI() async throws {
        let harness = try await APIHarness()
        let token = try harness.token(.run)
        let note = "$(touch /tmp/pwned); `id` && echo 'a\"b' | cat > x; *"
        let body = try JSONSerialization.data(withJSONObject: ["params": ["market": "BE", "note": note]])
        try await harness.app.test(.router) { client in
            let response = try await client.execute(uri: "/api/jobs/reports/daily/runs", method: .post, headers: jsonHeaders(token), body: ByteBuffer(bytes: body))
            #expect(response.status == .accepted)
            let run = try #require(response.json["run"] as? String)
            #expect(response.json["runs"] as? [String] == [run])
            #expect(response.json["queued"] as? Bool == false)
            #expect(try await eventually { harness.records("reports/daily").count == 1 })
            let record = harness.records("reports/daily")[0]
            #expect(record.run == run)
            #expect(record.trigger == .api)
            #expect(record.requestedBy?.hasPrefix("token ") == true)
            #expect(record.status == .completed)
            #expect(record.params["note"] == .string(note))

            let log = try await client.execute(uri: "/api/runs/\(run)/log", method: .get, headers: bearer(token))
            #expect(log.status == .ok)
            #expect(log.text.contains("BE \(note)"))
            let read = try await client.execute(uri: "/api/runs/\(run)", method: .get, headers: bearer(token))
            #expect(read.status == .ok)
            #expect(read.json["status"] as? String == "completed")
            #expect(read.json["trigger"] as? String == "api")
            let list = try await client.execute(uri: "/api/runs?job=reports/daily", method: .get, headers: bearer(token))
            #expect((list.json["runs"] as? [[String: Any]])?.map { $0["run"] as? String } == [run])
        }
        await harness.stop()
    }

    @Test func refusalsMapToStatusCodes() async throws {
        let harness = try await APIHarness()
        let run = try harness.token(.run)
        let read = try harness.token(.read)
        let reports = try harness.token(.run, jobs: "reports/*")
        try await harness.app.test(.router) { client in
            func post(_ uri: String, _ body: String = "{}", token: String = run) async throws -> TestResponse {
                try await client.execute(uri: uri, method: .post, headers: jsonHeaders(token), body: ByteBuffer(string: body))
            }
            // 403: scope and glob.
            #expect(try await post("/api/jobs/reports/daily/runs", token: read).status == .forbidden)
            #expect(try await post("/api/jobs/slow/runs", token: reports).status == .forbidden)
            // 404 unknown job.
            let unknown = try await post("/api/jobs/nope/runs")
            #expect(unknown.status == .notFound)
            #expect(unknown.errorCode == "not_found")
            // 400: malformed JSON, wrong shapes, invalid parameters.
            for body in ["{", "[1]", "\"x\"", "{\"params\": 3}", "{\"other\": 1}", "{\"params\": {\"market\": [1]}}"] {
                let bad = try await post("/api/jobs/reports/daily/runs", body)
                #expect(bad.status == .badRequest, "\(body)")
            }
            #expect(try await post("/api/jobs/reports/daily/runs", "{").errorCode == "malformed_json")
            let invalid = try await post("/api/jobs/reports/daily/runs", "{\"params\": {\"market\": \"FR\"}}")
            #expect(invalid.status == .badRequest)
            #expect(invalid.errorCode == "invalid_params")
            #expect(invalid.errorMessage?.contains("not one of the allowed values (NL, BE, DE)") == true)
            #expect(try await post("/api/jobs/reports/daily/runs", "{\"params\": {\"colour\": \"red\"}}").errorCode == "invalid_params")
            // 413 over 1 MiB.
            let huge = "{\"params\": {\"note\": \"" + String(repeating: "x", count: 1 << 20) + "\"}}"
            let tooLarge = try await post("/api/jobs/reports/daily/runs", huge)
            #expect(tooLarge.status == .contentTooLarge)
            #expect(tooLarge.errorCode == "too_large")
            // 409: concurrency skip names the run in progress.
            let first = try await post("/api/jobs/slow/runs")
            #expect(first.status == .accepted)
            let running = try #require(first.json["run"] as? String)
            let second = try await post("/api/jobs/slow/runs")
            #expect(second.status == .conflict)
            #expect(second.errorCode == "concurrency")
            #expect((second.json["error"] as? [String: Any])?["runInProgress"] as? String == running)
            // 429: rate limit.
            #expect(try await post("/api/jobs/limited/runs").status == .accepted)
            let limited = try await post("/api/jobs/limited/runs")
            #expect(limited.status == .tooManyRequests)
            #expect(limited.errorCode == "rate_limited")
            #expect(try await eventually { harness.records("limited").map(\.status).sorted() == [.completed, .rateLimited] })
            // Wrong method on a known path.
            let wrongMethod = try await client.execute(uri: "/api/events", method: .get, headers: bearer(run))
            #expect(wrongMethod.status == .methodNotAllowed)
            #expect(wrongMethod.errorCode == "method_not_allowed")
            #expect(wrongMethod.headers[.allow] == "POST")
            let delete = try await client.execute(uri: "/api/runs/20260101T000000.000Z-abcdefgh", method: .delete, headers: bearer(run))
            #expect(delete.status == .methodNotAllowed)
            #expect(delete.headers[.allow] == "GET")
        }
        await harness.stop()
    }

    @Test func cancelTearsTheRunDownAndRecordsIt() async throws {
        let harness = try await APIHarness()
        let run = try harness.token(.run)
        let read = try harness.token(.read)
        try await harness.app.test(.router) { client in
            let started = try await client.execute(uri: "/api/jobs/slow/runs", method: .post, headers: jsonHeaders(run))
            let id = try #require(started.json["run"] as? String)
            let inProgress = try await client.execute(uri: "/api/runs/\(id)", method: .get, headers: bearer(read))
            #expect(inProgress.json["status"] as? String == "running")
            let listed = try await client.execute(uri: "/api/runs", method: .get, headers: bearer(read))
            #expect((listed.json["inProgress"] as? [[String: Any]])?.map { $0["run"] as? String } == [id])
            #expect(try await client.execute(uri: "/api/runs/\(id)/cancel", method: .post, headers: bearer(read)).status == .forbidden)
            let cancel = try await client.execute(uri: "/api/runs/\(id)/cancel", method: .post, headers: bearer(run))
            #expect(cancel.status == .accepted)
            #expect(cancel.json["status"] as? String == "cancelling")
            #expect(try await eventually { harness.records("slow").map(\.status) == [.cancelled] })
            #expect(harness.records("slow")[0].warnings.contains { $0.hasPrefix("cancelled by token ") }, "who cancelled it is recorded")
            let again = try await client.execute(uri: "/api/runs/\(id)/cancel", method: .post, headers: bearer(run))
            #expect(again.status == .conflict)
            #expect(again.errorCode == "not_running")
            let unknown = try await client.execute(uri: "/api/runs/20260101T000000.000Z-abcdefgh/cancel", method: .post, headers: bearer(run))
            #expect(unknown.status == .notFound)
            let garbage = try await client.execute(uri: "/api/runs/..%2F..%2Fetc/log", method: .get, headers: bearer(read))
            #expect(garbage.status == .notFound)
            let record = try await client.execute(uri: "/api/runs/\(id)", method: .get, headers: bearer(read))
            #expect(record.json["status"] as? String == "cancelled")
        }
        await harness.stop()
    }

    @Test func listsRunsWithFiltersAndPaging() async throws {
        let harness = try await APIHarness()
        let run = try harness.token(.run)
        try await harness.app.test(.router) { client in
            var ids: [String] = []
            for market in ["NL", "BE", "DE"] {
                let body = ByteBuffer(string: "{\"params\": {\"market\": \"\(market)\"}}")
                let response = try await client.execute(uri: "/api/jobs/reports%2Fdaily/runs", method: .post, headers: jsonHeaders(run), body: body)
                ids.append(try #require(response.json["run"] as? String))
                let count = ids.count
                // The record is appended just before the run leaves the in-progress set (concurrency: skip).
                #expect(try await eventually {
                    let idle = await harness.scheduler.runningRuns.isEmpty
                    return idle && harness.records("reports/daily").count == count
                })
            }
            let page = try await client.execute(uri: "/api/runs?limit=2", method: .get, headers: bearer(run))
            #expect((page.json["runs"] as? [[String: Any]])?.map { $0["run"] as? String } == [ids[2], ids[1]])
            #expect(page.json["next"] as? Int == 2)
            let rest = try await client.execute(uri: "/api/runs?limit=2&start=2", method: .get, headers: bearer(run))
            #expect((rest.json["runs"] as? [[String: Any]])?.map { $0["run"] as? String } == [ids[0]])
            #expect(rest.json["next"] == nil)
            let empty = try await client.execute(uri: "/api/runs?job=&since=&status=", method: .get, headers: bearer(run))
            #expect((empty.json["runs"] as? [[String: Any]])?.count == 3)
            let failed = try await client.execute(uri: "/api/runs?status=failed,timed_out", method: .get, headers: bearer(run))
            #expect((failed.json["runs"] as? [[String: Any]])?.isEmpty == true)
            let future = try await client.execute(uri: "/api/runs?since=2999-01-01T00:00:00Z", method: .get, headers: bearer(run))
            #expect((future.json["runs"] as? [[String: Any]])?.isEmpty == true)
            for query in ["status=running", "status=nope", "since=yesterday", "job=Bad!", "limit=5000"] {
                let bad = try await client.execute(uri: "/api/runs?\(query)", method: .get, headers: bearer(run))
                #expect(bad.status == .badRequest, "\(query)")
            }
            let scoped = try harness.token(.read, jobs: "orders/*")
            let hidden = try await client.execute(uri: "/api/runs", method: .get, headers: bearer(scoped))
            #expect((hidden.json["runs"] as? [[String: Any]])?.isEmpty == true)
            #expect(try await client.execute(uri: "/api/runs?job=reports/daily", method: .get, headers: bearer(scoped)).status == .forbidden)
            #expect(try await client.execute(uri: "/api/runs/\(ids[0])", method: .get, headers: bearer(scoped)).status == .forbidden)
            #expect(try await client.execute(uri: "/api/runs/\(ids[0])/log", method: .get, headers: bearer(scoped)).status == .forbidden)
        }
        await harness.stop()
    }
}
