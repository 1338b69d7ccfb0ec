import Foundation
import Hummingbird
import Logging

/// `jobctl-bench server`: wrk against a real `jobctl serve` (`GET /api/jobs`, `POST /api/events`
/// with a filter to evaluate) and, as the floor, against bare Hummingbird routes served by this
/// process on the same machine: requests/s and p99 latency.
///
/// The event's only listener has a filter that is false for the payload, so each request
/// evaluates the filter and appends a `filtered` record to history (no process is spawned).
///
///     swift build -c release --product jobctl --product jobctl-bench
///     .build/release/jobctl-bench server [--duration 10] [--connections 16] [--threads 1] [--jobs 50]
enum ServerBenchmark {
    struct Result {
        var name: String
        var requestsPerSecond: Double
        var p50: String
        var p99: String
        var non2xx: Int
        var command: String
    }

    static func run(_ arguments: [String]) async throws {
        let duration = Int(BenchmarkSupport.option("--duration", in: arguments) ?? "10") ?? 10
        let connections = Int(BenchmarkSupport.option("--connections", in: arguments) ?? "16") ?? 16
        let threads = Int(BenchmarkSupport.option("--threads", in: arguments) ?? "1") ?? 1
        let jobCount = Int(BenchmarkSupport.option("--jobs", in: arguments) ?? "50") ?? 50
        guard shell("command -v wrk >/dev/null").status == 0 else {
            FileHandle.standardError.write(Data("wrk is not installed (apt-get install -y wrk)\n".utf8))
            exit(2)
        }
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("jobctl-bench-server-\(UUID().uuidString)").path
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let root = folder + "/root"
        try makeRoot(root, jobs: jobCount)
        let token = try createToken(root: root)

        // The floor: bare Hummingbird routes in this process.
        let router = Router()
        router.get("/bare") { _, _ in #"{"status":"ok"}"# }
        router.post("/bare") { request, context -> String in
            _ = try await request.body.collect(upTo: 1 << 20)
            return #"{"status":"ok"}"#
        }
        let bare = try await startBare(router)

        // jobctl serve on a free port.
        let port = try freePort()
        let serve = try await startServe(root: root, port: port, log: folder + "/serve.log", within: 30)
        defer { if serve.isRunning { kill(serve.processIdentifier, SIGTERM) } }

        let eventBody = #"{"type": "bench.event", "payload": {"amount": 250, "status": "ACTIVE", "customer": {"tier": "gold"}}}"#
        let postScript = folder + "/post.lua"
        let bareScript = folder + "/bare.lua"
        try lua(body: eventBody, token: token).write(toFile: postScript, atomically: true, encoding: .utf8)
        try lua(body: eventBody, token: nil).write(toFile: bareScript, atomically: true, encoding: .utf8)
        let getScript = folder + "/get.lua"
        try "wrk.headers[\"Authorization\"] = \"Bearer \(token)\"\n".write(toFile: getScript, atomically: true, encoding: .utf8)

        let base = "wrk -t\(threads) -c\(connections) -d\(duration)s --latency"
        var results: [Result] = []
        results.append(wrk("bare GET /bare (floor)", "\(base) http://127.0.0.1:\(bare.port)/bare"))
        results.append(wrk("GET /api/jobs (\(jobCount) jobs)", "\(base) -s \(getScript) 'http://127.0.0.1:\(port)/api/jobs?limit=30'"))
        results.append(wrk("bare POST /bare (floor)", "\(base) -s \(bareScript) http://127.0.0.1:\(bare.port)/bare"))
        results.append(wrk("POST /api/events (filter evaluated, recorded filtered)", "\(base) -s \(postScript) http://127.0.0.1:\(port)/api/events"))
        let filtered = (try? String(contentsOfFile: root + "/history/events/listener.jsonl", encoding: .utf8))?.split(separator: "\n").count ?? 0

        kill(serve.processIdentifier, SIGTERM)
        serve.waitUntilExit()
        await bare.stop()

        print("jobctl-bench server: wrk \(threads) thread(s), \(connections) connections, \(duration)s each; \(ProcessInfo.processInfo.activeProcessorCount) cores")
        print("")
        print("| target | requests/s | p50 | p99 | non-2xx |")
        print("|---|---:|---:|---:|---:|")
        for result in results {
            print("| \(result.name) | \(String(format: "%.0f", result.requestsPerSecond)) | \(result.p50) | \(result.p99) | \(result.non2xx) |")
        }
        let floor = results[2].requestsPerSecond, events = results[3].requestsPerSecond
        print("")
        print("events vs bare POST floor: \(String(format: "%.2f", floor > 0 ? events / floor : 0))x (goal: at least 0.5x); \(filtered) filtered records appended")
        print("")
        for result in results { print("  \(result.command)") }
    }

    /// `jobctl serve --root ROOT` on 127.0.0.1:PORT (output to `log`), once it listens and has
    /// loaded the applied jobs, or `within` seconds have passed.
    static func startServe(root: String, port: Int, log: String, within seconds: TimeInterval) async throws -> Process {
        let serve = Process()
        serve.executableURL = URL(fileURLWithPath: BenchmarkSupport.jobctl)
        serve.arguments = ["serve", "--root", root, "--listen", "127.0.0.1:\(port)"]
        FileManager.default.createFile(atPath: log, contents: nil)
        serve.standardOutput = try FileHandle(forWritingTo: URL(fileURLWithPath: log))
        serve.standardError = serve.standardOutput
        try serve.run()
        let deadline = Date().addingTimeInterval(seconds)
        while Date() < deadline {
            let text = (try? String(contentsOfFile: log, encoding: .utf8)) ?? ""
            if text.contains("listening on") && text.contains("running ") { break }
            try await Task.sleep(for: .milliseconds(50))
        }
        return serve
    }

    static func makeRoot(_ root: String, jobs: Int) throws {
        try FileManager.default.createDirectory(atPath: root + "/jobs/fleet", withIntermediateDirectories: true)
        try FileManager.default.createDirectory(atPath: root + "/jobs/events", withIntermediateDirectories: true)
        try ".jobctl/\nhistory/\n".write(toFile: root + "/.gitignore", atomically: true, encoding: .utf8)
        for index in 0..<jobs {
            try """
                name: Fleet job \(index)
                description: a scheduled job for the list benchmark
                schedule: {cron: "\(index % 60) \(index % 24) * * *", timezone: Europe/Amsterdam}
                params:
                  market: {default: NL, allowed: [NL, BE, DE]}
                steps:
                  - run: ["true"]

                """.write(toFile: root + "/jobs/fleet/job-\(index).yaml", atomically: true, encoding: .utf8)
        }
        try """
            on: {events: [bench.event]}
            filter: event.amount > 1000 and lower(event.status) == "active" and event.customer.tier in ["gold", "platinum"]
            steps:
              - run: ["true"]

            """.write(toFile: root + "/jobs/events/listener.yaml", atomically: true, encoding: .utf8)
        for command in ["git init -q -b main", "git -c user.name=bench -c user.email=bench@example.com add -A",
                        "git -c user.name=bench -c user.email=bench@example.com commit -q -m jobs", "'\(BenchmarkSupport.jobctl)' apply --root . >/dev/null"] {
            let result = shell(command, in: root)
            guard result.status == 0 else { throw BenchError(message: "\(command): \(result.output)") }
        }
    }

    static func createToken(root: String) throws -> String {
        let result = shell("'\(BenchmarkSupport.jobctl)' token create --root . --scope run --name bench", in: root)
        guard result.status == 0, let last = result.output.split(separator: "\n").last else { throw BenchError(message: result.output) }
        return String(last)
    }

    static func lua(body: String, token: String?) -> String {
        let escaped = body.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "\"", with: "\\\"")
        var text = "wrk.method = \"POST\"\nwrk.body = \"\(escaped)\"\nwrk.headers[\"Content-Type\"] = \"application/json\"\n"
        if let token { text += "wrk.headers[\"Authorization\"] = \"Bearer \(token)\"\n" }
        return text
    }

    static func wrk(_ name: String, _ command: String) -> Result {
        let output = shell(command).output
        var result = Result(name: name, requestsPerSecond: 0, p50: "-", p99: "-", non2xx: 0, command: command)
        for line in output.split(separator: "\n") {
            let fields = line.split(separator: " ", omittingEmptySubsequences: true)
            if line.hasPrefix("Requests/sec:"), let value = fields.last.flatMap({ Double($0) }) { result.requestsPerSecond = value }
            if fields.count == 2, fields[0] == "50%" { result.p50 = String(fields[1]) }
            if fields.count == 2, fields[0] == "99%" { result.p99 = String(fields[1]) }
            if line.contains("Non-2xx or 3xx responses:"), let value = fields.last.flatMap({ Int($0) }) { result.non2xx = value }
        }
        if result.requestsPerSecond == 0 { FileHandle.standardError.write(Data("\(command):\n\(output)\n".utf8)) }
        return result
    }

    struct Bare {
        var port: Int
        var task: Task<Void, any Error>

        func stop() async {
            task.cancel()
            _ = await task.result
        }
    }

    static func startBare(_ router: Router<BasicRequestContext>) async throws -> Bare {
        let (stream, continuation) = AsyncStream<Int>.makeStream()
        var logger = Logger(label: "bare")
        logger.logLevel = .warning
        let app = Application(router: router, configuration: .init(address: .hostname("127.0.0.1", port: 0)),
                              onServerRunning: { channel in continuation.yield(channel.localAddress?.port ?? 0) }, logger: logger)
        let task = Task { try await app.run() }
        var iterator = stream.makeAsyncIterator()
        guard let port = await iterator.next() else { throw BenchError(message: "the bare server did not start") }
        return Bare(port: port, task: task)
    }

    static func freePort() throws -> Int {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        defer { close(fd) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        address.sin_port = 0
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let bound = withUnsafeMutablePointer(to: &address) { pointer in
            pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, length) == 0 && getsockname(fd, $0, &length) == 0 }
        }
        guard bound else { throw BenchError(message: "no free port") }
        return Int(UInt16(bigEndian: address.sin_port))
    }

    static func shell(_ command: String, in directory: String? = nil) -> (status: Int32, output: String) {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/bin/sh")
        process.arguments = ["-c", command + " 2>&1"]
        if let directory { process.currentDirectoryURL = URL(fileURLWithPath: directory) }
        let pipe = Pipe()
        process.standardOutput = pipe
        do { try process.run() } catch { return (127, "\(error)") }
        let data = pipe.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return (process.terminationStatus, String(decoding: data, as: UTF8.self))
    }

    struct BenchError: Error, CustomStringConvertible {
        var message: String
        var description: String { message }
    }
}
