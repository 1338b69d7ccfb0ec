import Foundation
import Testing
import TestSupport
@testable import Outbound

/// The one HTTP client (AsyncHTTPClient) against a real server on loopback.
@Suite struct OutboundRequestTests {
    @Test func sendsMethodHeadersAndBodyAndReadsTheAnswer() async throws {
        let server = try await RecordingHTTPServer(responses: ["/created": [(201, "made")]])
        let request = OutboundRequest(method: "put", url: server.url("/created?x=1"), headers: [("X-Token", "t1")], body: Array("hello".utf8))
        let response = try await request.perform(responseCap: 100)
        #expect(response.status == 201)
        #expect(String(decoding: response.body, as: UTF8.self) == "made")
        let seen = try #require(server.requests.first)
        #expect(seen.method == "PUT")
        #expect(seen.path == "/created?x=1")
        #expect(seen.headers["X-Token"] == "t1")
        #expect(seen.headers["Content-Type"] == "text/plain; charset=utf-8")
        #expect(seen.body == "hello")
    }

    @Test func theBodyIsCappedAndMarkedTruncated() async throws {
        let server = try await RecordingHTTPServer(responses: ["/big": [(200, String(repeating: "x", count: 10_000))]])
        let response = try await OutboundRequest(method: "GET", url: server.url("/big")).perform(responseCap: 100)
        #expect(response.body.count == 100)
        #expect(response.truncated)
    }

    @Test func aDeadlineEndsASlowAnswerWithAReasonThatNamesNoHost() async throws {
        let server = try await RecordingHTTPServer(delays: ["/slow": 30])
        do {
            _ = try await OutboundRequest(method: "GET", url: server.url("/slow?token=abc"), timeout: .milliseconds(300)).perform(responseCap: 10)
            Issue.record("answered")
        } catch {
            #expect(error.reason == "no answer in time")
            #expect(!error.reason.contains("127.0.0.1"))
            #expect(!error.message.contains("token=abc"), "the query (often a token) stays out of messages")
        }
    }

    @Test func nobodyListeningIsCouldNotConnect() async throws {
        let closed = try ClosedPort()  // bound, never listening: refused
        defer { withExtendedLifetime(closed) {} }
        do {
            _ = try await OutboundRequest(method: "GET", url: "http://127.0.0.1:\(closed.port)/").perform(responseCap: 10)
            Issue.record("answered")
        } catch {
            #expect(error.reason == "could not connect")
        }
    }

    @Test func cancellingTheTaskCancelsTheRequest() async throws {
        let server = try await RecordingHTTPServer(delays: ["/slow": 60])
        let task = Task { try await OutboundRequest(method: "GET", url: server.url("/slow")).perform(responseCap: 10) }
        #expect(try await eventually { server.requests.count == 1 })
        task.cancel()
        let result = await task.result
        #expect((try? result.get()) == nil)
        if case .failure(let error as OutboundHTTPError) = result { #expect(error.cancelled) }
    }

    @Test func onlyHTTPURLsAndMessagesWithoutSecrets() async throws {
        await #expect(throws: OutboundHTTPError.self) { try await OutboundRequest(method: "GET", url: "file:///etc/passwd").perform(responseCap: 10) }
        #expect(OutboundRequest.withoutQuery("https://user:pw@hooks.example.com/a/b?token=1#f") == "https://hooks.example.com/a/b")
    }
}
