import ArgumentParser
import Foundation
import Server

/// `--server URL` for the commands that talk to a running `jobctl serve`; the token comes from
/// `JOBCTL_TOKEN` only (never a flag: flags show up in `ps`).
struct ServerOptions: ParsableArguments {
    @Option(help: ArgumentHelp("The jobctl serve to talk to (default: $JOBCTL_SERVER, else \(APIClient.defaultServer)).", valueName: "URL"))
    var server: String?

    /// The client for `--server`, `JOBCTL_SERVER` and `JOBCTL_TOKEN`.
    func client() throws -> APIClient {
        let environment = ProcessInfo.processInfo.environment
        do {
            return try APIClient(server: server ?? environment["JOBCTL_SERVER"] ?? APIClient.defaultServer, token: environment["JOBCTL_TOKEN"])
        } catch {
            Console.error("error: \(error)")
            throw ExitCode(1)
        }
    }
}

/// Prints what a server answered and maps it to an exit status: 0 for 2xx, 1 otherwise.
enum ServerReply {
    static func send(_ client: APIClient, _ method: String, _ path: String, body: Data? = nil) async throws -> APIClient.Reply {
        do {
            return try await client.send(method, path, body: body)
        } catch {
            Console.error("error: \(error)")
            throw ExitCode(1)
        }
    }

    /// Fails with `error: <status>: <message>` unless the status is 2xx.
    static func requireSuccess(_ reply: APIClient.Reply) throws {
        guard (200..<300).contains(reply.status) else {
            var hint = ""
            if reply.status == 401 && (ProcessInfo.processInfo.environment["JOBCTL_TOKEN"] ?? "").isEmpty { hint = " (JOBCTL_TOKEN is not set or empty: set it to a token from `jobctl token create`)" }
            Console.error("error: \(reply.status): \(reply.errorMessage)\(hint)")
            throw ExitCode(1)
        }
    }
}
