import Definitions
import Expressions
import Foundation
import History
import Hummingbird
package import Scheduler

/// `GET /api/jobs`, `GET /api/jobs/{id}`, `GET /api/jobs/{id}/fire-times`, `POST /api/jobs/{id}/runs`, `/pause`, `/resume`.
package struct JobRoutes {
    let api: JobctlAPI

    struct JobList: Encodable {
        var jobs: [JobView]
        var total: Int
        var start: Int
        var limit: Int

        /// The same JSON as `JSONEncoder` with sorted keys writes, written directly: the list is
        /// the API's most frequent read, and the encoder was most of its time.
        var json: [UInt8] {
            var out = JSONWriter(capacity: 512 * jobs.count + 64)
            out.raw("{\"jobs\":[")
            for (index, job) in jobs.enumerated() {
                if index > 0 { out.raw(",") }
                job.write(to: &out)
            }
            out.raw("],\"limit\":")
            out.integer(limit)
            out.raw(",\"start\":")
            out.integer(start)
            out.raw(",\"total\":")
            out.integer(total)
            out.raw("}")
            return out.bytes
        }
    }

    struct Started: Encodable {
        var job: String
        var run: String?
        var runs: [String]
        var queued: Bool
    }

    func add(to router: Router<APIRequestContext>) {
        let api = self.api
        router.get("/api/jobs") { request, _ -> Response in
            let token = try api.authorize(request, .read)
            return JSONResponse.raw(try await Self.list(api, query: Query(request.uri.query), token: token).json)
        }
        router.get("/api/jobs/**") { request, context -> Response in
            var segments = try JobPath.segments(context.parameters.getCatchAll())
            var fireTimes = false
            if segments.count > 1, segments.last == "fire-times" {
                segments.removeLast()
                fireTimes = true
            }
            let id = try JobPath.jobID(segments)
            _ = try api.authorize(request, .read, job: id.rawValue)
            guard let job = await api.scheduler.job(id) else {
                throw APIError.notFound("no applied job '\(id)'")
            }
            if fireTimes {
                guard let schedule = job.schedule else {
                    throw APIError.notFound("job '\(id)' has no schedule; it runs only manually, through the API or on events")
                }
                return try FireTimeRoutes.response(schedule.jobSchedule(for: id), query: Query(request.uri.query))
            }
            return try JSONResponse.make(await JobDetail.make(job, api: api))
        }
        router.post("/api/jobs/**") { request, context -> Response in
            var segments = try JobPath.segments(context.parameters.getCatchAll())
            guard segments.count > 1, let action = segments.last, ["runs", "pause", "resume"].contains(action) else {
                throw APIError.notFound("no such endpoint: POST \(request.uri.path) (POST /api/jobs/{id}/runs, /pause or /resume)")
            }
            segments.removeLast()
            let id = try JobPath.jobID(segments)
            let token = try api.authorize(request, .run, job: id.rawValue)
            if action != "runs" { return try await Self.pauseOrResume(action, id, request: request, context: context, token: token, api: api) }
            let body = try JSONBody.object(try await JSONBody.bytes(request, context: context))
            for key in body.keys where key != "params" {
                throw APIError.badRequest("unknown field '\(key)'; the body is {\"params\": {...}}")
            }
            let parameters = try Self.parameters(body["params"])
            let runs: [String]
            do throws(TriggerRefusal) {
                runs = try await api.scheduler.trigger(id, trigger: .api, parameters: parameters, requestedBy: "token \(token.name)")
            } catch {
                throw Self.apiError(error)
            }
            return try JSONResponse.make(Started(job: id.rawValue, run: runs.first, runs: runs, queued: runs.isEmpty), status: .accepted)
        }
    }

    /// `POST /api/jobs/{id}/pause` `{"until"?: RFC 3339, "reason"?: text}` and `POST /api/jobs/{id}/resume`,
    /// recorded with the token's name as who asked.
    static func pauseOrResume(_ action: String, _ id: JobID, request: Request, context: APIRequestContext, token: Token, api: JobctlAPI) async throws -> Response {
        let bytes = try await JSONBody.bytes(request, context: context)
        let body = bytes.isEmpty ? [:] : try JSONBody.object(bytes)
        let who = "token \(token.name)"
        if action == "resume" {
            for key in body.keys { throw APIError.badRequest("unknown field '\(key)'; resume takes no body") }
            let lifted: JobPause?
            do throws(TriggerRefusal) { lifted = try await api.scheduler.resume(id, by: who) } catch { throw apiError(error) }
            return try JSONResponse.make(PauseState(job: id.rawValue, paused: false, pause: lifted))
        }
        for key in body.keys where key != "until" && key != "reason" {
            throw APIError.badRequest("unknown field '\(key)'; the body is {\"until\": \"2026-11-22T18:00:00Z\", \"reason\": \"...\"}, both optional")
        }
        var until: Date?
        if let value = body["until"], value != .null {
            guard let text = value.string, let date = RecordTime.parse(text) else {
                throw APIError.badRequest("until: not an RFC 3339 date-time (2026-11-22T18:00:00Z)")
            }
            until = date
        }
        var reason: String?
        if let value = body["reason"], value != .null {
            guard let text = value.string else { throw APIError.badRequest("reason: must be a string") }
            reason = text
        }
        let pause: JobPause
        do throws(TriggerRefusal) { pause = try await api.scheduler.pause(id, until: until, reason: reason, by: who) } catch { throw apiError(error) }
        return try JSONResponse.make(PauseState(job: id.rawValue, paused: true, pause: pause))
    }

    struct PauseState: Encodable {
        var job: String
        var paused: Bool
        /// The pause now in force (pause), or the one lifted (resume; absent when there was none).
        var pause: JobPause?
    }

    static func list(_ api: JobctlAPI, query: Query, token: Token) async throws(APIError) -> JobList {
        let limit = try integer(query, "limit", default: 30, range: 1...1000)
        let start = try integer(query, "start", default: 0, range: 0...1_000_000)
        var sortKey = query.get("sort") ?? "name"
        let descending = sortKey.hasPrefix("-")
        if descending { sortKey.removeFirst() }
        guard ["id", "name", "state", "nextFire", "lastRun"].contains(sortKey) else {
            throw APIError.badRequest("sort: '\(sortKey)' is not one of id, name, state, nextFire, lastRun (prefix - for descending)", code: "invalid_query")
        }
        // Filter and sort on the definitions; a job's view (its state, next fire, last run) is made
        // for every job only when the sort needs it, else for the page alone.
        let (jobs, live) = await api.scheduler.jobSnapshots
        var indices = JobView.matching(jobs, q: query.get("q") ?? "", covers: token.covers(job:))
        func view(_ index: Int) -> JobView { JobView.make(jobs[index], live[index], lastRuns: api.lastRuns) }
        var views: [Int: JobView] = [:]
        if !["id", "name"].contains(sortKey) {
            for index in indices { views[index] = view(index) }
        }
        func key(_ index: Int) -> String {
            switch sortKey {
            case "id": jobs[index].id.rawValue
            case "state": views[index]!.state.rawValue
            case "nextFire": views[index]!.nextFire ?? "~"
            case "lastRun": views[index]!.lastRun?.finishedAt ?? ""
            default: jobs[index].name.lowercased()
            }
        }
        // Each key once, not twice per comparison (lowercasing names in the comparator was most of a list's time).
        indices = indices.map { (key: key($0), index: $0) }.sorted { a, b in
            if a.key != b.key { return descending ? a.key > b.key : a.key < b.key }
            return jobs[a.index].id.rawValue < jobs[b.index].id.rawValue
        }.map(\.index)
        let total = indices.count
        let page = indices.dropFirst(start).prefix(limit).map { views[$0] ?? view($0) }
        return JobList(jobs: page, total: total, start: start, limit: limit)
    }

    static func integer(_ query: Query, _ name: String, default value: Int, range: ClosedRange<Int>) throws(APIError) -> Int {
        guard let text = query.get(name) else { return value }
        guard let number = Int(text), range.contains(number) else {
            throw APIError.badRequest("\(name): '\(text)' must be a whole number from \(range.lowerBound) to \(range.upperBound)", code: "invalid_query")
        }
        return number
    }

    /// The `params` of a request body, as given: the scheduler checks them against the job
    /// (``ParameterResolver``), so the API accepts and refuses what the CLI does.
    static func parameters(_ value: Value?) throws(APIError) -> [String: ParameterInput] {
        do {
            return try ParameterResolver.object(value)
        } catch {
            throw APIError(.badRequest, code: "invalid_params", error.message)
        }
    }

    /// The status of each refusal: 404 unknown job, 400 invalid parameters, 409 concurrency
    /// (naming the run in progress) or not runnable, 429 rate limited, 503 stopping.
    package static func apiError(_ refusal: TriggerRefusal) -> APIError {
        switch refusal.reason {
        case .unknownJob, .unknownRun: APIError(.notFound, code: "not_found", refusal.message)
        case .invalidParameters: APIError(.badRequest, code: "invalid_params", refusal.message)
        case .concurrency: APIError(.conflict, code: "concurrency", refusal.message, runInProgress: refusal.runInProgress)
        case .rateLimited: APIError(.tooManyRequests, code: "rate_limited", refusal.message)
        case .notRunnable: APIError(.conflict, code: "not_runnable", refusal.message)
        case .stopping: APIError(.serviceUnavailable, code: "stopping", refusal.message)
        }
    }
}
