import AgentTools
import ArgumentParser
import Foundation
import MCPEndpoint
import Server

/// `jobctl mcp [--root DIR] [--server URL]`: the agent tools as a Model Context Protocol server on
/// stdin and stdout, for an MCP client (an editor, an agent) to start.
struct MCPCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "mcp",
        abstract: "Serve the agent tools (job_create, job_search, job_pause, ...) over the Model Context Protocol on stdio.",
        discussion: """
        An MCP client starts it and speaks JSON-RPC on its stdin and stdout. job_create and job_update
        write drafts into the working tree of --root (or commit them on a branch) after validating them;
        nothing is applied. With --server (or JOBCTL_SERVER) and a token in JOBCTL_TOKEN, job_run,
        job_pause, job_resume, job_cancel, job_history and fire_times go through that daemon's API;
        without, they say they need one. serve offers the same tools at POST /mcp.
          {"mcpServers": {"jobctl": {"command": "jobctl", "args": ["mcp", "--root", "/srv/jobs"]}}}
        """
    )

    @OptionGroup var rootOptions: RootOptions

    @Option(help: ArgumentHelp("The jobctl serve for daemon actions (default: $JOBCTL_SERVER; none when neither is set).", valueName: "URL"))
    var server: String?

    func run() async throws {
        let environment = ProcessInfo.processInfo.environment
        var daemon: APIClient?
        if let url = server ?? environment["JOBCTL_SERVER"] {
            do { daemon = try APIClient(server: url, token: environment["JOBCTL_TOKEN"]) } catch {
                Console.error("error: \(error)")
                throw ExitCode(1)
            }
        }
        let toolbox = AgentToolbox(.init(root: rootOptions.folder.path, daemon: daemon))
        await MCPStdio.serve(toolbox: toolbox, caller: .localUser, version: JobctlVersion.current)
    }
}
