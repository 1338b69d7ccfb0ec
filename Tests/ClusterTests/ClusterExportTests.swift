import Foundation
import Testing
import History
import Scheduler
import TestSupport
@testable import Cluster

/// Each node's export of the cluster's runs to its own history files, against a real PostgreSQL
/// server: every run once, in one order for every node, none skipped for a transaction that
/// commits late, none appended twice after a lost position.
@Suite("Cluster export (PostgreSQL)")
struct ClusterExportTests {
    func decision(_ run: String, node: String) -> RunRecord {
        RunRecord(run: run, job: "backup", trigger: .schedule, status: .skipped, finishedAt: Date(), node: node)
    }

    /// A history folder that goes when the test ends, and an exporter into it.
    final class Node {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("jobctl-export-\(UUID().uuidString)").path
        var history: HistoryFolder { HistoryFolder(path: folder) }
        let database: ClusterDatabase
        init(_ database: ClusterDatabase) { self.database = database }
        deinit { try? FileManager.default.removeItem(atPath: folder) }
        func exporter() -> HistoryExporter { HistoryExporter(database: database, recorder: FileRunRecorder(folder: history), history: history) }
        func runs() throws -> [String] { try HistoryReader(folder: history).lastRecords(job: "backup", count: 100).records.map(\.run) }
    }

    @Test("Every node exports every run once, in the same order")
    func everyNodeExportsEveryRunOnce() async throws {
        try await withClusterDatabase { _, database in
            let ledgers = try await registeredLedgers(["a", "b"], database)
            let (a, b) = (ledgers[0], ledgers[1])
            let first = Node(database), second = Node(database)
            let (exportA, exportB) = (first.exporter(), second.exporter())
            // Records from both nodes, written at once, exported as they come.
            try await withThrowingTaskGroup(of: Void.self) { group in
                for index in 0..<20 {
                    group.addTask { try await (index % 2 == 0 ? a : b).append(self.decision("d\(index)", node: index % 2 == 0 ? "a" : "b")) }
                }
                group.addTask { for _ in 0..<5 { _ = try await exportA.export() } }
                try await group.waitForAll()
            }
            _ = try await exportA.export()
            #expect(try await exportB.export() == 20)
            #expect(try await exportA.export() == 0)
            #expect(try await exportB.export() == 0)
            #expect(try first.runs().count == 20)
            #expect(try first.runs() == second.runs())
        }
    }

    @Test("A run whose transaction commits late is exported after the runs before it, never skipped")
    func lateTransactionIsNotSkipped() async throws {
        try await withClusterDatabase { server, database in
            let a = try await registeredLedgers(["a"], database)[0]
            let node = Node(database)
            let exporter = node.exporter()
            // A transaction writes a final row and stays open; a later one commits meanwhile.
            let open = ClusterDatabase(url: try DatabaseURL(server.url))
            let pool = Task { await open.run() }
            defer { pool.cancel() }
            let written = Gate(), release = Gate()
            let slow = Task {
                try await open.transaction { connection in
                    try await connection.query("""
                        INSERT INTO jobctl_runs (run, job, state, node, token, started_at, finished_at, record)
                        VALUES ('early', 'backup', 'skipped', 'a', 0, now(), now(), \(self.decision("early", node: "a").jsonLine))
                        """, logger: open.logger)
                    written.open()
                    await release.wait()
                }
            }
            await written.wait()
            try await a.append(decision("late", node: "a"))
            // The later run waits while the earlier transaction is open.
            #expect(try await exporter.export() == 0)
            release.open()
            try await slow.value
            #expect(try await exporter.export() == 2)
            #expect(try node.runs() == ["early", "late"])
        }
    }

    @Test("An exporter that lost its position appends nothing twice, whatever the clocks of the records' nodes")
    func lostPositionAppendsNothingTwice() async throws {
        try await withClusterDatabase { _, database in
            let a = try await registeredLedgers(["a"], database)[0]
            let node = Node(database)
            let ids = RunIDGenerator()
            let runs = (0..<6).map { _ in ids.next(at: Date()) }
            // Records of a node whose clock runs an hour behind come after those of one on time.
            func record(_ index: Int) -> RunRecord {
                RunRecord(run: runs[index], job: "backup", trigger: .schedule, status: .skipped,
                          finishedAt: Date().addingTimeInterval(index >= 3 ? -3600 : 0), node: index >= 3 ? "b" : "a")
            }
            for index in 0..<3 { try await a.append(record(index)) }
            #expect(try await node.exporter().export() == 3)
            let saved = try Data(contentsOf: URL(fileURLWithPath: node.folder + "/.cluster-export.json"))
            for index in 3..<5 { try await a.append(record(index)) }
            #expect(try await node.exporter().export() == 2)
            // A crash between an append and the position's write: the position is older than the files.
            try saved.write(to: URL(fileURLWithPath: node.folder + "/.cluster-export.json"))
            try await a.append(record(5))
            #expect(try await node.exporter().export() == 1)
            // No position at all: the whole history is read again, and only what is missing appended.
            try FileManager.default.removeItem(atPath: node.folder + "/.cluster-export.json")
            #expect(try await node.exporter().export() == 0)
            #expect(try node.runs().sorted() == runs.sorted())
        }
    }

    @Test("Runs are exported in the order of their transactions' ids, as numbers")
    func orderIsNumeric() async throws {
        try await withClusterDatabase { _, database in
            let a = try await registeredLedgers(["a"], database)[0]
            func xid(of run: String) async throws -> UInt64 {
                var value: UInt64 = 0
                for try await text in try await database.query("SELECT final_xid::text FROM jobctl_runs WHERE run = \(run)").decode(String.self) { value = UInt64(text) ?? 0 }
                return value
            }
            try await a.append(decision("first", node: "a"))
            // Transactions until the ids have one digit more (as text, "1000" sorts before "999").
            let digits = String(try await xid(of: "first")).count
            while true {
                var current = ""
                for try await text in try await database.query("SELECT pg_current_xact_id()::text").decode(String.self) { current = text }
                if current.count > digits { break }
            }
            try await a.append(decision("second", node: "a"))
            let node = Node(database)
            #expect(try await node.exporter().export() == 2)
            #expect(try node.runs() == ["first", "second"])
        }
    }
}
