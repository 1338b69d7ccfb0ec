import Foundation
import GitStore
import Testing
import TestSupport

@Suite("Compare-and-swap reference updates and the reflog")
struct ReferenceTests {
    private let applied = "refs/jobctl/applied"

    /// A repository with three commits on main, returned oldest first.
    private func makeFixture(bare: Bool = false) throws -> (TemporaryGitRepository, [ObjectID]) {
        let source = try TemporaryGitRepository(files: ["jobs/a.yaml": "name: a\n"])
        try source.write("jobs/b.yaml", "name: b\n")
        try source.commit("b")
        try source.write("jobs/c.yaml", "name: c\n")
        try source.commit("c")
        let ids = try ["HEAD~2", "HEAD~1", "HEAD"].map { try #require(ObjectID(hex: source.git("rev-parse", $0))) }
        guard bare else { return (source, ids) }
        let target = try TemporaryGitRepository(bare: true)
        try source.git("push", "--quiet", target.path, "main")
        return (target, ids)
    }

    @Test func createsWhenAbsentThenMovesWithTheRightExpectation() throws {
        let (fixture, ids) = try makeFixture()
        let repository = try GitRepository(path: fixture.path)
        #expect(try repository.referenceTarget(applied) == nil)
        try repository.updateReference(applied, to: ids[0], expecting: nil, message: "jobctl apply: first")
        #expect(try repository.referenceTarget(applied) == ids[0])
        #expect(try fixture.git("rev-parse", applied) == ids[0].hex)
        try repository.updateReference(applied, to: ids[1], expecting: ids[0], message: "jobctl apply: second")
        #expect(try repository.referenceTarget(applied) == ids[1])
        #expect(try repository.resolveCommit(applied) == ids[1])
    }

    @Test func aStaleExpectationFailsAndLeavesTheReferenceAlone() throws {
        let (fixture, ids) = try makeFixture()
        let repository = try GitRepository(path: fixture.path)
        try repository.updateReference(applied, to: ids[1], expecting: nil, message: "apply")

        let stale = try #require(throws: GitError.self) {
            try repository.updateReference(applied, to: ids[2], expecting: ids[0], message: "apply")
        }
        #expect(stale.isConcurrentUpdate)
        #expect(stale.message.hasPrefix(
            "cannot move 'refs/jobctl/applied' to \(ids[2].short): expected it at \(ids[0].short) but another writer changed it: "))

        let exists = try #require(throws: GitError.self) {
            try repository.updateReference(applied, to: ids[2], expecting: nil, message: "apply")
        }
        #expect(exists.isConcurrentUpdate)
        #expect(exists.message.contains("expected it absent"))
        #expect(try repository.referenceTarget(applied) == ids[1])
        #expect(try repository.reflog(applied).count == 1)
    }

    @Test func expectingAValueOfAReferenceThatVanishedFails() throws {
        let (fixture, ids) = try makeFixture()
        let repository = try GitRepository(path: fixture.path)
        let error = try #require(throws: GitError.self) {
            try repository.updateReference(applied, to: ids[1], expecting: ids[0], message: "apply")
        }
        #expect(error.isConcurrentUpdate)
        #expect(try repository.referenceTarget(applied) == nil)
    }

    @Test func twoInstancesReadingTheSameStateOnlyOneWins() throws {
        let (fixture, ids) = try makeFixture()
        let first = try GitRepository(path: fixture.path)
        let second = try GitRepository(path: fixture.path)
        try first.updateReference(applied, to: ids[0], expecting: nil, message: "apply")
        let seenByFirst = try first.referenceTarget(applied)
        let seenBySecond = try second.referenceTarget(applied)
        try first.updateReference(applied, to: ids[1], expecting: seenByFirst, message: "first applier")
        let lost = try #require(throws: GitError.self) {
            try second.updateReference(applied, to: ids[2], expecting: seenBySecond, message: "second applier")
        }
        #expect(lost.isConcurrentUpdate)
        #expect(try second.referenceTarget(applied) == ids[1])
    }

    @Test(arguments: [false, true], 1...3)
    func concurrentAppliersOnThreadsExactlyOneWins(bare: Bool, round: Int) async throws {
        let (fixture, ids) = try makeFixture(bare: bare)
        try GitRepository(path: fixture.path).updateReference(applied, to: ids[0], expecting: nil, message: "base")
        let path = fixture.path
        let reference = applied
        let targets = [ids[1], ids[2], ids[1], ids[2]]
        let outcomes = await withTaskGroup(of: Result<ObjectID, GitError>.self) { group in
            for target in targets {
                group.addTask {
                    do throws(GitError) {
                        let repository = try GitRepository(path: path)
                        try repository.updateReference(reference, to: target, expecting: ids[0],
                                                       message: "applier to \(target.short)")
                        return .success(target)
                    } catch {
                        return .failure(error)
                    }
                }
            }
            var all: [Result<ObjectID, GitError>] = []
            for await outcome in group { all.append(outcome) }
            return all
        }
        let winners = outcomes.compactMap { try? $0.get() }
        #expect(winners.count == 1, "bare: \(bare), round \(round)")
        for case .failure(let error) in outcomes {
            #expect(error.isConcurrentUpdate, "\(error)")
        }
        let repository = try GitRepository(path: fixture.path)
        #expect(try repository.referenceTarget(applied) == winners.first)
        #expect(try repository.reflog(applied).map(\.newID) == [winners.first, ids[0]])
    }

    @Test func theReflogRecordsEveryMoveNewestFirst() throws {
        let (fixture, ids) = try makeFixture()
        let repository = try GitRepository(path: fixture.path)
        try repository.updateReference(applied, to: ids[0], expecting: nil, message: "jobctl apply: 1 created")
        try repository.updateReference(applied, to: ids[2], expecting: ids[0], message: "jobctl apply: 2 created")
        let log = try repository.reflog(applied)
        #expect(log.map(\.message) == ["jobctl apply: 2 created", "jobctl apply: 1 created"])
        #expect(log.map(\.newID) == [ids[2], ids[0]])
        #expect(log.map(\.oldID) == [ids[0], nil])
        #expect(log[0].committer.name == "Seed a3aa3690 maintainers" || !log[0].committer.name.isEmpty)
        #expect(abs(log[0].committer.date.timeIntervalSinceNow) < 600)
        // git itself reads the same log.
        #expect(try fixture.git("reflog", "show", "--format=%gs", applied).split(separator: "\n")
            == ["jobctl apply: 2 created", "jobctl apply: 1 created"])
        #expect(try repository.reflog("refs/jobctl/never") == [])
    }

    @Test func aBareRepositoryKeepsTheReflogAndTheSameCompareAndSwap() throws {
        let (bare, ids) = try makeFixture(bare: true)
        let repository = try GitRepository(path: bare.path)
        #expect(repository.isBare)
        try repository.updateReference(applied, to: ids[1], expecting: nil, message: "apply by rev")
        try repository.updateReference(applied, to: ids[2], expecting: ids[1], message: "apply again")
        let log = try repository.reflog(applied)
        #expect(log.map(\.message) == ["apply again", "apply by rev"])
        #expect(log.map(\.oldID) == [ids[1], nil])
        #expect(try bare.git("reflog", "show", "--format=%gs", applied).split(separator: "\n")
            == ["apply again", "apply by rev"])

        let stale = try #require(throws: GitError.self) {
            try repository.updateReference(applied, to: ids[0], expecting: ids[1], message: "stale")
        }
        #expect(stale.isConcurrentUpdate)
        #expect(stale.message == "cannot move 'refs/jobctl/applied' to \(ids[0].short): expected it at "
            + "\(ids[1].short) but another writer changed it: it is at \(ids[2].short)")
        let exists = try #require(throws: GitError.self) {
            try repository.updateReference(applied, to: ids[0], expecting: nil, message: "stale")
        }
        #expect(exists.isConcurrentUpdate)
        #expect(try repository.referenceTarget(applied) == ids[2])
        #expect(try repository.reflog(applied).count == 2)
    }

    @Test(arguments: [false, true])
    func aLeftoverLockFileIsReportedAsHeldByAnotherWriter(bare: Bool) throws {
        let (fixture, ids) = try makeFixture(bare: bare)
        let repository = try GitRepository(path: fixture.path)
        try repository.updateReference(applied, to: ids[0], expecting: nil, message: "apply")
        let lock = repository.gitDirectory + "/refs/jobctl/applied.lock"
        #expect(FileManager.default.createFile(atPath: lock, contents: Data()))
        let error = try #require(throws: GitError.self) {
            try repository.updateReference(applied, to: ids[1], expecting: ids[0], message: "apply")
        }
        #expect(error.isConcurrentUpdate)
        #expect(error.message.contains("another writer holds its lock: "))
        #expect(error.message.contains("applied.lock"))
        try FileManager.default.removeItem(atPath: lock)
        try repository.updateReference(applied, to: ids[1], expecting: ids[0], message: "apply")
    }

    @Test func theReflogIsWrittenWhenLogAllRefUpdatesIsOff() throws {
        let (fixture, ids) = try makeFixture()
        try fixture.git("config", "core.logAllRefUpdates", "false")
        let repository = try GitRepository(path: fixture.path)
        try repository.updateReference(applied, to: ids[0], expecting: nil, message: "apply")
        #expect(try repository.reflog(applied).map(\.message) == ["apply"])
    }

    @Test func invalidNamesAndUnknownCommitsAreRejected() throws {
        let (fixture, ids) = try makeFixture()
        let repository = try GitRepository(path: fixture.path)
        let badName = try #require(throws: GitError.self) {
            try repository.updateReference("refs/jobctl/bad..name", to: ids[0], expecting: nil, message: "x")
        }
        #expect(badName.kind == .invalidSpec)
        #expect(!badName.isConcurrentUpdate)

        let unknown = try #require(ObjectID(hex: String(repeating: "a", count: 40)))
        let missing = try #require(throws: GitError.self) {
            try repository.updateReference(applied, to: unknown, expecting: nil, message: "x")
        }
        #expect(missing.isNotFound)
        #expect(missing.message == "cannot move 'refs/jobctl/applied' to aaaaaaa: no such object in the repository")
        #expect(try repository.referenceTarget(applied) == nil)
    }
}
