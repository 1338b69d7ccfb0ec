import Foundation
import GitStore
import Testing
import TestSupport

@Suite("Fetching one branch from a real remote (file:// and smart HTTP)")
struct RemoteTests {
    private let tracking = "refs/remotes/origin/main"
    private let refspec = "+refs/heads/main:refs/remotes/origin/main"

    /// A bare "forge" with two commits on main, and the working clone they were pushed from.
    private func makeForge() throws -> (forge: TemporaryGitRepository, work: TemporaryGitRepository) {
        let work = try TemporaryGitRepository(files: ["jobs/a.yaml": "name: a\n"])
        try work.write("jobs/b.yaml", "name: b\n")
        try work.commit("b")
        let forge = try TemporaryGitRepository(bare: true)
        try work.git("push", "--quiet", forge.path, "main")
        return (forge, work)
    }

    private func makeMirror() throws -> (TemporaryGitRepository, GitRepository) {
        let folder = try TemporaryGitRepository(bare: true)
        return (folder, try GitRepository.openOrCreateBare(at: folder.container + "/mirror.git"))
    }

    @Test func fetchesTheBranchOverFileIntoTheTrackingRefOnly() throws {
        let (forge, work) = try makeForge()
        let (mirrorFolder, mirror) = try makeMirror()
        defer { withExtendedLifetime(mirrorFolder) {} }
        #expect(mirror.isBare)
        // A ref of our own in the mirror survives every fetch (no mirror refspec, no prune).
        try mirror.fetch(from: "file://" + forge.path, refspecs: [refspec])
        let head = try #require(ObjectID(hex: work.git("rev-parse", "HEAD")))
        #expect(try mirror.referenceTarget(tracking) == head)
        try mirror.updateReference("refs/jobctl/applied", to: head, expecting: nil, message: "apply")
        try work.write("jobs/c.yaml", "name: c\n")
        let next = try #require(ObjectID(hex: work.commit("c")))
        try work.git("push", "--quiet", forge.path, "main")
        try mirror.fetch(from: "file://" + forge.path, refspecs: [refspec])
        #expect(try mirror.referenceTarget(tracking) == next)
        #expect(try mirror.referenceTarget("refs/jobctl/applied") == head)
        #expect(try mirror.referenceTarget("refs/heads/main") == nil)
        #expect(try mirror.isFastForward(from: head, to: next))
        #expect(try !mirror.isFastForward(from: next, to: head))
    }

    @Test func aForcePushIsSeenAndIsNotAFastForward() throws {
        let (forge, work) = try makeForge()
        let (mirrorFolder, mirror) = try makeMirror()
        defer { withExtendedLifetime(mirrorFolder) {} }
        try mirror.fetch(from: forge.path, refspecs: [refspec])
        let before = try #require(try mirror.referenceTarget(tracking))
        try work.git("commit", "--quiet", "--amend", "-m", "rewritten")
        try work.git("push", "--quiet", "--force", forge.path, "main")
        try mirror.fetch(from: forge.path, refspecs: [refspec])
        let after = try #require(try mirror.referenceTarget(tracking))
        #expect(after != before)
        #expect(try !mirror.isFastForward(from: before, to: after))
    }

    @Test func aMissingRepositoryOrAnUnsupportedSchemeIsAnError() throws {
        let (mirrorFolder, mirror) = try makeMirror()
        defer { withExtendedLifetime(mirrorFolder) {} }
        let missing = #expect(throws: GitError.self) { try mirror.fetch(from: "file:///nonexistent/forge.git", refspecs: [refspec]) }
        #expect(missing?.message.hasPrefix("cannot fetch from 'file:///nonexistent/forge.git'") == true)
        let ssh = #expect(throws: GitError.self) { try mirror.fetch(from: "ssh://git@example.com/jobs.git", refspecs: [refspec]) }
        #expect(ssh?.message.contains("only file://, http:// and https://") == true)
    }

    @Test func aPushThatIsNotAFastForwardIsRejectedAndReported() throws {
        let (forge, work) = try makeForge()
        let (mirrorFolder, mirror) = try makeMirror()
        defer { withExtendedLifetime(mirrorFolder) {} }
        try mirror.fetch(from: forge.path, refspecs: [refspec])
        let base = try #require(try mirror.referenceTarget(tracking))
        let blob = try mirror.writeBlob(Array("one\n".utf8))
        let tree = try mirror.tree(updating: try mirror.commitInfo(base).treeID, files: [("notes/one.txt", blob)])
        let ours = try mirror.commit(tree: tree, parents: [base], message: "ours")
        try mirror.setReference("refs/jobctl/out", to: ours)
        // Someone else pushes first: ours no longer fast-forwards.
        try work.write("jobs/c.yaml", "name: c\n")
        try work.commit("theirs")
        try work.git("push", "--quiet", forge.path, "main")
        // libgit2 refuses before sending (the remote has commits we lack); a remote that
        // decides itself answers with a reason instead (push's return value).
        let refused = #expect(throws: GitError.self) { try mirror.push(to: forge.path, refspec: "refs/jobctl/out:refs/heads/main") }
        #expect(refused?.message.contains("not present locally") == true)
        #expect(try forge.git("rev-parse", "main") == (try work.git("rev-parse", "HEAD")))
        // To a new branch it goes through, with the tree built in memory.
        #expect(try mirror.push(to: forge.path, refspec: "refs/jobctl/out:refs/heads/notes") == nil)
        #expect(try forge.git("show", "notes:notes/one.txt") == "one")
    }

    @Test func passwordsInURLsAreRedacted() {
        #expect(GitRepository.redacted("https://ci:s3cret@forge.example/jobs.git") == "https://ci:***@forge.example/jobs.git")
        #expect(GitRepository.redacted("https://forge.example/jobs.git") == "https://forge.example/jobs.git")
        #expect(GitRepository.redacted("file:///srv/jobs.git") == "file:///srv/jobs.git")
    }

    @Test func fetchesOverSmartHTTPWithATokenAndFailsWithAWrongOne() async throws {
        let (forge, work) = try makeForge()
        let server = try await GitHTTPServer(folder: forge.container, login: ("ci", "t0ken"))
        let url = server.url("repo.git")
        let head = try #require(ObjectID(hex: work.git("rev-parse", "HEAD")))
        let (mirrorFolder, mirror) = try makeMirror()
        defer { withExtendedLifetime(mirrorFolder) {} }
        let refused = #expect(throws: GitError.self) {
            try mirror.fetch(from: url, refspecs: [refspec], credentials: RemoteCredentials(username: "ci", token: "wrong"))
        }
        #expect(refused?.kind == .authentication)
        #expect(refused?.message == "cannot fetch from '\(url)': the remote refused the token (user 'ci')")
        let anonymous = #expect(throws: GitError.self) { try mirror.fetch(from: url, refspecs: [refspec]) }
        #expect(anonymous?.message.hasSuffix("the remote asks for credentials; give it a token (serve --remote-token-secret NAME)") == true)
        // A user name in the URL takes the place of the credentials' own.
        try mirror.fetch(from: "http://ci@127.0.0.1:\(server.port)/repo.git", refspecs: [refspec], credentials: RemoteCredentials(token: "t0ken"))
        #expect(try mirror.referenceTarget(tracking) == head)
        try mirror.updateReference(tracking, to: head, expecting: head, message: "same")
        try mirror.fetch(from: url, refspecs: [refspec], credentials: RemoteCredentials(username: "ci", token: "t0ken"))
        #expect(try mirror.referenceTarget(tracking) == head)
    }
}
