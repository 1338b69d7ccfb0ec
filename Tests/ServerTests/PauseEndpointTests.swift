import Foundation
import History
import Hummingbird
import HummingbirdTesting
import Server
import Testing
import TestSupport

@Suite("API: pausing and resuming a job")
struct PauseEndpointTests {
    @Test func aRunTokenPausesAndResumesAndTheJobShowsWhoAndWhy() async throws {
        let harness = try await APIHarness()
        let created = try harness.tokens.create(scope: .run, jobs: nil, name: "oncall")
        let reader = try harness.token(.read)
        try await harness.app.test(.router) { client in
            let body = #"{"until": "2030-01-01T00:00:00Z", "reason": "warehouse incident"}"#
            #expect(try await client.execute(uri: "/api/jobs/nightly/pause", method: .post, headers: jsonHeaders(reader), body: ByteBuffer(string: body)).status == .forbidden)
            let paused = try await client.execute(uri: "/api/jobs/nightly/pause", method: .post, headers: jsonHeaders(created.secret), body: ByteBuffer(string: body))
            #expect(paused.status == .ok)
            #expect(paused.json["paused"] as? Bool == true)
            let job = try await client.execute(uri: "/api/jobs/nightly", method: .get, headers: bearer(reader))
            let view = try #require(job.json["job"] as? [String: Any])
            #expect(view["state"] as? String == "paused")
            #expect(view["nextFire"] == nil)
            let pause = try #require(view["pause"] as? [String: Any])
            #expect(pause["by"] as? String == "token oncall" && pause["reason"] as? String == "warehouse incident")
            #expect(pause["until"] as? String == "2030-01-01T00:00:00.000Z")
            let bad = try await client.execute(uri: "/api/jobs/nightly/pause", method: .post, headers: jsonHeaders(created.secret), body: ByteBuffer(string: #"{"until": "tomorrow"}"#))
            #expect(bad.status == .badRequest)
            #expect(try await client.execute(uri: "/api/jobs/nope/pause", method: .post, headers: jsonHeaders(created.secret)).status == .notFound)
            let resumed = try await client.execute(uri: "/api/jobs/nightly/resume", method: .post, headers: jsonHeaders(created.secret))
            #expect(resumed.status == .ok && resumed.json["paused"] as? Bool == false)
            let after = try await client.execute(uri: "/api/jobs/nightly", method: .get, headers: bearer(reader))
            #expect((after.json["job"] as? [String: Any])?["state"] as? String != "paused")
        }
        await harness.stop()
    }
}
