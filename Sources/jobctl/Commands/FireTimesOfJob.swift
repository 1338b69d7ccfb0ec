import Definitions
import Foundation
import Schedules

/// The schedule of one job as written in the working tree, for `jobctl fire-times JOB`: a preview of
/// the file being edited, before it is committed or applied.
enum FireTimesOfJob {
    struct Failure: Error, CustomStringConvertible {
        var description: String
    }

    static func schedule(jobID: String, root: String) throws -> JobSchedule {
        guard let id = JobID(jobID) else {
            throw Failure(description: JobID.problem(with: jobID) ?? "invalid job id '\(jobID)'")
        }
        let folder = RootFolder(path: root)
        let config = FileManager.default.contents(atPath: folder.configPath).map { SourceFile(path: "jobctl.yaml", bytes: [UInt8]($0)) }
        let candidates = ["jobs/\(id).yaml", "jobs/\(id).yml"]
        guard let path = candidates.first(where: { FileManager.default.fileExists(atPath: folder.path + "/" + $0) }),
              let data = FileManager.default.contents(atPath: folder.path + "/" + path)
        else {
            throw Failure(description: "no job '\(id)' in \(folder.path)/jobs (looked for \(candidates.joined(separator: " and ")))")
        }
        let (settings, configProblems) = DefinitionLoader.loadConfig(config)
        let parsed = DefinitionLoader.loadJob(SourceFile(path: path, bytes: [UInt8](data)), config: settings)
        let errors = (configProblems + parsed.diagnostics).filter { $0.severity == .error }
        guard errors.isEmpty, let job = parsed.definition else {
            throw Failure(description: errors.map(\.description).joined(separator: "\n"))
        }
        guard job.enabled else {
            throw Failure(description: "\(path): job '\(id)' is disabled (enabled: false); it never fires")
        }
        guard let schedule = job.schedule else {
            throw Failure(description: "\(path): job '\(id)' has no schedule; it runs only manually, through the API or on events")
        }
        return schedule.jobSchedule(for: id)
    }
}
