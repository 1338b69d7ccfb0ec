import ArgumentParser
import Foundation
import Server

/// `jobctl trigger TYPE --data JSON`: posts an event to a running `jobctl serve` (`POST /api/events`).
struct TriggerCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "trigger",
        abstract: "Post an event to a running jobctl serve: jobs whose on.events list TYPE evaluate their filter.",
        discussion: """
        Prints one line per job: `started JOB RUN...`, `filtered JOB RUN` (recorded filtered) or
        `refused JOB: reason`. Exit status 0 when the server accepted the event (whatever the
        jobs decided), 1 otherwise. The token is read from JOBCTL_TOKEN (scope run).
          JOBCTL_TOKEN=... jobctl trigger marketplace.entitlement --data '{"amount": 1500, "status": "active"}'
        """
    )

    @Argument(help: "The event type, e.g. marketplace.entitlement.")
    var type: String

    @Option(help: ArgumentHelp("The event payload, JSON (default {}).", valueName: "JSON"))
    var data = "{}"

    @Option(name: .customLong("param"), help: ArgumentHelp("A parameter value for the jobs, NAME=VALUE (repeatable).", valueName: "NAME=VALUE"))
    var parameters: [String] = []

    @OptionGroup var serverOptions: ServerOptions

    func run() async throws {
        let payload: Any
        do {
            payload = try JSONSerialization.jsonObject(with: Data(data.utf8), options: [.fragmentsAllowed])
        } catch {
            Console.error("error: --data is not valid JSON")
            throw ExitCode(1)
        }
        var params: [String: String] = [:]
        for pair in parameters {
            guard let equals = pair.firstIndex(of: "=") else {
                Console.error("error: --param '\(pair)': write NAME=VALUE")
                throw ExitCode(1)
            }
            params[String(pair[..<equals])] = String(pair[pair.index(after: equals)...])
        }
        var body: [String: Any] = ["type": type, "payload": payload]
        if !params.isEmpty { body["params"] = params }
        let client = try serverOptions.client()
        let reply = try await ServerReply.send(client, "POST", "/api/events", body: try JSONSerialization.data(withJSONObject: body))
        try ServerReply.requireSuccess(reply)
        let decisions = reply.object?["decisions"] as? [[String: Any]] ?? []
        if decisions.isEmpty { Console.error("no applied job listens to '\(type)'") }
        for decision in decisions {
            let job = decision["job"] as? String ?? "?"
            let runs = (decision["runs"] as? [String] ?? []).joined(separator: " ")
            switch decision["outcome"] as? String {
            case "started": print("started \(job) \(runs.isEmpty ? "(queued)" : runs)")
            case "filtered": print("filtered \(job) \(runs)")
            default:
                let message = (decision["error"] as? [String: Any])?["message"] as? String ?? "refused"
                print("refused \(job): \(message)")
            }
        }
    }
}
