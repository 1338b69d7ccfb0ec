import Foundation
import History
import Hummingbird
import HummingbirdTesting
import HTTPTypes
import Server
import Testing
import TestSupport

@Suite("API: events, webhooks, metrics")
struct EventEndpointTests {
    @Test func anEventRunsTheJobsWhoseFilterPassesAndRecordsTheOthersFiltered() async throws {
        let harness = try await APIHarness()
        let token = try harness.token(.run)
        try await harness.app.test(.router) { client in
            func post(_ body: String) async throws -> TestResponse {
                try await client.execute(uri: "/api/events", method: .post, headers: jsonHeaders(token), body: ByteBuffer(string: body))
            }
            let below = try await post(#"{"type": "order.created", "payload": {"amount": 999}}"#)
            #expect(below.status == .ok)
            let filtered = try #require(below.json["filtered"] as? [String])
            #expect(filtered.count == 1)
            #expect(below.json["started"] as? [String] == [])
            let decision = (below.json["decisions"] as? [[String: Any]])?.first
            #expect(decision?["outcome"] as? String == "filtered")
            #expect(decision?["job"] as? String == "orders/big")
            let records = harness.records("orders/big")
            #expect(records.map(\.status) == [.filtered])
            #expect(records.first?.run == filtered[0])
            #expect(records.first?.trigger == .event)

            let above = try await post(#"{"type": "order.created", "payload": {"amount": 1500}}"#)
            let started = try #require(above.json["started"] as? [String])
            #expect(started.count == 1)
            #expect(try await eventually { harness.records("orders/big").map(\.status) == [.filtered, .completed] })

            // Each keeps its payload, readable with a read token.
            let reader = try harness.token(.read)
            for (run, amount) in [(filtered[0], 999), (started[0], 1500)] {
                let event = try await client.execute(uri: "/api/runs/\(run)/event", method: .get, headers: jsonHeaders(reader))
                #expect(event.status == .ok)
                #expect(event.json["amount"] as? Int == amount)
            }
            let noPayload = try await client.execute(uri: "/api/runs/20260601T000000.000Z-aaaaaaaa/event", method: .get, headers: jsonHeaders(reader))
            #expect(noPayload.status == .notFound)

            let nobody = try await post(#"{"type": "nobody.listens"}"#)
            #expect(nobody.status == .ok)
            #expect((nobody.json["decisions"] as? [Any])?.isEmpty == true)

            for body in ["{", "{}", #"{"type": ""}"#, #"{"type": 3}"#, #"{"type": "x", "extra": 1}"#, #"{"type": "x", "params": [1]}"#] {
                #expect(try await post(body).status == .badRequest, "\(body)")
            }
            let read = try harness.token(.read)
            let forbidden = try await client.execute(uri: "/api/events", method: .post, headers: jsonHeaders(read), body: ByteBuffer(string: #"{"type": "order.created"}"#))
            #expect(forbidden.status == .forbidden)
            // A token limited to other jobs offers the event to none.
            let reports = try harness.token(.run, jobs: "reports/*")
            let narrowed = try await client.execute(uri: "/api/events", method: .post, headers: jsonHeaders(reports),
                                                    body: ByteBuffer(string: #"{"type": "order.created", "payload": {"amount": 5000}}"#))
            #expect((narrowed.json["decisions"] as? [Any])?.isEmpty == true)
        }
        await harness.stop()
    }

    @Test func webhooksNeedTheJobsHMACSignatureAndRunOncePerDelivery() async throws {
        let secret = "s3cr3t-webhook"
        let harness = try await APIHarness(secrets: ["JOBCTL_SECRET_WEBHOOK_ORDERS_BIG": secret])
        #expect(WebhookSignature.secretName(for: "orders/big") == "WEBHOOK_ORDERS_BIG")
        let body = Array(#"{"amount": 2500}"#.utf8)
        let signature = WebhookSignature.header(body: body, secret: secret)
        try await harness.app.test(.router) { client in
            func hook(_ uri: String, _ headers: [String: String], body: [UInt8]) async throws -> TestResponse {
                var fields: HTTPFields = [.contentType: "application/json"]
                for (name, value) in headers { fields[HTTPField.Name(name)!] = value }
                return try await client.execute(uri: uri, method: .post, headers: fields, body: ByteBuffer(bytes: body))
            }
            func github(_ uri: String = "/hooks/orders/big", signature: String?, delivery: String? = "d-1", body: [UInt8] = body) async throws -> TestResponse {
                var headers = ["X-GitHub-Event": "order.created"]
                if let signature { headers["X-Hub-Signature-256"] = signature }
                if let delivery { headers["X-GitHub-Delivery"] = delivery }
                return try await hook(uri, headers, body: body)
            }
            // One answer for every refusal: unsigned, wrong secret, tampered body, garbage, no
            // delivery id, a job without webhooks, a job that does not exist.
            let refusals = [
                try await github(signature: nil),
                try await github(signature: WebhookSignature.header(body: body, secret: "guess")),
                try await github(signature: signature, body: Array(#"{"amount": 9999}"#.utf8)),
                try await github(signature: "sha256=zz"),
                try await github(signature: signature, delivery: nil),
                try await github("/hooks/slow", signature: signature),
                try await github("/hooks/nope", signature: signature),
            ]
            #expect(refusals.map(\.status) == Array(repeating: .unauthorized, count: 7))
            #expect(Set(refusals.map(\.text)).count == 1, "an anonymous caller cannot tell an unknown job from a bad signature")
            #expect(harness.records("orders/big").isEmpty)

            let signed = try await github("/hooks/orders%2Fbig", signature: signature)
            #expect(signed.status == .ok)
            #expect(signed.json["type"] as? String == "order.created")
            #expect((signed.json["started"] as? [String])?.count == 1)
            #expect(try await eventually { harness.records("orders/big").map(\.status) == [.completed] })
            let replayed = try await github(signature: signature)
            #expect(replayed.status == .conflict && replayed.errorCode == "replayed")

            // jobctl's scheme: time and type signed with the body.
            let now = Int(Date().timeIntervalSince1970)
            func jobctl(stamp: Int, type: String = "order.created", signedType: String = "order.created") async throws -> TestResponse {
                try await hook("/hooks/orders/big", ["X-Jobctl-Event": type, "X-Jobctl-Timestamp": String(stamp),
                                                     "X-Jobctl-Signature": WebhookSignature.jobctlHeader(timestamp: stamp, type: signedType, body: body, secret: secret)], body: body)
            }
            #expect(try await jobctl(stamp: now - 3600).status == .unauthorized, "outside the window")
            #expect(try await jobctl(stamp: now, type: "refund.created").status == .unauthorized, "the type is signed")
            let fresh = try await jobctl(stamp: now)
            #expect(fresh.status == .ok && fresh.json["type"] as? String == "order.created")
            #expect(try await jobctl(stamp: now).status == .conflict, "the same delivery twice")
            #expect(try await eventually { harness.records("orders/big").count == 2 })

            let notJSON = Array("not json".utf8)
            #expect(try await github(signature: WebhookSignature.header(body: notJSON, secret: secret), delivery: "d-2", body: notJSON).status == .badRequest)
        }
        await harness.stop()
    }

    @Test func metricsCountRecordsAndShowJobStatesAndTheCommit() async throws {
        let harness = try await APIHarness()
        let token = try harness.token(.run)
        try await harness.app.test(.router) { client in
            _ = try await client.execute(uri: "/api/jobs/limited/runs", method: .post, headers: jsonHeaders(token))
            _ = try await client.execute(uri: "/api/jobs/limited/runs", method: .post, headers: jsonHeaders(token))
            // Metrics count a record once its append (with its fsync) has returned.
            var response = try await client.execute(uri: "/metrics", method: .get, headers: bearer(token))
            try await eventually {
                response = try await client.execute(uri: "/metrics", method: .get, headers: bearer(token))
                let running = await harness.scheduler.runningRuns
                return running.isEmpty && response.text.contains("jobctl_runs_total{job=\"limited\",status=\"completed\"} 1\n")
                    && response.text.contains("jobctl_runs_total{job=\"limited\",status=\"rate_limited\"} 1\n")
            }
            #expect(response.status == .ok)
            #expect(response.headers[.contentType]?.hasPrefix("text/plain; version=0.0.4") == true)
            let text = response.text
            #expect(text.contains("# TYPE jobctl_runs_total counter\n"))
            #expect(text.contains("jobctl_runs_total{job=\"limited\",status=\"completed\"} 1\n"))
            #expect(text.contains("jobctl_runs_total{job=\"limited\",status=\"rate_limited\"} 1\n"))
            #expect(text.contains("jobctl_run_duration_seconds_count 1\n"))
            #expect(text.contains("jobctl_run_duration_seconds_bucket{le=\"+Inf\"} 1\n"))
            #expect(text.contains("# TYPE jobctl_schedule_lag_seconds histogram\n"))
            #expect(text.contains("jobctl_jobs{state=\"pending\"} 4\n"))
            #expect(text.contains("jobctl_jobs{state=\"active\"} 1\n"))
            #expect(text.contains("jobctl_applied_commit_info{commit=\"0123456789abcdef\"} 1\n"))
        }
        // A new process counts what history already holds.
        let seeded = LastRuns()
        seeded.seed(from: harness.history)
        #expect(seeded.lastRecord(of: "limited") != nil)
        await harness.stop()
    }
}
