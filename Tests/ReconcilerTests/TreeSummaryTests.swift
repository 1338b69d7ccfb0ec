import Definitions
@testable import Reconciler
import Testing

@Suite("Tree summaries: the cached index of a jobs tree")
struct TreeSummaryTests {
    private func summary(_ entries: [String: TreeSummary.Entry]) -> TreeSummary {
        var summary = TreeSummary()
        for (path, entry) in entries { summary[path] = entry }
        return summary
    }

    private let needsA = TreeSummary.Entry(kind: .validJob, needs: ["a"], needsPositions: ["a": .init(line: 4, column: 9)])

    @Test func roundTripsAndLooksUpWithoutDecodingEverything() throws {
        let written = summary([
            "jobs/b.yaml": needsA,
            "jobs/a.yaml": .init(kind: .validJob),
            "jobs/x/é.yaml": .init(kind: .invalidJob),
            "jobs/notes.md": .init(kind: .otherFile),
            "jobs/link.yaml": .init(kind: .symlink),
        ])
        let bytes = written.serialized()
        #expect(String(decoding: bytes, as: UTF8.self) == """
        jobctl-tree-summary 2 valid
        J\tjobs/a.yaml
        J\tjobs/b.yaml\ta@4:9
        L\tjobs/link.yaml
        O\tjobs/notes.md
        X\tjobs/x/é.yaml

        """)
        let read = try #require(TreeSummary(serialized: bytes))
        #expect(read["jobs/b.yaml"] == needsA)
        #expect(read["jobs/x/é.yaml"]?.kind == .invalidJob)
        #expect(read["jobs/missing.yaml"] == nil)
        #expect(read.jobCount == 3)
        var ignored: [String] = []
        read.forEach(kinds: [.otherFile, .symlink]) { path, _ in ignored.append(path) }
        #expect(ignored.sorted() == ["jobs/link.yaml", "jobs/notes.md"])
        #expect(TreeSummary(serialized: Array("jobctl-tree-summary 1\n".utf8)) == nil)
    }

    @Test func changesOnTopOfAStoredSummaryMergeInPathOrder() throws {
        var read = try #require(TreeSummary(serialized: summary([
            "jobs/a.yaml": .init(kind: .validJob),
            "jobs/c.yaml": .init(kind: .validJob),
            "jobs/e.yaml": .init(kind: .validJob),
        ]).serialized()))
        read["jobs/c.yaml"] = nil
        read["jobs/a.yaml"] = needsA
        read["jobs/b.yaml"] = .init(kind: .invalidJob)
        read["jobs/f.yaml"] = .init(kind: .otherFile)
        read.crossFileValid = false
        #expect(read.jobCount == 3)
        #expect(read.paths.sorted() == ["jobs/a.yaml", "jobs/b.yaml", "jobs/e.yaml", "jobs/f.yaml"])
        #expect(String(decoding: read.serialized(), as: UTF8.self) == """
        jobctl-tree-summary 2 cross-file-errors
        J\tjobs/a.yaml\ta@4:9
        X\tjobs/b.yaml
        J\tjobs/e.yaml
        O\tjobs/f.yaml

        """)
    }
}
