public import Foundation

/// git's smart HTTP on loopback: `git http-backend` (the CGI program that ships with git) behind a
/// small Python HTTP server in a child process, serving the bare repositories of one folder at
/// `http://127.0.0.1:PORT/<name>.git`. Pushes are allowed (`http.receivepack`).
///
/// ```swift
/// let server = try await GitHTTPServer(folder: forge.container, login: ("ci", "t0ken"))
/// // clone / fetch http://127.0.0.1:\(server.port)/repo.git with basic auth ci:t0ken
/// ```
///
/// With `login`, every request without that basic-auth user and password is answered 401 with a
/// `WWW-Authenticate` challenge, as a forge does for a private repository.
public final class GitHTTPServer: @unchecked Sendable {
    public let port: Int
    private let process = Process()
    private let log: String

    static let script = #"""
        import base64, os, subprocess, sys, threading, time
        from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
        folder, user, password, portfile = sys.argv[1], sys.argv[2], sys.argv[3], sys.argv[4]
        parent = os.getppid()
        def orphaned():
            while os.getppid() == parent: time.sleep(0.5)
            os._exit(0)
        threading.Thread(target=orphaned, daemon=True).start()
        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"
            def log_message(self, *args): pass
            def body(self):
                if self.headers.get("Transfer-Encoding", "").lower() == "chunked":
                    data = b""
                    while True:
                        size = int(self.rfile.readline().split(b";")[0].strip(), 16)
                        if size == 0:
                            self.rfile.readline()
                            return data
                        data += self.rfile.read(size)
                        self.rfile.readline()
                return self.rfile.read(int(self.headers.get("Content-Length") or 0))
            def handle_any(self):
                data = self.body()
                if user:
                    expected = "Basic " + base64.b64encode(f"{user}:{password}".encode()).decode()
                    if self.headers.get("Authorization") != expected:
                        self.send_response(401)
                        self.send_header("WWW-Authenticate", 'Basic realm="git"')
                        self.send_header("Content-Length", "0")
                        self.end_headers()
                        return
                path, _, query = self.path.partition("?")
                env = {"GIT_PROJECT_ROOT": folder, "GIT_HTTP_EXPORT_ALL": "1", "PATH_INFO": path, "QUERY_STRING": query,
                       "REQUEST_METHOD": self.command, "CONTENT_TYPE": self.headers.get("Content-Type", ""),
                       "CONTENT_LENGTH": str(len(data)), "REMOTE_USER": user or "anonymous", "REMOTE_ADDR": "127.0.0.1",
                       "GIT_CONFIG_COUNT": "2", "GIT_CONFIG_KEY_0": "http.receivepack", "GIT_CONFIG_VALUE_0": "true",
                       "GIT_CONFIG_KEY_1": "safe.directory", "GIT_CONFIG_VALUE_1": "*", "PATH": os.environ.get("PATH", "/usr/bin:/bin")}
                if self.headers.get("Content-Encoding"): env["HTTP_CONTENT_ENCODING"] = self.headers["Content-Encoding"]
                if self.headers.get("Git-Protocol"): env["GIT_PROTOCOL"] = self.headers["Git-Protocol"]
                out = subprocess.run(["git", "http-backend"], input=data, env=env, capture_output=True).stdout
                head, _, payload = out.partition(b"\r\n\r\n")
                status, headers = 200, []
                for line in head.decode().split("\r\n"):
                    name, _, value = line.partition(":")
                    if name.lower() == "status": status = int(value.strip().split()[0])
                    elif name: headers.append((name, value.strip()))
                self.send_response(status)
                for name, value in headers: self.send_header(name, value)
                self.send_header("Content-Length", str(len(payload)))
                self.end_headers()
                self.wfile.write(payload)
            do_GET = handle_any
            do_POST = handle_any
        server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        with open(portfile + ".tmp", "w") as f: f.write(str(server.server_address[1]))
        os.rename(portfile + ".tmp", portfile)
        server.serve_forever()
        """#

    /// Starts the server for the bare repositories in `folder`; returns once it listens.
    public init(folder: String, login: (user: String, password: String)? = nil) async throws {
        let work = FileManager.default.temporaryDirectory.appendingPathComponent("jobctl-git-http-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: work, withIntermediateDirectories: true)
        let portFile = work.appendingPathComponent("port").path
        log = work.appendingPathComponent("server.log").path
        FileManager.default.createFile(atPath: log, contents: nil)
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["python3", "-c", Self.script, folder, login?.user ?? "", login?.password ?? "", portFile]
        let output = try FileHandle(forWritingTo: URL(fileURLWithPath: log))
        process.standardOutput = output
        process.standardError = output
        try ChildSpawn.start(process)
        var port: Int?
        _ = try await eventually("the git HTTP server listens") { [process] in
            if !process.isRunning { return true }
            port = (try? String(contentsOfFile: portFile, encoding: .utf8)).flatMap { Int($0) }
            return port != nil
        }
        guard let port else {
            throw GitHTTPServerError(message: "the git HTTP server did not start: " + ((try? String(contentsOfFile: log, encoding: .utf8)) ?? ""))
        }
        self.port = port
    }

    deinit {
        if process.isRunning { process.terminate() }
    }

    /// `http://127.0.0.1:PORT/<name>` (a bare repository's folder name inside `folder`).
    public func url(_ name: String) -> String { "http://127.0.0.1:\(port)/\(name)" }
}

public struct GitHTTPServerError: Error, CustomStringConvertible {
    public var message: String
    public var description: String { message }
}
