import Definitions
import Foundation
package import History
import Hummingbird
import Reports
import Scheduler

/// `GET /api/runs`, `GET /api/runs/{run}`, `GET /api/runs/{run}/log`, `GET /api/runs/{run}/event`, `POST /api/runs/{run}/cancel`.
package struct RunRoutes {
    let api: JobctlAPI

    struct InProgress: Encodable {
        var run: String
        var job: String
        var status = "running"
        var trigger: String
        var startedAt: String
        var fanout: Fanout?
    }

    struct RunList: Encodable {
        /// Records, newest first.
        var runs: [RunRecord]
        var inProgress: [InProgress]
        var start: Int
        var limit: Int
        /// The `start` of the next page, or nil on the last one.
        var next: Int?
    }

    struct Rerun: Encodable {
        var rerunOf: String
        var job: String
        /// The runs started (empty when it waits: queue, maxParallel).
        var runs: [String]
    }

    struct Cancelling: Encodable {
        var run: String
        var job: String
        /// The node running it (cluster mode: it may be another node, which cancels it within a second).
        var node: String?
        var status = "cancelling"
    }

    func add(to router: Router<APIRequestContext>) {
        let api = self.api
        router.get("/api/runs") { request, _ -> Response in
            let token = try api.authorize(request, .read)
            return try JSONResponse.make(try await Self.list(api, query: Query(request.uri.query), token: token))
        }
        router.get("/api/runs/:run") { request, context -> Response in
            let run = try Self.runID(context)
            _ = try api.authorize(request, .read)
            // The final record once it is written (a run is in progress until then).
            if let record = Self.record(of: run, api: api) {
                _ = try api.authorize(request, .read, job: record.job)
                return try JSONResponse.make(record)
            }
            guard let running = await api.scheduler.runningRuns.first(where: { $0.run == run }) else { throw APIError.notFound("no run '\(run)'") }
            _ = try api.authorize(request, .read, job: running.job.rawValue)
            return try JSONResponse.make(InProgress(run: run, job: running.job.rawValue, trigger: running.trigger.rawValue, startedAt: RecordTime.string(running.startedAt), fanout: running.fanout))
        }
        router.get("/api/runs/:run/log") { request, context -> Response in
            let run = try Self.runID(context)
            _ = try api.authorize(request, .read)
            guard let (job, path) = api.history.findLog(run: run) else {
                throw APIError.notFound("run '\(run)' has no log (it never started, or its log was removed)")
            }
            _ = try api.authorize(request, .read, job: job)
            guard let data = FileManager.default.contents(atPath: path) else { throw APIError.notFound("the log of run '\(run)' cannot be read") }
            return JSONResponse.raw(data, contentType: "text/plain; charset=utf-8")
        }
        router.get("/api/runs/:run/event") { request, context -> Response in
            let run = try Self.runID(context)
            _ = try api.authorize(request, .read)
            // A run in progress has its payload kept before its first step starts.
            let job: String
            if let record = Self.record(of: run, api: api) {
                job = record.job
            } else if let running = await api.scheduler.runningRuns.first(where: { $0.run == run }) {
                job = running.job.rawValue
            } else {
                throw APIError.notFound("no run '\(run)'")
            }
            _ = try api.authorize(request, .read, job: job)
            guard let payload = try? EventLog(folder: api.history).payload(job: job, run: run) else {
                throw APIError.notFound("run '\(run)' has no event payload (no event triggered it, or retention removed it)")
            }
            return JSONResponse.raw(Data(payload), contentType: "application/json")
        }
        router.get("/api/runs/:run/report") { request, context -> Response in
            let run = try Self.runID(context)
            _ = try api.authorize(request, .read)
            guard let record = Self.record(of: run, api: api) else { throw APIError.notFound("no run '\(run)'") }
            _ = try api.authorize(request, .read, job: record.job)
            guard record.report != nil, let path = try? api.history.artifact(.report, job: record.job, run: run),
                  let data = FileManager.default.contents(atPath: path) else {
                throw APIError.notFound("run '\(run)' has no report (no agent step completed, or retention removed it)")
            }
            let wantsHTML = Query(request.uri.query).get("format") == "html"
                || (request.headers[.accept]?.contains("text/html") ?? false)
            guard wantsHTML else { return JSONResponse.raw(data, contentType: "text/markdown; charset=utf-8") }
            let page = ReportPage.html(markdown: String(decoding: data, as: UTF8.self), title: "\(record.job) — run \(run)")
            var response = JSONResponse.raw(Data(page.utf8), contentType: "text/html; charset=utf-8")
            response.headers[.contentSecurityPolicy] = ReportPage.contentSecurityPolicy
            return response
        }
        router.post("/api/runs/:run/rerun") { request, context -> Response in
            let run = try Self.runID(context)
            _ = try api.authorize(request, .run)
            guard let record = Self.record(of: run, api: api) else { throw APIError.notFound("no run '\(run)'") }
            let token = try api.authorize(request, .run, job: record.job)
            let atCommit: Bool
            switch Query(request.uri.query).get("atCommit") {
            case nil, "false": atCommit = false
            case "true": atCommit = true
            case let other?: throw APIError.badRequest("atCommit must be true or false, not '\(other)'")
            }
            let runs: [String]
            do { runs = try await api.scheduler.rerun(run, atCommit: atCommit, requestedBy: "token \(token.name)") } catch let refusal as TriggerRefusal { throw JobRoutes.apiError(refusal) }
            return try JSONResponse.make(Rerun(rerunOf: run, job: record.job, runs: runs), status: .accepted)
        }
        router.post("/api/runs/:run/cancel") { request, context -> Response in
            let run = try Self.runID(context)
            _ = try api.authorize(request, .run)
            if let running = await api.scheduler.runInProgress(run) {
                let token = try api.authorize(request, .run, job: running.job)
                if await api.scheduler.cancel(run: run, requestedBy: "token \(token.name)") {
                    return try JSONResponse.make(Cancelling(run: run, job: running.job, node: running.node), status: .accepted)
                }
            }
            if let record = Self.record(of: run, api: api) {
                _ = try api.authorize(request, .run, job: record.job)
                throw APIError(.conflict, code: "not_running", "run '\(run)' of \(record.job) is not in progress: it is \(record.status.rawValue)")
            }
            throw APIError.notFound("no run '\(run)' in progress")
        }
    }

    package static func runID(_ context: APIRequestContext) throws(APIError) -> String {
        let raw = context.parameters.get("run") ?? ""
        let run = raw.removingPercentEncoding ?? raw
        guard RunID.isValid(run) else { throw APIError.notFound("no run '\(run)': not a run id") }
        return run
    }

    /// The final record of `run`: being appended right now, or in the job whose folder holds its
    /// log, else in any job whose history has it (each file read backwards only as far back as the
    /// run's start time).
    package static func record(of run: String, api: JobctlAPI) -> RunRecord? {
        api.scheduler.tracker.finalRecord(of: run) ?? HistoryReader(folder: api.history).record(ofRun: run)
    }

    static func list(_ api: JobctlAPI, query: Query, token: Token) async throws(APIError) -> RunList {
        let limit = try JobRoutes.integer(query, "limit", default: 30, range: 1...1000)
        let start = try JobRoutes.integer(query, "start", default: 0, range: 0...100_000)
        var filter = RecordFilter()
        if let text = query.get("status") {
            var statuses: Set<RunStatus> = []
            for name in text.split(separator: ",") {
                guard let status = RunStatus(rawValue: String(name)), status.isFinal else {
                    throw APIError.badRequest("status: '\(name)' is not a final run status (\(RunStatus.finalStatuses.map(\.rawValue).joined(separator: ", ")))", code: "invalid_query")
                }
                statuses.insert(status)
            }
            filter.statuses = statuses
        }
        if let text = query.get("since") {
            guard let date = RecordTime.parse(text) else {
                throw APIError.badRequest("since: '\(text)' is not an RFC 3339 date-time (2026-11-22T08:00:00Z)", code: "invalid_query")
            }
            filter.since = date
        }
        let jobs: [String]
        if let job = query.get("job") {
            guard JobID(job) != nil else { throw APIError.badRequest("job: \(JobID.problem(with: job) ?? "'\(job)' is not a job id")", code: "invalid_query") }
            guard token.covers(job: job) else {
                throw APIError(.forbidden, code: "forbidden", "token '\(token.name)' is limited to jobs \(token.jobs ?? "*"); '\(job)' is not one of them")
            }
            jobs = [job]
        } else {
            jobs = api.history.jobs().filter { token.covers(job: $0) }
        }
        let reader = HistoryReader(folder: api.history)
        var records: [RunRecord] = []
        for job in jobs {
            if let page = try? reader.lastRecords(job: job, count: start + limit + 1, filter: filter) { records += page.records }
        }
        records.sort { ($0.finishedAt, $0.run) > ($1.finishedAt, $1.run) }
        let page = Array(records.dropFirst(start).prefix(limit))
        let running = await api.scheduler.runningRuns.filter { token.covers(job: $0.job.rawValue) && (query.get("job") == nil || query.get("job") == $0.job.rawValue) }
        return RunList(runs: page, inProgress: running.map { InProgress(run: $0.run, job: $0.job.rawValue, trigger: $0.trigger.rawValue, startedAt: RecordTime.string($0.startedAt), fanout: $0.fanout) },
                       start: start, limit: limit, next: records.count > start + limit ? start + limit : nil)
    }
}
