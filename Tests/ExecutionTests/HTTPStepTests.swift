import Foundation
import Testing
import Definitions
import TestSupport
@testable import Execution
#if canImport(Glibc)
import Glibc
#endif

/// The loopback server of these tests: echoes each request; `/fail` answers 500, `/slow` after 30 s.
func echoServer() async throws -> RecordingHTTPServer {
    try await RecordingHTTPServer(responses: ["/fail": [(500, "{echo}")]], delays: ["/slow": 30], echo: true)
}

@Suite("http steps and http agents, against a real loopback server")
struct HTTPStepTests {
    @Test("an http step sends the rendered request; a 2xx body is its output; non-2xx fails it")
    func httpStep() async throws {
        let server = try await echoServer()
        let fixture = try Fixture(job: #"""
            params:
              market: {default: NL}
            steps:
              - name: post
                http:
                  url: "http://127.0.0.1:\#(server.port)/echo?market={{params.market}}"
                  headers: {X-Token: "${secrets.TOKEN}"}
                  body: "report for {{params.market}}"
              - name: get
                http: {url: "http://127.0.0.1:\#(server.port)/fail"}
              - name: never
                run: [echo, never]
            """#)
        let store = SecretStore(environment: ["JOBCTL_SECRET_TOKEN": "tok-123"], file: nil)
        let outcome = await RunExecutor().execute(fixture.request(parameters: ["market": .string("BE")], secrets: store))
        #expect(outcome.steps.map(\.status) == [.completed, .failed, .skipped])
        #expect(outcome.steps[0].output == "POST /echo?market=BE token=*** body=report for BE")
        #expect(outcome.error == "step 'get': GET http://127.0.0.1:\(server.port)/fail answered 500: GET /fail token=None body=")
    }

    @Test("a json: body and a URL's query carry any value safely: quotes, braces and & cannot break out")
    func jsonBodyAndQueryEscaping() async throws {
        let server = try await echoServer()
        let fixture = try Fixture(job: #"""
            params:
              customer: {default: x}
            steps:
              - name: post
                http:
                  url: "http://127.0.0.1:\#(server.port)/hook?customer={{params.customer}}&fixed=1"
                  json:
                    customer: "{{params.customer}}"
                    nested: {note: "for {{params.customer}}", list: ["{{params.customer}}", 3, true]}
            """#)
        let hostile = #"A "quoted" co", "admin": true, "x": "& y=1 {}"#
        let outcome = await RunExecutor().execute(fixture.request(parameters: ["customer": .string(hostile)]))
        #expect(outcome.status == .completed, "\(outcome.error ?? "")")
        let output = try #require(outcome.steps.first?.output)
        let line = try #require(output.split(separator: " ", maxSplits: 3).map(String.init) as [String]?)
        #expect(line[0] == "POST")
        let path = line[1]
        let query = try #require(URLComponents(string: "http://h" + path)?.queryItems)
        #expect(query == [URLQueryItem(name: "customer", value: hostile), URLQueryItem(name: "fixed", value: "1")], "\(path)")
        let body = try #require(output.range(of: "body=").map { String(output[$0.upperBound...]) })
        let sent = try #require(try JSONSerialization.jsonObject(with: Data(body.utf8)) as? [String: Any])
        #expect(Set(sent.keys) == ["customer", "nested"], "no field smuggled in: \(body)")
        #expect(sent["customer"] as? String == hostile)
        let nested = try #require(sent["nested"] as? [String: Any])
        #expect(nested["note"] as? String == "for " + hostile)
        #expect((nested["list"] as? [Any])?.first as? String == hostile)
    }

    @Test("an http step times out and is cancelled")
    func httpTimeout() async throws {
        let server = try await echoServer()
        let fixture = try Fixture(job: #"""
            steps:
              - name: slow
                timeout: 1s
                http: {url: "http://127.0.0.1:\#(server.port)/slow"}
            """#)
        let outcome = await RunExecutor().execute(fixture.request())
        #expect(outcome.status == .timedOut)
        #expect(outcome.error == "step 'slow': timed out after 1s; the request to http://127.0.0.1:\(server.port)/slow was cancelled")
    }

    @Test("an http agent gets the prompt as the body; the response is the report")
    func httpAgent() async throws {
        let server = try await echoServer()
        let fixture = try Fixture(
            job: #"""
                steps:
                  - name: ask
                    agent: remote
                    prompt: "summarise {{job.id}}"
                """#,
            config: #"""
                agents:
                  remote:
                    http: {url: "http://127.0.0.1:\#(server.port)/agent", method: POST}
                """#)
        let outcome = await RunExecutor().execute(fixture.request())
        #expect(outcome.status == .completed, "\(outcome.error ?? "")")
        #expect(outcome.report == "POST /agent token=None body=summarise test-job")
    }

    @Test("a connection that is refused fails the step with a clear error")
    func connectionRefused() async throws {
        let fixture = try Fixture(job: #"""
            steps:
              - name: post
                http: {url: "http://127.0.0.1:9/nothing?token=abc"}
            """#)
        let outcome = await RunExecutor().execute(fixture.request())
        #expect(outcome.status == .failed)
        #expect(outcome.error?.hasPrefix("step 'post': GET http://127.0.0.1:9/nothing failed: ") == true)
    }
}
