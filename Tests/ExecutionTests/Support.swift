import Foundation
import Synchronization
import Testing
import Definitions
import Expressions
import TestSupport
@testable import Execution
#if canImport(Glibc)
import Glibc
#endif

/// A temporary root with one job read from YAML, the way the daemon gets it.
struct Fixture {
    let root: TemporaryRoot
    let job: JobDefinition
    let config: RepositoryConfig
    /// Unique, as a real run id is: a step's processes are known by it (``SessionEscapes``).
    let runID = "run-" + UUID().uuidString.prefix(8).lowercased()

    init(job yaml: String, config configYAML: String? = nil, files: [String: String] = [:]) throws {
        root = try TemporaryRoot(files: files)
        let (config, configDiagnostics) = DefinitionLoader.loadConfig(configYAML.map { SourceFile(path: "jobctl.yaml", bytes: Array($0.utf8)) })
        #expect(configDiagnostics.isEmpty, "\(configDiagnostics)")
        let parsed = DefinitionLoader.loadJob(SourceFile(path: "jobs/test-job.yaml", bytes: Array(yaml.utf8)), config: config)
        #expect(parsed.diagnostics.isEmpty, "\(parsed.diagnostics)")
        job = try #require(parsed.definition)
        self.config = config
    }

    var logPath: String { root.path + "/history/test-job/\(runID).log" }

    func request(
        parameters: [String: ParameterValue] = [:],
        event: Value = .null,
        scheduledFor: Date? = nil,
        secrets: SecretStore = SecretStore(environment: [:], file: nil)
    ) -> RunRequest {
        RunRequest(
            job: job, config: config, runID: runID, trigger: "manual", scheduledFor: scheduledFor, attempt: 1,
            parameters: parameters, event: event, commit: "abc123", rootPath: root.path, logPath: logPath, secrets: secrets)
    }

    func log() -> String {
        (try? String(contentsOfFile: logPath, encoding: .utf8)) ?? ""
    }
}

/// The process groups children were started in, as `onChildStarted` reports them.
final class StartedChildren: Sendable {
    private let stream: AsyncStream<Int32>
    private let continuation: AsyncStream<Int32>.Continuation
    private let groups = Mutex<[Int32]>([])

    init() {
        (stream, continuation) = AsyncStream.makeStream(of: Int32.self)
    }

    var callback: @Sendable (Int32, Int32, String?) -> Void {
        { [self] _, group, _ in
            groups.withLock { $0.append(group) }
            continuation.yield(group)
        }
    }

    /// Every group started so far.
    var all: [Int32] { groups.withLock { $0 } }

    /// The next group started, or nil when none starts within `limit`.
    func next(within limit: Duration = .seconds(90)) async -> Int32? {
        let stream = self.stream
        return await withTaskGroup(of: Int32?.self) { group in
            group.addTask {
                var iterator = stream.makeAsyncIterator()
                return await iterator.next()
            }
            group.addTask {
                try? await Task.sleep(for: limit)
                return nil
            }
            let first = await group.next() ?? nil
            group.cancelAll()
            return first
        }
    }
}

/// Whether no process of group `pgid` exists (`kill(-pgid, 0)` fails with ESRCH).
func groupIsGone(_ pgid: Int32) -> Bool {
    kill(-pgid, 0) == -1 && errno == ESRCH
}
