public import Foundation

/// A real SMTP server on loopback (Python's aiosmtpd in a child process) that records every
/// message it accepts: envelope, headers and MIME parts, and whether TLS and AUTH were used.
///
/// ```swift
/// let smtp = try await RecordingSMTPServer(security: .startTLS, login: ("jobs", "s3cret"))
/// // ... send through 127.0.0.1:smtp.port, trusting smtp.caFile ...
/// let mail = smtp.messages.first   // from, to, subject, parts (type, content), tls, login
/// ```
///
/// TLS uses a throwaway certificate authority made with `openssl` (``caFile``) and a server
/// certificate for `127.0.0.1` and `localhost`. `replies` answers the first DATA commands with
/// the given codes instead of accepting them (e.g. `[451]` to make a sender retry).
public final class RecordingSMTPServer: @unchecked Sendable {
    public enum Security: String, Sendable { case none, startTLS = "starttls", implicitTLS = "tls" }

    public struct Message: Sendable {
        public var from: String
        public var to: [String]
        public var subject: String
        public var headers: [String: String]
        /// `(content type, decoded content)` of each leaf part, in order.
        public var parts: [(type: String, content: String)]
        public var tls: Bool
        public var login: String?
        public var raw: String
    }

    public let port: Int
    public let caFile: String
    private let folder: URL
    private let process = Process()
    private let log: String

    static let script = #"""
        import asyncio, email, email.policy, json, os, socket, ssl, subprocess, sys, threading, time
        from aiosmtpd.controller import Controller
        from aiosmtpd.smtp import AuthResult
        folder, log, security, user, password, replies, fixed = sys.argv[1], sys.argv[2], sys.argv[3], sys.argv[4], sys.argv[5], json.loads(sys.argv[6]), int(sys.argv[7])
        parent = os.getppid()
        def orphaned():
            while os.getppid() == parent: time.sleep(0.5)
            os._exit(0)
        threading.Thread(target=orphaned, daemon=True).start()
        def sh(*args): subprocess.run(args, cwd=folder, check=True, capture_output=True)
        sh("openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2", "-subj", "/CN=jobctl test CA", "-keyout", "ca.key", "-out", "ca.pem",
           "-addext", "basicConstraints=critical,CA:TRUE", "-addext", "keyUsage=critical,keyCertSign,cRLSign")
        sh("openssl", "req", "-newkey", "rsa:2048", "-nodes", "-subj", "/CN=localhost", "-keyout", "server.key", "-out", "server.csr")
        with open(os.path.join(folder, "san.ext"), "w") as f: f.write("subjectAltName=IP:127.0.0.1,DNS:localhost\nextendedKeyUsage=serverAuth\n")
        sh("openssl", "x509", "-req", "-in", "server.csr", "-CA", "ca.pem", "-CAkey", "ca.key", "-CAcreateserial", "-days", "2", "-out", "server.pem", "-extfile", "san.ext")
        context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        context.load_cert_chain(os.path.join(folder, "server.pem"), os.path.join(folder, "server.key"))
        class Handler:
            async def handle_DATA(self, server, session, envelope):
                if replies: return f"{replies.pop(0)} not now"
                msg = email.message_from_bytes(envelope.original_content or envelope.content, policy=email.policy.default)
                parts = [{"type": p.get_content_type(), "content": p.get_content()} for p in msg.walk() if p.get_content_maintype() != "multipart"]
                login = session.auth_data.login.decode() if session.auth_data is not None else None
                record = {"from": envelope.mail_from, "to": envelope.rcpt_tos, "subject": str(msg["subject"]), "headers": {k: str(v) for k, v in msg.items()},
                          "parts": parts, "tls": server.transport.get_extra_info("ssl_object") is not None, "login": login, "raw": (envelope.original_content or b"").decode("utf-8", "replace")}
                with open(log, "a") as f: f.write(json.dumps(record) + "\n")
                return "250 OK"
        def authenticator(server, session, envelope, mechanism, auth_data):
            ok = auth_data.login.decode() == user and auth_data.password.decode() == password
            return AuthResult(success=ok, handled=False, auth_data=auth_data)  # handled=False: aiosmtpd answers 535 itself
        port = fixed
        if not port:  # a free port (a fixed one is bound with SO_REUSEADDR by asyncio, past TIME_WAIT)
            probe = socket.socket(); probe.bind(("127.0.0.1", 0)); port = probe.getsockname()[1]; probe.close()
        options = {}
        if user: options.update(authenticator=authenticator, auth_required=True, auth_require_tls=(security == "starttls"))  # aiosmtpd sees TLS only after STARTTLS
        if security == "starttls": options.update(tls_context=context, require_starttls=True)
        controller = Controller(Handler(), hostname="127.0.0.1", port=port, ssl_context=context if security == "tls" else None, **options)
        controller.start()
        print(port, flush=True)
        threading.Event().wait()
        """#

    /// - Parameter port: the port to listen on (0: any free one).
    public init(security: Security = .none, login: (user: String, password: String)? = nil, replies: [Int] = [], port: Int = 0) async throws {
        folder = FileManager.default.temporaryDirectory.appendingPathComponent("jobctl-smtp-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        log = folder.appendingPathComponent("messages.jsonl").path
        caFile = folder.appendingPathComponent("ca.pem").path
        FileManager.default.createFile(atPath: log, contents: nil)
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        let repliesJSON = String(decoding: try JSONSerialization.data(withJSONObject: replies), as: UTF8.self)
        process.arguments = ["python3", "-c", Self.script, folder.path, log, security.rawValue, login?.user ?? "", login?.password ?? "", repliesJSON, String(port)]
        let errorLog = folder.appendingPathComponent("stderr.log")
        FileManager.default.createFile(atPath: errorLog.path, contents: nil)
        let process = self.process
        let pipe = try ChildSpawn.start(process) {
            let pipe = Pipe()
            process.standardOutput = pipe
            process.standardError = try FileHandle(forWritingTo: errorLog)
            return pipe
        }
        let reader = pipe.fileHandleForReading
        let line = await reader.firstLine()
        guard let port = Int(line) else {
            let stderr = (try? String(contentsOf: errorLog, encoding: .utf8)) ?? ""
            throw CocoaError(.fileReadCorruptFile, userInfo: [NSLocalizedDescriptionKey: "the test SMTP server did not start: \(stderr.suffix(2000))"])
        }
        self.port = port
    }

    deinit {
        if process.isRunning { kill(process.processIdentifier, SIGKILL) }
        try? FileManager.default.removeItem(at: folder)
    }

    /// Every message accepted so far, in order.
    public var messages: [Message] {
        let text = FileManager.default.contents(atPath: log).map { String(decoding: $0, as: UTF8.self) } ?? ""
        return text.split(separator: "\n").compactMap { line in
            guard let object = try? JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any] else { return nil }
            let parts = (object["parts"] as? [[String: Any]] ?? []).map { (type: $0["type"] as? String ?? "", content: $0["content"] as? String ?? "") }
            return Message(from: object["from"] as? String ?? "", to: object["to"] as? [String] ?? [], subject: object["subject"] as? String ?? "",
                           headers: object["headers"] as? [String: String] ?? [:], parts: parts, tls: object["tls"] as? Bool ?? false,
                           login: object["login"] as? String, raw: object["raw"] as? String ?? "")
        }
    }
}
