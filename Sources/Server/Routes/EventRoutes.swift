import Definitions
import Execution
import Expressions
import Foundation
import Hummingbird
import Scheduler

/// `POST /api/events` (bearer token, `run`) and `POST /hooks/{id}` (signed with the job's webhook
/// secret instead of a token).
struct EventRoutes {
    let api: JobctlAPI

    struct Decision: Encodable {
        /// `started`, `filtered` or `refused`.
        var outcome: String
        var job: String
        /// Runs started (empty when queued), or the `filtered` record's run id.
        var runs: [String]
        var error: APIError.Body.Detail?
    }

    struct Dispatched: Encodable {
        var type: String
        var decisions: [Decision]
        var started: [String]
        var filtered: [String]

        /// The same JSON as `JSONEncoder` with sorted keys writes, written directly (hot path).
        var json: [UInt8] {
            var out = JSONWriter()
            out.raw("{\"decisions\":[")
            for (index, decision) in decisions.enumerated() {
                if index > 0 { out.raw(",") }
                out.raw("{")
                if let error = decision.error {
                    out.raw("\"error\":{\"code\":")
                    out.string(error.code)
                    out.raw(",\"message\":")
                    out.string(error.message)
                    if let run = error.runInProgress {
                        out.raw(",\"runInProgress\":")
                        out.string(run)
                    }
                    out.raw("},")
                }
                out.raw("\"job\":")
                out.string(decision.job)
                out.raw(",\"outcome\":")
                out.string(decision.outcome)
                out.raw(",\"runs\":")
                out.strings(decision.runs)
                out.raw("}")
            }
            out.raw("],\"filtered\":")
            out.strings(filtered)
            out.raw(",\"started\":")
            out.strings(started)
            out.raw(",\"type\":")
            out.string(type)
            out.raw("}")
            return out.bytes
        }
    }

    func add(to router: Router<APIRequestContext>) {
        let api = self.api
        router.post("/api/events") { request, context -> Response in
            let token = try api.authorize(request, .run)
            let body = try JSONBody.object(try await JSONBody.bytes(request, context: context))
            for key in body.keys where !["type", "payload", "params"].contains(key) {
                throw APIError.badRequest("unknown field '\(key)'; the body is {\"type\": \"...\", \"payload\": {...}, \"params\": {...}}")
            }
            guard case .string(let type)? = body["type"], !type.isEmpty else {
                throw APIError.badRequest("type: a non-empty string is required (the event type jobs list in on.events)", code: "invalid_event")
            }
            let payload = body["payload"] ?? .object([:])
            let parameters = try JobRoutes.parameters(body["params"])
            // A token limited to some jobs offers the event to those only.
            let only = token.jobs == nil ? nil : Set(await api.scheduler.jobs.filter { $0.events.contains(type) && token.covers(job: $0.id.rawValue) }.map(\.id))
            let decisions = await api.scheduler.dispatchEvent(type: type, payload: payload, parameters: parameters, only: only, requestedBy: "token \(token.name)")
            return JSONResponse.raw(Self.dispatched(type: type, decisions).json)
        }
        router.post("/hooks/**") { request, context -> Response in
            // One answer for an unknown job, a job without webhooks and a bad signature: an
            // anonymous caller learns nothing about which jobs exist. The reason goes to the log.
            let refused = APIError(.unauthorized, code: "unauthorized",
                                   "webhook not accepted: sign the body with the job's webhook secret (X-Jobctl-Signature with X-Jobctl-Timestamp, or X-Hub-Signature-256 with X-GitHub-Delivery)")
            let segments = try JobPath.segments(context.parameters.getCatchAll())
            let bytes = try await JSONBody.bytes(request, context: context)
            guard let id = try? JobPath.jobID(segments), await api.scheduler.jobs.contains(where: { $0.id == id }) else {
                api.log("warning: webhook refused: no applied job at \(request.uri.path)")
                throw refused
            }
            let name = WebhookSignature.secretName(for: id)
            let secret: String
            do {
                secret = try api.secrets.value(named: name)
            } catch {
                api.log("warning: webhook for \(id) refused: no secret \(name) (\(error))")
                throw refused
            }
            let type: String
            if let signature = Self.header(request, "X-Jobctl-Signature") {
                // jobctl's scheme: time, type and body signed; a delivery is accepted once, within the window.
                type = Self.header(request, "X-Jobctl-Event") ?? "webhook"
                guard let stamp = Self.header(request, "X-Jobctl-Timestamp").flatMap(Int.init),
                      abs(Date().timeIntervalSince1970 - TimeInterval(stamp)) <= WebhookSignature.window,
                      WebhookSignature.isValid(header: signature, body: Array("\(stamp).\(type).".utf8) + bytes, secret: secret) else {
                    api.log("warning: webhook for \(id) refused: X-Jobctl-Signature does not match, or X-Jobctl-Timestamp is missing or outside ±\(Int(WebhookSignature.window)) s")
                    throw refused
                }
                guard api.replays.firstDelivery("\(id)|jobctl|\(signature)") else {
                    throw APIError(.conflict, code: "replayed", "this delivery was accepted before; a webhook runs once per delivery")
                }
            } else {
                // GitHub's scheme: the body signed; each delivery id accepted once.
                type = Self.header(request, "X-GitHub-Event") ?? "webhook"
                guard let delivery = Self.header(request, "X-GitHub-Delivery"), !delivery.isEmpty,
                      WebhookSignature.isValid(header: Self.header(request, "X-Hub-Signature-256"), body: bytes, secret: secret) else {
                    api.log("warning: webhook for \(id) refused: X-Hub-Signature-256 does not match the body, or X-GitHub-Delivery is missing")
                    throw refused
                }
                guard api.replays.firstDelivery("\(id)|github|\(delivery)") else {
                    throw APIError(.conflict, code: "replayed", "delivery \(delivery) was accepted before; a webhook runs once per delivery")
                }
            }
            let payload: Value
            if bytes.isEmpty {
                payload = .object([:])
            } else {
                payload = try JSONBody.value(bytes)
            }
            let decisions = await api.scheduler.dispatchEvent(type: type, payload: payload, only: [id], requestedBy: "webhook (signed)")
            return JSONResponse.raw(Self.dispatched(type: type, decisions).json)
        }
    }

    static func header(_ request: Request, _ name: String) -> String? {
        let wanted = name.lowercased()
        return request.headers.first { $0.name.canonicalName == wanted }?.value
    }

    static func dispatched(type: String, _ decisions: [EventDecision]) -> Dispatched {
        var result = Dispatched(type: type, decisions: [], started: [], filtered: [])
        for decision in decisions {
            let job = decision.job.rawValue
            switch decision.outcome {
            case .started(let runs):
                result.decisions.append(Decision(outcome: "started", job: job, runs: runs))
                result.started += runs
            case .filtered(let run):
                result.decisions.append(Decision(outcome: "filtered", job: job, runs: [run]))
                result.filtered.append(run)
            case .refused(let refusal):
                let error = JobRoutes.apiError(refusal)
                result.decisions.append(Decision(outcome: "refused", job: job, runs: [],
                                                 error: .init(code: error.code, message: error.message, runInProgress: error.runInProgress)))
            }
        }
        return result
    }
}
