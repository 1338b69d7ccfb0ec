import NIOCore

/// One SMTP reply: its three-digit code and its lines' text (`250-first`, `250 last`).
struct SMTPReply: Sendable {
    var code: Int
    var lines: [String]

    var text: String { lines.joined(separator: " ") }
    /// 2xx and 3xx: the server goes on.
    var isPositive: Bool { (200..<400).contains(code) }
}

/// Reads SMTP replies off the channel and hands each to the next waiter, in order.
///
/// Lives on the channel's event loop; the client reaches it through ``NIOLoopBound``.
/// A reply that arrives before anyone waits (the greeting) is kept until asked for.
final class SMTPReplyReader: ChannelInboundHandler, RemovableChannelHandler {
    typealias InboundIn = ByteBuffer

    private var partial: [UInt8] = []
    private var lines: [String] = []
    private var ready: [SMTPReply] = []
    private var waiting: [EventLoopPromise<SMTPReply>] = []
    private var failure: SMTPError?
    /// Replies longer than this are a broken or hostile server.
    private static let lineCap = 4096

    /// The next reply, now or when it arrives.
    func next(on loop: any EventLoop) -> EventLoopFuture<SMTPReply> {
        if !ready.isEmpty { return loop.makeSucceededFuture(ready.removeFirst()) }
        if let failure { return loop.makeFailedFuture(failure) }
        let promise = loop.makePromise(of: SMTPReply.self)
        waiting.append(promise)
        return promise.futureResult
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        var buffer = unwrapInboundIn(data)
        while let byte = buffer.readInteger(as: UInt8.self) {
            if byte == UInt8(ascii: "\n") {
                if partial.last == UInt8(ascii: "\r") { partial.removeLast() }
                line(String(decoding: partial, as: UTF8.self), context: context)
                partial.removeAll(keepingCapacity: true)
            } else {
                partial.append(byte)
                if partial.count > Self.lineCap {
                    fail(SMTPError(message: "the server sent a line longer than \(Self.lineCap) bytes", retryable: true))
                    context.close(promise: nil)
                    return
                }
            }
        }
    }

    /// `250-text` continues a reply; `250 text` (or `250`) ends it.
    private func line(_ text: String, context: ChannelHandlerContext) {
        let bytes = Array(text.utf8)
        guard bytes.count >= 3, let code = Int(String(decoding: bytes[0..<3], as: UTF8.self)),
              bytes.count == 3 || bytes[3] == UInt8(ascii: " ") || bytes[3] == UInt8(ascii: "-") else {
            fail(SMTPError(message: "the server's answer is not SMTP: '\(text.prefix(80))'", retryable: true))
            context.close(promise: nil)
            return
        }
        lines.append(bytes.count > 4 ? String(decoding: bytes[4...], as: UTF8.self) : "")
        guard bytes.count == 3 || bytes[3] == UInt8(ascii: " ") else { return }
        let reply = SMTPReply(code: code, lines: lines)
        lines = []
        if waiting.isEmpty { ready.append(reply) } else { waiting.removeFirst().succeed(reply) }
    }

    func channelInactive(context: ChannelHandlerContext) {
        fail(SMTPError(message: "the server closed the connection", retryable: true))
        context.fireChannelInactive()
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        fail(SMTPError(message: SMTPError.reason(of: error), retryable: true))
        context.close(promise: nil)
    }

    /// Fails every waiter, and every later ask, with the first failure.
    func fail(_ error: SMTPError) {
        if failure == nil { failure = error }
        let pending = waiting
        waiting = []
        pending.forEach { $0.fail(failure ?? error) }
    }
}
