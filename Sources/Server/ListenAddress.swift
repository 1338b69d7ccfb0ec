/// `--listen HOST:PORT` (`127.0.0.1:8080`, `[::1]:8080`, `0.0.0.0:9000`; port 0 picks a free one).
public struct ListenAddress: Sendable, Hashable, CustomStringConvertible {
    public var host: String
    public var port: Int

    /// The default: loopback only.
    public static let `default` = "127.0.0.1:8080"

    /// - Throws: ``ListenAddressError`` for text that is not HOST:PORT with a port from 0 to 65535.
    public init(_ text: String) throws(ListenAddressError) {
        guard let colon = text.lastIndex(of: ":") else { throw ListenAddressError(text) }
        var host = String(text[..<colon])
        if host.hasPrefix("[") && host.hasSuffix("]") { host = String(host.dropFirst().dropLast()) }
        guard !host.isEmpty, let port = Int(text[text.index(after: colon)...]), (0...65535).contains(port) else {
            throw ListenAddressError(text)
        }
        self.host = host
        self.port = port
    }

    public var description: String { host.contains(":") ? "[\(host)]:\(port)" : "\(host):\(port)" }
}

public struct ListenAddressError: Error, Sendable, CustomStringConvertible {
    public var text: String
    init(_ text: String) { self.text = text }
    public var description: String { "'\(text)' is not HOST:PORT (e.g. 127.0.0.1:8080, [::1]:8080; port 0 picks a free port)" }
}

extension ListenAddress {
    /// `host:port`, with brackets around an IPv6 host.
    /// The address to reach a listener on `host` from the same machine: loopback for the
    /// wildcard addresses, else `host`.
    public static func loopback(for host: String) -> String {
        switch host {
        case "0.0.0.0", "": "127.0.0.1"
        case "::", "[::]": "::1"
        default: host
        }
    }

    public static func display(host: String, port: Int) -> String {
        host.contains(":") ? "[\(host)]:\(port)" : "\(host):\(port)"
    }
}
