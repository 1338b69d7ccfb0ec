public import Foundation

/// A real HTTP server on loopback (a python3 child process) that stands in for the internet hosts
/// a job names: it records every request and answers from a script of responses per path.
///
/// ```swift
/// let server = try await RecordingHTTPServer(responses: ["/status": [(503, "running"), (200, "done")]])
/// // ... point a job at server.url("/status") ...
/// let requests = server.requests   // method, path, headers, body of each, in order
/// ```
///
/// A path's responses are used in order, the last one repeating; paths without a script answer
/// `200 ok`. Stopped (killed) when released.
public final class RecordingHTTPServer: @unchecked Sendable {
    public struct Request: Sendable {
        public var method: String
        public var path: String
        public var headers: [String: String]
        public var body: String
    }

    public let port: Int
    private let process = Process()
    private let log: String

    static let script = #"""
        import http.server, json, os, sys, threading, time
        parent = os.getppid()
        def orphaned():  # the test process is gone (crashed, killed): go too, releasing its pipes
            while os.getppid() == parent: time.sleep(0.5)
            os._exit(0)
        threading.Thread(target=orphaned, daemon=True).start()
        responses = json.loads(sys.argv[1]); log = sys.argv[2]; delays = json.loads(sys.argv[3]); default = sys.argv[4]; served = {}
        class Handler(http.server.BaseHTTPRequestHandler):
            def do_GET(self): self.answer()
            def do_POST(self): self.answer()
            def do_PUT(self): self.answer()
            def answer(self):
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length).decode("utf-8", "replace")
                with open(log, "a") as f:
                    f.write(json.dumps({"method": self.command, "path": self.path, "headers": dict(self.headers), "body": body}) + "\n")
                for prefix, seconds in delays.items():
                    if self.path.startswith(prefix): time.sleep(seconds)
                route = next((p for p in sorted(responses, key=len, reverse=True) if self.path.startswith(p)), None)
                status, text = 200, default
                if route is not None:
                    n = served.get(route, 0); served[route] = n + 1
                    status, text = responses[route][min(n, len(responses[route]) - 1)]
                if text == "{echo}":
                    text = f"{self.command} {self.path} token={self.headers.get('X-Token')} body={body}"
                data = text.encode()
                self.send_response(status)
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)
            def log_message(self, *args): pass
        server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        server.daemon_threads = True
        print(server.server_address[1], flush=True)
        server.serve_forever()
        """#

    /// - Parameters:
    ///   - responses: per path prefix, the answers in order (the last repeats).
    ///   - delays: per path prefix, seconds to wait before answering (the request is recorded first).
    ///   - echo: answer paths without a script with `METHOD PATH token=<X-Token> body=<body>`
    ///     instead of `ok` (a scripted body `{echo}` answers so too).
    public init(responses: [String: [(status: Int, body: String)]] = [:], delays: [String: Double] = [:], echo: Bool = false) async throws {
        log = FileManager.default.temporaryDirectory.appendingPathComponent("jobctl-http-\(UUID().uuidString).jsonl").path
        FileManager.default.createFile(atPath: log, contents: nil)
        let script = responses.mapValues { $0.map { [$0.status, $0.body] as [Any] } }
        let json = String(decoding: try JSONSerialization.data(withJSONObject: script), as: UTF8.self)
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        let delayJSON = String(decoding: try JSONSerialization.data(withJSONObject: delays), as: UTF8.self)
        process.arguments = ["python3", "-c", Self.script, json, log, delayJSON, echo ? "{echo}" : "ok"]
        let process = self.process
        let pipe = try ChildSpawn.start(process) {
            let pipe = Pipe()
            process.standardOutput = pipe
            process.standardError = FileHandle.nullDevice
            return pipe
        }
        // The first line is the port, printed once the server listens; read off the cooperative pool.
        let reader = pipe.fileHandleForReading
        let line = await reader.firstLine()
        guard let port = Int(line) else { throw CocoaError(.fileReadCorruptFile, userInfo: [NSLocalizedDescriptionKey: "the test HTTP server did not start: '\(line)'"]) }
        self.port = port
    }

    deinit {
        if process.isRunning { kill(process.processIdentifier, SIGKILL) }
        try? FileManager.default.removeItem(atPath: log)
    }

    /// `http://127.0.0.1:PORT` + `path`.
    public func url(_ path: String = "") -> String { "http://127.0.0.1:\(port)" + path }

    /// Every request so far, in the order they arrived.
    public var requests: [Request] {
        let text = FileManager.default.contents(atPath: log).map { String(decoding: $0, as: UTF8.self) } ?? ""
        return text.split(separator: "\n").compactMap { line in
            guard let object = try? JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any] else { return nil }
            return Request(method: object["method"] as? String ?? "", path: object["path"] as? String ?? "",
                           headers: object["headers"] as? [String: String] ?? [:], body: object["body"] as? String ?? "")
        }
    }
}
