import ArgumentParser
import Definitions
import Expressions
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
        let payload: Value
        let inputs: [String: ParameterInput]
        do {
            payload = try Value(parsingJSON: Array(data.utf8))
            inputs = try ParameterResolver.pairs(parameters)
        } catch let error as JSONParseError {
            Console.error("error: --data is not valid JSON: \(error)")
            throw ExitCode(1)
        } catch let problem as ParameterProblem {
            Console.error("error: \(problem.message)")
            throw ExitCode(1)
        }
        var body: [String: Value] = ["type": .string(type), "payload": payload]
        if !inputs.isEmpty { body["params"] = ParameterResolver.json(inputs) }
        let client = try serverOptions.client()
        let reply = try await ServerReply.send(client, "POST", "/api/events", body: Data(Value.object(body).description.utf8))
        try ServerReply.requireSuccess(reply)
        let decisions = reply.json["decisions"].elements
        if decisions.isEmpty { Console.error("no applied job listens to '\(type)'") }
        for decision in decisions {
            let job = decision["job"].string ?? "?"
            let runs = decision["runs"].strings.joined(separator: " ")
            switch decision["outcome"].string {
            case "started": print("started \(job) \(runs.isEmpty ? "(queued)" : runs)")
            case "filtered": print("filtered \(job) \(runs)")
            default: print("refused \(job): \(decision[["error", "message"]].string ?? "refused")")
            }
        }
    }
}
