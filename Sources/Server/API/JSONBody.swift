import Expressions
import Foundation
import Hummingbird
import NIOCore

/// Reading request bodies: at most 1 MiB (413 beyond), a JSON object or nothing (400 otherwise).
enum JSONBody {
    /// The raw bytes of the body, up to the context's limit.
    static func bytes(_ request: Request, context: APIRequestContext) async throws -> [UInt8] {
        if let length = request.headers[.contentLength].flatMap({ Int($0) }), length > context.maxUploadSize {
            throw ErrorMiddleware.tooLarge
        }
        do {
            var buffer = try await request.body.collect(upTo: context.maxUploadSize)
            return buffer.readBytes(length: buffer.readableBytes) ?? []
        } catch is NIOTooManyBytesError {
            throw ErrorMiddleware.tooLarge
        }
    }

    /// The body as a JSON object; an empty body is `{}`.
    /// - Throws: ``APIError`` 400 (`malformed_json`) for anything that is not a JSON object.
    static func object(_ bytes: [UInt8]) throws(APIError) -> [String: Value] {
        if bytes.allSatisfy({ $0 == 0x20 || $0 == 0x0A || $0 == 0x0D || $0 == 0x09 }) { return [:] }
        guard case .object(let members) = try value(bytes) else {
            throw APIError(.badRequest, code: "malformed_json", "the request body must be a JSON object")
        }
        return members
    }

    /// Any JSON value.
    /// - Throws: ``APIError`` 400 (`malformed_json`) naming the byte offset of the problem.
    static func value(_ bytes: [UInt8]) throws(APIError) -> Value {
        do {
            return try Value(parsingJSON: bytes)
        } catch {
            throw APIError(.badRequest, code: "malformed_json", "the request body is not valid JSON: \(error.message) at byte \(error.offset)")
        }
    }
}
