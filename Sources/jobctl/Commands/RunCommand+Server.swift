import ArgumentParser
import Definitions
import Expressions
import Foundation
import Server

extension RunCommand {
    /// `jobctl run JOB --server URL`: `POST /api/jobs/{id}/runs` on a running `jobctl serve`
    /// (trigger `api`); prints the run ids. With --wait, polls each run until it is recorded and
    /// exits 0 only when all completed.
    func runOnServer(_ server: String) async throws {
        let client = try ServerOptions(server: server).client()
        let inputs: [String: ParameterInput]
        do { inputs = try ParameterResolver.pairs(parameters) } catch {
            Console.error("error: \(error.message)")
            throw ExitCode(1)
        }
        let body = Data(Value.object(["params": ParameterResolver.json(inputs)]).description.utf8)
        let reply = try await ServerReply.send(client, "POST", "/api/jobs/\(APIClient.path(job: job))/runs", body: body)
        let runs = try ServerReply.startedRuns(reply)
        if runs.isEmpty { Console.error("queued behind the run in progress (concurrency: queue)") }
        for run in runs { print(run) }
        guard wait else { return }
        if !(try await ServerReply.waitUntilRecorded(runs, client: client)) { throw ExitCode(1) }
    }
}

extension ServerReply {
    /// The run ids a request to start runs got back; a refusal by the job's concurrency policy or
    /// rate limit (409, 429) says `refused:` and exits 1, any other error as ``requireSuccess(_:)`` does.
    static func startedRuns(_ reply: APIClient.Reply) throws -> [String] {
        if reply.status == 409 || reply.status == 429 {
            Console.error("refused: \(reply.errorMessage)")
            throw ExitCode(1)
        }
        try requireSuccess(reply)
        return reply.json["runs"].strings
    }

    /// Polls each run until it has a final record, printing `RUN STATUS` to stderr; true when
    /// every one completed.
    static func waitUntilRecorded(_ runs: [String], client: APIClient) async throws -> Bool {
        var allCompleted = true
        for run in runs {
            while true {
                let state = try await send(client, "GET", "/api/runs/\(run)")
                try requireSuccess(state)
                let status = state.json["status"].string ?? "unknown"
                if status != "running" {
                    Console.error("\(run) \(status)")
                    if status != "completed" { allCompleted = false }
                    break
                }
                try await Task.sleep(for: .milliseconds(250))
            }
        }
        return allCompleted
    }
}

extension ServerOptions {
    init(server: String) {
        self.init()
        self.server = server
    }
}
