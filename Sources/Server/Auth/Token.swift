public import Foundation

/// A bearer token as stored in `.jobctl/tokens.json`: never the secret, only its SHA-256.
public struct Token: Sendable, Codable, Hashable {
    /// A short public id (`tok_3f9a2b1c`), for `token list` and `token revoke`.
    public var id: String
    public var name: String
    public var scope: Scope
    /// The jobs the token is limited to, or nil for all.
    public var jobs: String?
    /// Lower-case hex SHA-256 of the secret.
    public var sha256: String
    public var createdAt: String

    public init(id: String, name: String, scope: Scope, jobs: String?, sha256: String, createdAt: String) {
        self.id = id
        self.name = name
        self.scope = scope
        self.jobs = jobs
        self.sha256 = sha256
        self.createdAt = createdAt
    }

    /// Whether the token's scope and job glob allow `scope` on `job` (nil: a request about no
    /// single job, such as a list, which is then narrowed to the covered jobs).
    public func allows(_ needed: Scope, job: String?) -> Bool {
        guard scope >= needed else { return false }
        guard let job, let jobs else { return true }
        return JobGlob(jobs).matches(job)
    }

    /// Whether the token covers `job` at all (its glob, whatever the scope).
    public func covers(job: String) -> Bool {
        jobs.map { JobGlob($0).matches(job) } ?? true
    }
}
