import Foundation
import Hummingbird

/// JSON bodies: what every endpoint but the log, the metrics and the OpenAPI document answers with.
enum JSONResponse {
    static func make(_ value: some Encodable, status: HTTPResponse.Status = .ok) throws -> Response {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        let data = try encoder.encode(value)
        return raw(data, status: status)
    }

    static func raw(_ data: some Sequence<UInt8>, status: HTTPResponse.Status = .ok, contentType: String = "application/json") -> Response {
        var buffer = ByteBuffer()
        buffer.writeBytes(data)
        return Response(status: status, headers: [.contentType: contentType], body: .init(byteBuffer: buffer))
    }

    static func text(_ text: String, contentType: String = "text/plain; charset=utf-8") -> Response {
        Response(status: .ok, headers: [.contentType: contentType], body: .init(byteBuffer: ByteBuffer(string: text)))
    }
}
