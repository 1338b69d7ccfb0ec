import Foundation
import GitStore
import History
import Scheduler
import Testing
import TestSupport

@Suite("Publishing history to a git branch: append-only segments, nothing lost or doubled")
struct HistoryPublisherTests {
    /// A repository (the root's), its history folder and a recorder that appends to it.
    struct Setup {
        let repo: TemporaryGitRepository
        let history: HistoryFolder
        let recorder: FileRunRecorder
        var count = 0

        init() throws {
            repo = try TemporaryGitRepository(files: ["jobs/a.yaml": "steps:\n  - run: echo\n"])
            history = HistoryFolder(root: repo.path)
            recorder = FileRunRecorder(folder: history, durability: .unsynced)
        }

        mutating func record(_ job: String, _ n: Int, padding: Int = 0) throws {
            for _ in 0..<n {
                count += 1
                try recorder.append(RunRecord(run: String(format: "20261201T000000.000Z-%08d", count), job: job, trigger: .manual, status: .completed,
                                              finishedAt: Date(timeIntervalSince1970: 1_796_000_000 + Double(count)),
                                              error: padding > 0 ? String(repeating: "x", count: padding) : nil))
            }
        }

        func local(_ job: String) -> String {
            (try? String(contentsOfFile: history.file(forJob: job), encoding: .utf8)) ?? ""
        }

        /// The job's segments at `revision`, concatenated.
        func published(_ job: String, at revision: String = "jobctl/history", in path: String? = nil) throws -> String {
            let repository = try GitRepository(path: path ?? repo.path)
            let commit = try repository.resolveCommit(revision)
            let parts = try HistoryBranch.segments(in: repository, commit: commit)[job] ?? []
            return try parts.map { String(decoding: try repository.blob(#require($0.blob)), as: UTF8.self) }.joined()
        }

        func publisher(_ destination: HistoryPublisher.Destination = .local, repository path: String? = nil) throws -> HistoryPublisher {
            HistoryPublisher(repository: try GitRepository(path: path ?? repo.path), history: history, branch: "jobctl/history", destination: destination)
        }
    }

    @Test func publishesOnlyWhatIsNewAndARestartedPublisherDoublesNothing() throws {
        var setup = try Setup()
        try setup.record("a", 3)
        try setup.record("reports/b", 2)
        let first = try setup.publisher().publish()
        #expect(first.records == 5 && first.jobs == 2 && first.segments == 2)
        #expect(try setup.published("a") == setup.local("a"))
        #expect(try setup.published("reports/b") == setup.local("reports/b"))

        try setup.record("a", 2)
        let publisher = try setup.publisher()
        let second = try publisher.publish()
        #expect(second.records == 2 && second.jobs == 1)
        #expect(try setup.published("a") == setup.local("a"))
        #expect(try publisher.publish().commit == nil, "nothing new, no commit")

        // A new publisher (a restarted daemon) reads where the branch stands from the branch.
        try setup.record("a", 1)
        #expect(try setup.publisher().publish().records == 1)
        #expect(try setup.published("a") == setup.local("a"))
        #expect(try setup.repo.git("log", "--format=%s", "jobctl/history").split(separator: "\n").count == 3)
        // Each commit's parent is the last one: the branch only grows.
        #expect(try setup.repo.git("rev-list", "--count", "jobctl/history") == "3")
    }

    @Test func aFullSegmentIsClosedAndANewOneStarted() throws {
        var setup = try Setup()
        // ~2.2 MiB of records: more than one 2 MiB segment.
        try setup.record("a", 1_100, padding: 2_000)
        let outcome = try setup.publisher().publish()
        #expect(outcome.segments == 2)
        let repository = try GitRepository(path: setup.repo.path)
        let parts = try HistoryBranch.segments(in: repository, commit: try repository.resolveCommit("jobctl/history"))["a"] ?? []
        #expect(parts.map(\.number) == [1, 2])
        // The closed one is named with its record count and its last record's time.
        let closedRecords = try #require(parts[0].records)
        #expect(parts[0].path == "a/000001-\(closedRecords)-\(1_796_000_000_000 + Int64(closedRecords) * 1000).jsonl")
        #expect(!parts[1].isClosed && parts[1].path == "a/000002.jsonl")
        #expect(try repository.blob(#require(parts[0].blob)).count <= HistoryBranch.segmentCap)
        // The next publish grows only the last segment; the closed one keeps its blob.
        try setup.record("a", 1)
        #expect(try setup.publisher().publish().segments == 1)
        let after = try HistoryBranch.segments(in: repository, commit: try repository.resolveCommit("jobctl/history"))["a"] ?? []
        #expect(after.first?.blob == parts[0].blob)
        #expect(try setup.published("a") == setup.local("a"))
    }

    @Test func retentionDropsWholeClosedSegmentsOnly() throws {
        var setup = try Setup()
        try setup.record("a", 1_100, padding: 2_000)
        _ = try setup.publisher().publish()
        let repository = try GitRepository(path: setup.repo.path)
        func parts() throws -> [HistoryBranch.Segment] {
            try HistoryBranch.segments(in: repository, commit: try repository.resolveCommit("jobctl/history"))["a"] ?? []
        }
        let before = try parts()
        let open = 1_100 - (before[0].records ?? 0)
        // keepRuns above what the open segment holds: the closed one is still needed.
        try setup.record("a", 1)
        _ = try setup.publisher().publish(retention: RetentionPolicy(keepRuns: open + 100))
        #expect(try parts().count == 2)
        // keepRuns the open segment covers: the closed segment goes, whole; the open one stays.
        try setup.record("a", 1)
        _ = try setup.publisher().publish(retention: RetentionPolicy(keepRuns: open))
        #expect(try parts().map(\.number) == [2])
        // keepDays: the open segment stays even when every record in it is old.
        try setup.record("a", 1)
        _ = try setup.publisher().publish(retention: RetentionPolicy(keepDays: 1), now: Date(timeIntervalSince1970: 1_900_000_000))
        #expect(try parts().map(\.number) == [2])
        #expect(try setup.published("a").split(separator: "\n").count == open + 3)
    }

    @Test func segmentNamesAndExpiry() {
        let open = HistoryBranch.segment(ofPath: "reports/daily/000012.jsonl")
        #expect(open?.job == "reports/daily" && open?.number == 12 && open?.isClosed == false)
        let closed = HistoryBranch.segment(ofPath: HistoryBranch.closedSegmentPath(job: "a", number: 3, records: 40, lastFinishedAt: 5_000))
        #expect(closed?.number == 3 && closed?.records == 40 && closed?.lastFinishedAt == 5_000)
        #expect(HistoryBranch.segment(ofPath: "a/notes.txt") == nil && HistoryBranch.segment(ofPath: "a/12.jsonl") == nil && HistoryBranch.segment(ofPath: "Bad Job/000001.jsonl") == nil)
        let segments = (1...3).map { HistoryBranch.Segment(job: "a", number: $0, path: "a/\($0)", records: 10, lastFinishedAt: Int64($0) * 86_400_000) }
        let now = Date(timeIntervalSince1970: 4 * 86_400)
        #expect(HistoryBranch.expired(segments, openRecords: 5, policy: RetentionPolicy(), now: now).isEmpty)
        #expect(HistoryBranch.expired(segments, openRecords: 5, policy: RetentionPolicy(keepRuns: 15), now: now).map(\.number) == [2, 1])
        #expect(HistoryBranch.expired(segments, openRecords: 5, policy: RetentionPolicy(keepDays: 2), now: now).map(\.number) == [1])
    }

    @Test func recordsDroppedByRetentionAreNotPublishedAgain() throws {
        var setup = try Setup()
        try setup.record("a", 10)
        _ = try setup.publisher().publish()
        try HistoryCompactor(folder: setup.history).compactAll(policy: RetentionPolicy(keepRuns: 3, keepDays: nil), now: Date())
        try setup.record("a", 2)
        #expect(try setup.publisher().publish().records == 2)
        #expect(try setup.published("a").split(separator: "\n").count == 12)
    }

    @Test func pushesOverSmartHTTPWithAToken() async throws {
        var setup = try Setup()
        let forge = try TemporaryGitRepository(bare: true)
        let server = try await GitHTTPServer(folder: forge.container, login: ("ci", "t0ken"))
        try setup.record("a", 3)
        let refused = #expect(throws: HistoryPublisher.Failure.self) {
            try setup.publisher(.remote(url: server.url("repo.git"), credentials: RemoteCredentials(username: "ci", token: "wrong"))).publish()
        }
        #expect(refused?.message.contains("the remote refused the token") == true)
        let publisher = try setup.publisher(.remote(url: server.url("repo.git"), credentials: RemoteCredentials(username: "ci", token: "t0ken")))
        #expect(try publisher.publish().records == 3)
        try setup.record("a", 2)
        #expect(try publisher.publish().records == 2)
        #expect(try setup.published("a", in: forge.path) == setup.local("a"))
    }

    @Test func pushesToARemoteAndBuildsOnAnotherWritersCommit() throws {
        var setup = try Setup()
        let forge = try TemporaryGitRepository(bare: true)
        let url = "file://" + forge.path
        try setup.record("a", 4)
        _ = try setup.publisher(.remote(url: url, credentials: nil)).publish()
        #expect(try setup.published("a", in: forge.path) == setup.local("a"))

        // Another writer moves the branch between two publishes: nothing is lost or overwritten.
        let other = try TemporaryGitRepository(files: ["x.txt": "x\n"])
        let publisher = try setup.publisher(.remote(url: url, credentials: nil))
        try setup.record("a", 1)
        _ = try publisher.publish()
        let tip = try forge.git("rev-parse", "jobctl/history")
        try other.git("fetch", "--quiet", forge.path, "jobctl/history")
        try other.git("checkout", "--quiet", "FETCH_HEAD")
        try other.write("note.txt", "someone else\n")
        try other.commit("another writer")
        try other.git("push", "--quiet", forge.path, "HEAD:refs/heads/jobctl/history")
        #expect(try forge.git("rev-parse", "jobctl/history") != tip)
        // Our publisher still thinks the tip is its own; it fetches first, so it builds on theirs.
        try setup.record("a", 2)
        let next = try publisher.publish()
        #expect(next.records == 2)
        #expect(try setup.published("a", in: forge.path) == setup.local("a"))
        #expect(try forge.git("show", "jobctl/history:note.txt") == "someone else")
    }
}
