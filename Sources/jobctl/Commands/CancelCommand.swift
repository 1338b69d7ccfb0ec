import ArgumentParser
import Foundation
import Server

/// `jobctl cancel RUN`: cancels a run in progress on a running `jobctl serve`.
struct CancelCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "cancel",
        abstract: "Cancel a run in progress on a running jobctl serve (its process group is killed; recorded cancelled).",
        discussion: """
        Exit status 0 when the server is cancelling the run, 1 when the run is unknown or not in
        progress, or the server refused. The token is read from JOBCTL_TOKEN (scope run).
        """
    )

    @Argument(help: "The run id (from `jobctl history` or the API).")
    var run: String

    @OptionGroup var serverOptions: ServerOptions

    func run() async throws {
        let client = try serverOptions.client()
        let encoded = run.addingPercentEncoding(withAllowedCharacters: .urlPathAllowed.subtracting(CharacterSet(charactersIn: "/"))) ?? run
        let reply = try await ServerReply.send(client, "POST", "/api/runs/\(encoded)/cancel")
        try ServerReply.requireSuccess(reply)
        print("cancelling \(run)")
    }
}
