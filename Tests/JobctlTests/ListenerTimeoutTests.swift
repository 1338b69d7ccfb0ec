import Foundation
import Testing
import TestSupport

/// Slow-header clients cannot hold the API's connections: a connection that has not sent a whole
/// request head within `--idle-timeout` is closed, and the API keeps answering.
@Suite struct ListenerTimeoutTests {
    /// A TCP connection to 127.0.0.1:`port` that has sent `bytes` and nothing more.
    static func connect(port: Int, sending bytes: String) -> Int32? {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { return nil }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = in_port_t(UInt16(port).bigEndian)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        let connected = withUnsafePointer(to: &address) { pointer in
            pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) { Glibc.connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) == 0 }
        }
        guard connected, send(fd, bytes, bytes.utf8.count, 0) == bytes.utf8.count else {
            close(fd)
            return nil
        }
        return fd
    }

    /// Whether the server closed the connection (end of file or reset), without blocking.
    static func isClosed(_ fd: Int32) -> Bool {
        var byte: UInt8 = 0
        let read = recv(fd, &byte, 1, Int32(MSG_DONTWAIT))
        return read == 0 || (read < 0 && errno != EAGAIN && errno != EWOULDBLOCK)
    }

    @Test func slowHeaderConnectionsAreClosedAfterTheIdleTimeout() async throws {
        let repo = try TemporaryGitRepository(files: [".gitignore": "/.jobctl/\n/history/\n", "jobs/a.yaml": "steps:\n  - run: [\"true\"]\n"])
        _ = try await JobctlProcess.run(["apply", "--root", repo.path])
        let daemon = try DaemonProcess(["serve", "--root", repo.path, "--listen", "127.0.0.1:0", "--idle-timeout", "1s"])
        let server = try await daemon.apiURL()
        let port = try #require(Int(server.split(separator: ":").last ?? ""))
        let sockets = (0..<100).compactMap { _ in Self.connect(port: port, sending: "GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Slow: ") }
        defer { sockets.forEach { close($0) } }
        #expect(sockets.count == 100)
        #expect(try await eventually("every slow-header connection is closed") { sockets.allSatisfy(Self.isClosed) }, "\(daemon.output)")
        // The API still answers a whole request.
        let fresh = try #require(Self.connect(port: port, sending: "GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n"))
        defer { close(fresh) }
        var answer = [UInt8]()
        #expect(try await eventually {
            var buffer = [UInt8](repeating: 0, count: 4096)
            let read = recv(fresh, &buffer, buffer.count, Int32(MSG_DONTWAIT))
            if read > 0 { answer += buffer[0..<read] }
            return String(decoding: answer, as: UTF8.self).contains("\"status\":\"ok\"")
        })
        daemon.signal(SIGTERM)
        #expect(try await daemon.waitForExit(within: 90) == 0)
    }
}
