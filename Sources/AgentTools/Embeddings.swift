import Definitions
import Execution
import Expressions
import Foundation
import Outbound

/// An OpenAI-compatible embeddings endpoint: `POST {model, input: [text]}` →
/// `{data: [{index, embedding: [number]}]}`.
struct EmbeddingsClient {
    let endpoint: EmbeddingsEndpoint
    let token: String?

    init(endpoint: EmbeddingsEndpoint, secrets: SecretStore) throws(ToolFailure) {
        self.endpoint = endpoint
        if let name = endpoint.token?.secretNames.first {
            do { token = try secrets.value(named: name) } catch {
                throw ToolFailure("search.embeddings.token: \(error.message)")
            }
        } else {
            token = nil
        }
    }

    /// One vector per text, in order; batches of 64.
    func embed(_ texts: [String]) async throws(ToolFailure) -> [[Double]] {
        var vectors: [[Double]] = []
        var start = 0
        while start < texts.count {
            let batch = Array(texts[start..<min(start + 64, texts.count)])
            vectors += try await request(batch)
            start += batch.count
        }
        return vectors
    }

    private func request(_ batch: [String]) async throws(ToolFailure) -> [[Double]] {
        let body: Value = .object(["model": .string(endpoint.model), "input": .array(batch.map(Value.string))])
        var headers = [("Content-Type", "application/json"), ("Accept", "application/json")]
        if let token { headers.append(("Authorization", "Bearer \(token)")) }
        let request = OutboundRequest(method: "POST", url: endpoint.url, headers: headers,
                                      body: Array(body.description.utf8), timeout: .seconds(120))
        let response: OutboundRequest.Response
        do { response = try await request.perform(responseCap: 64 << 20) } catch {
            throw ToolFailure("the embeddings endpoint \(OutboundRequest.withoutQuery(endpoint.url)) did not answer: \(error.reason)")
        }
        guard response.status == 200 else {
            throw ToolFailure("the embeddings endpoint answered HTTP \(response.status): \(String(decoding: response.body.prefix(300), as: UTF8.self))")
        }
        guard let json = try? Value(parsingJSON: response.body), case .array(let data) = json["data"], data.count == batch.count else {
            throw ToolFailure("the embeddings endpoint's answer has no data list of \(batch.count) embeddings")
        }
        var vectors = [[Double]](repeating: [], count: batch.count)
        for (position, item) in data.enumerated() {
            let index = JobsRootAccess.number(item["index"]).map(Int.init) ?? position
            guard vectors.indices.contains(index), case .array(let numbers) = item["embedding"] else {
                throw ToolFailure("the embeddings endpoint's answer has an entry without an embedding")
            }
            vectors[index] = numbers.compactMap(JobsRootAccess.number)
        }
        return vectors
    }
}

/// Embeddings by blob id, in a file per endpoint and model under the repository's git folder:
/// a job is embedded again only when its file changes.
struct EmbeddingsCache {
    let path: String

    init(folder: String, endpoint: EmbeddingsEndpoint?) {
        let key = (endpoint.map { $0.url + "\n" + $0.model } ?? "").utf8.reduce(UInt64(14_695_981_039_346_656_037)) { ($0 ^ UInt64($1)) &* 1_099_511_628_211 }
        path = folder + "/" + String(key, radix: 16) + ".json"
    }

    func read() -> [String: [Double]] {
        guard let data = FileManager.default.contents(atPath: path),
              let decoded = try? JSONDecoder().decode([String: [Double]].self, from: data) else { return [:] }
        return decoded
    }

    /// Writes the vectors of `keeping` (the blobs in force) atomically; a failure only costs a re-embedding.
    func write(_ vectors: [String: [Double]], keeping: Set<String>) {
        let kept = vectors.filter { keeping.contains($0.key) }
        guard let data = try? JSONEncoder().encode(kept) else { return }
        try? FileManager.default.createDirectory(atPath: (path as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
        try? data.write(to: URL(fileURLWithPath: path), options: .atomic)
    }
}
