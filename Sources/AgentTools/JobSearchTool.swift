import Definitions
import Expressions
import Foundation
import GitStore
import Reconciler

/// `job_search` (keywords) and `job_search_semantic` (meaning) over the jobs in force.
struct JobSearchTool {
    let settings: AgentToolbox.Settings
    let caller: ToolCaller

    func keywords(_ input: ToolArguments) throws -> ToolAnswer {
        let query = try input.requiredString("query")
        let limit = try input.integer("limit", default: 5, range: 1...100)
        let root = try JobsRootAccess.open(settings.root)
        guard let applied = try AppliedJobs.load(root) else { return Self.nothingApplied }
        let documents = applied.visible(to: caller).map(JobDocument.init)
        let ranked = KeywordIndex(documents).search(query).prefix(limit)
        return Self.answer(query: query, ranked.map { ($0.document, $0.score, $0.matched) }, method: "keywords")
    }

    func semantic(_ input: ToolArguments) async throws -> ToolAnswer {
        let query = try input.requiredString("query")
        let limit = try input.integer("limit", default: 5, range: 1...100)
        let (documents, endpoint, cache) = try prepareSemantic()
        guard let endpoint else {
            return .failure("search by meaning needs an embeddings endpoint, and jobctl.yaml at the applied commit names none: add search.embeddings {url, model} (an OpenAI-compatible /embeddings API) and apply it; job_search finds jobs by keywords meanwhile",
                            details: .object(["configured": .bool(false)]))
        }
        guard let documents else { return Self.nothingApplied }
        let client = try EmbeddingsClient(endpoint: endpoint, secrets: settings.secrets)
        var vectors = cache.read()
        let missing = documents.filter { vectors[$0.blob] == nil }
        if !missing.isEmpty {
            let embedded = try await client.embed(missing.map(\.document.text))
            for (document, vector) in zip(missing, embedded) { vectors[document.blob] = vector }
            cache.write(vectors, keeping: Set(documents.map(\.blob)))
        }
        let queryVector = try await client.embed([query])[0]
        let ranked = documents.compactMap { entry -> (JobDocument, Double, [String])? in
            vectors[entry.blob].map { (entry.document, Self.cosine(queryVector, $0), []) }
        }.sorted { $0.1 != $1.1 ? $0.1 > $1.1 : $0.0.id < $1.0.id }
        var answer = Self.answer(query: query, Array(ranked.prefix(limit)), method: "embeddings (\(endpoint.model))")
        if case .object(var object) = answer.structured {
            object["embedded"] = .number(Double(missing.count))
            answer.structured = .object(object)
        }
        return answer
    }

    /// The documents with their blob ids, the endpoint of the applied jobctl.yaml, the cache.
    private func prepareSemantic() throws -> ([(document: JobDocument, blob: String)]?, EmbeddingsEndpoint?, EmbeddingsCache) {
        let root = try JobsRootAccess.open(settings.root)
        let applied = try AppliedJobs.load(root)
        let endpoint = applied?.definitions.config.embeddings
        let cache = EmbeddingsCache(folder: root.repository.commonDirectory + "/jobctl/cache/embeddings", endpoint: endpoint)
        let documents = applied.map { applied in
            applied.visible(to: caller).compactMap { job in
                applied.blobs[job.file].map { (JobDocument(job), $0.hex) }
            }
        }
        return (documents, endpoint, cache)
    }

    static let nothingApplied = ToolAnswer(text: "nothing is applied yet: no job is in force to search (job_get shows drafts by id)",
                                           structured: .object(["results": .array([])]))

    static func answer(query: String, _ ranked: [(JobDocument, Double, [String])], method: String) -> ToolAnswer {
        var lines = ranked.isEmpty ? ["no job in force matches '\(query)'"] : []
        let results: [Value] = ranked.enumerated().map { index, entry in
            let (document, score, matched) = entry
            lines.append("\(index + 1). \(document.id) — \(document.name)\(document.description.map { ": \($0)" } ?? "") (score \(String(format: "%.3f", score)))")
            return .object(["id": .string(document.id), "name": .string(document.name), "description": document.description.map(Value.string) ?? .null,
                            "file": .string(document.file), "score": .number((score * 1000).rounded() / 1000),
                            "matched": .array(matched.map(Value.string))])
        }
        return ToolAnswer(text: lines.joined(separator: "\n"), structured: .object(["query": .string(query), "method": .string(method), "results": .array(results)]))
    }

    static func cosine(_ a: [Double], _ b: [Double]) -> Double {
        guard a.count == b.count, !a.isEmpty else { return 0 }
        var dot = 0.0, na = 0.0, nb = 0.0
        for index in a.indices {
            dot += a[index] * b[index]
            na += a[index] * a[index]
            nb += b[index] * b[index]
        }
        return na == 0 || nb == 0 ? 0 : dot / (na.squareRoot() * nb.squareRoot())
    }
}

/// A job's searchable text, by field.
struct JobDocument: Sendable {
    var id: String
    var name: String
    var description: String?
    var file: String
    /// (field, text, weight): id and name weigh most, then the description, prompts, steps.
    var fields: [(field: String, text: String, weight: Double)]

    init(_ job: JobDefinition) {
        id = job.id.rawValue
        name = job.name
        description = job.description
        file = job.file
        var prompts: [String] = []
        var steps: [String] = []
        for step in job.steps {
            steps.append(step.name)
            switch step.kind {
            case .command(let argv): steps.append(argv.map(\.source).joined(separator: " "))
            case .shell(let script): steps.append(script)
            case .agent(let agent, let prompt): prompts.append(prompt.source); steps.append(agent)
            case .http(let request): steps.append(request.method + " " + request.url.source)
            }
        }
        fields = [("id", id.replacingOccurrences(of: "/", with: " "), 3), ("name", name, 3), ("description", description ?? "", 2),
                  ("prompts", prompts.joined(separator: "\n"), 1.5), ("steps", steps.joined(separator: "\n"), 1)]
    }

    /// The text that is embedded: what the job is and does, in words.
    var text: String {
        ([name, description ?? ""] + fields.filter { $0.field == "prompts" || $0.field == "steps" }.map(\.text))
            .filter { !$0.isEmpty }.joined(separator: "\n")
    }
}

/// Ranking by words: each query word found in a field adds the field's weight times its rarity
/// across jobs (idf) times a damped count. Words are lower-cased letters and digits; a plural s
/// is ignored; a few function words are not words here.
struct KeywordIndex {
    struct Hit {
        var document: JobDocument
        var score: Double
        var matched: [String]
    }

    let documents: [JobDocument]
    private let terms: [[String: [String: Int]]]   // per document: field → term → count
    private let documentFrequency: [String: Int]

    init(_ documents: [JobDocument]) {
        self.documents = documents
        var frequency: [String: Int] = [:]
        terms = documents.map { document in
            var byField: [String: [String: Int]] = [:]
            var seen = Set<String>()
            for field in document.fields {
                for word in Self.words(field.text) {
                    byField[field.field, default: [:]][word, default: 0] += 1
                    seen.insert(word)
                }
            }
            for word in seen { frequency[word, default: 0] += 1 }
            return byField
        }
        documentFrequency = frequency
    }

    func search(_ query: String) -> [Hit] {
        let words = Array(Set(Self.words(query)))
        let count = Double(max(documents.count, 1))
        var hits: [Hit] = []
        for (index, document) in documents.enumerated() {
            var score = 0.0
            var matched: [String] = []
            for word in words {
                let idf = log(1 + count / Double(documentFrequency[word] ?? 1))
                var found = false
                for field in document.fields {
                    guard let n = terms[index][field.field]?[word] else { continue }
                    score += field.weight * idf * (1 + log(Double(n)))
                    found = true
                }
                if found { matched.append(word) }
            }
            if score > 0 { hits.append(Hit(document: document, score: score, matched: matched.sorted())) }
        }
        return hits.sorted { $0.score != $1.score ? $0.score > $1.score : $0.document.id < $1.document.id }
    }

    static let functionWords: Set<String> = ["a", "an", "and", "are", "at", "be", "by", "for", "from", "in", "is", "it", "me", "my",
                                              "of", "on", "or", "that", "the", "this", "to", "with", "job", "jobs"]

    static func words(_ text: String) -> [String] {
        text.lowercased().split { !($0.isLetter || $0.isNumber) }.compactMap { piece in
            var word = String(piece)
            if functionWords.contains(word) { return nil }
            if word.count > 3, word.hasSuffix("s"), !word.hasSuffix("ss") { word.removeLast() }
            return word
        }
    }
}
