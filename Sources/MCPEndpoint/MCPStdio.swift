public import AgentTools
import Expressions
import Foundation

/// MCP's stdio transport: one JSON-RPC message per line on stdin, one answer per line on stdout,
/// in order, until stdin ends. Nothing else is written to stdout (diagnostics go to stderr).
public enum MCPStdio {
    public static func serve(toolbox: AgentToolbox, caller: ToolCaller, version: String) async {
        let session = MCPSession(toolbox: toolbox, caller: caller, version: version)
        // An answer is one line: Value's JSON escapes every control character in strings.
        // Lines are read on a thread of their own: a blocking read never holds the cooperative pool.
        let lines = AsyncStream<String> { continuation in
            Thread {
                while let line = readLine(strippingNewline: true) { continuation.yield(line) }
                continuation.finish()
            }.start()
        }
        for await line in lines where !line.allSatisfy(\.isWhitespace) {
            if let answer = await session.handle(bytes: Array(line.utf8)) {
                FileHandle.standardOutput.write(Data((answer.description + "\n").utf8))
            }
        }
    }
}
