public import Foundation

/// "Claim this fire": a scheduled fire, identified by (job, scheduled time), runs at most once,
/// across restarts and, in cluster mode, across nodes.
///
/// File mode: ``FileFireClaims`` (derived from the history file and the in-flight markers).
/// The cluster mode inserts (job, scheduled time) under a unique key.
public protocol FireClaims: Sendable {
    /// Claims the fire of `job` scheduled for `scheduledFor`.
    /// - Returns: true when the caller now owns the fire and must run it (or record why it did
    ///   not); false when it was claimed before: recorded in history (as any status, including
    ///   `missed` ranges), in flight, or claimed by this process.
    func claim(job: String, scheduledFor: Date) async throws -> Bool
}
