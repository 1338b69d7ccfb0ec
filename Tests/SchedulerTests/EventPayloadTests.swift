import Definitions
import Execution
import Expressions
import Foundation
import History
import Scheduler
import Testing
import TestSupport

@Suite("Event payloads are kept in the job's event log, redacted and capped")
struct EventPayloadTests {
    static let job = """
        on: {events: [order.paid]}
        filter: event.amount > 100
        concurrency: allow
        steps:
          - http:
              url: "http://127.0.0.1:9/hook"
              headers: {Authorization: "Bearer ${secrets.SHOP_TOKEN}"}
            if: false
        """

    @Test func aRunAndAFilteredEventEachKeepTheirPayloadWithTheJobsSecretsRedacted() async throws {
        let harness = try await SchedulerHarness(jobs: ["jobs/orders.yaml": Self.job], start: "2026-06-01T00:00:00Z",
                                                 secrets: SecretStore(environment: ["JOBCTL_SECRET_SHOP_TOKEN": "tok-9f8e7d"], file: nil))
        let small: Value = ["amount": 5, "customer": "A \"quoted\" co", "echo": "key tok-9f8e7d leaked"]
        let large: Value = ["amount": 500, "customer": "B", "nested": ["tok-9f8e7d": ["tok-9f8e7d"]]]
        _ = await harness.scheduler.dispatchEvent(type: "order.paid", payload: small)
        _ = await harness.scheduler.dispatchEvent(type: "order.paid", payload: large)
        let records = try await harness.waitForRecords("orders", count: 2)
        let filtered = try #require(records.first { $0.status == .filtered })
        let ran = try #require(records.first { $0.status == .completed })
        for record in [filtered, ran] {
            #expect(record.event == "history/orders/.events.jsonl")
        }
        // One file for both, a line each; no file per event.
        let log = try String(contentsOfFile: harness.root.path + "/history/orders/.events.jsonl", encoding: .utf8)
        #expect(log.split(separator: "\n").count == 2)
        #expect(!log.contains("tok-9f8e7d"))
        #expect(log.contains("***"))
        #expect(try FileManager.default.contentsOfDirectory(atPath: harness.root.path + "/history/orders").filter { $0.hasSuffix(".event.json") }.isEmpty)
        let events = EventLog(folder: HistoryFolder(root: harness.root.path))
        let kept = try Value(parsingJSON: #require(try events.payload(job: "orders", run: filtered.run)))
        #expect(kept == ["amount": 5, "customer": "A \"quoted\" co", "echo": "key *** leaked"])
        let keptRun = try Value(parsingJSON: #require(try events.payload(job: "orders", run: ran.run)))
        #expect(keptRun == ["amount": 500, "customer": "B", "nested": ["***": ["***"]]])
        await harness.stop()
    }

    @Test func aManualRunKeepsNoPayload() async throws {
        let harness = try await SchedulerHarness(jobs: ["jobs/plain.yaml": "steps:\n  - run: [\"true\"]\n"], start: "2026-06-01T00:00:00Z")
        _ = try await harness.scheduler.trigger("plain", trigger: .manual)
        let records = try await harness.waitForRecords("plain", count: 1)
        #expect(records[0].event == nil)
        #expect(!FileManager.default.fileExists(atPath: harness.root.path + "/history/plain/.events.jsonl"))
        await harness.stop()
    }

    @Test func aPayloadOver64KiBIsKeptAsATruncatedPrefix() throws {
        let set = DefinitionLoader.load(config: nil, jobFiles: [SourceFile(path: "jobs/orders.yaml", bytes: Array(Self.job.utf8))])
        let job = try #require(set.jobs["orders"])
        let big: Value = ["blob": .string(String(repeating: "x\"", count: 50_000))]
        let bytes = EventPayload.contents(big, job: job, secrets: SecretStore(environment: [:], file: nil))
        #expect(bytes.count <= EventPayload.limit + 1)
        let kept = try Value(parsingJSON: bytes)
        #expect(kept["truncated"] == true)
        #expect(kept["bytes"] == Value.number(Double(big.description.utf8.count)))
        #expect(kept["prefix"].string?.hasPrefix("{\"blob\": \"x\\\"x") == true)
    }
}
