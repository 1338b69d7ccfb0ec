package import Definitions
import Foundation

/// Job ids contain `/`: a path names one either percent-encoded (`reports%2Fpaid-search`) or as
/// plain segments (`reports/paid-search`), optionally followed by an action segment (`runs`,
/// `fire-times`). Every segment is percent-decoded, then the segments are joined with `/`.
package enum JobPath {
    /// The decoded segments of a catch-all capture.
    package static func segments(_ raw: [Substring]) throws(APIError) -> [String] {
        var segments: [String] = []
        for part in raw {
            guard let decoded = String(part).removingPercentEncoding else {
                throw APIError.badRequest("'\(part)' is not a valid percent-encoded path segment", code: "invalid_job_id")
            }
            segments += decoded.split(separator: "/", omittingEmptySubsequences: true).map(String.init)
        }
        return segments
    }

    /// The job id the segments spell.
    /// - Throws: ``APIError`` 404 (`not_found`) when they cannot be a job id: no such job can exist.
    package static func jobID(_ segments: some Collection<String>) throws(APIError) -> JobID {
        let text = segments.joined(separator: "/")
        guard let id = JobID(text) else {
            throw APIError.notFound("no job '\(text)': \(JobID.problem(with: text) ?? "not a job id")")
        }
        return id
    }
}
