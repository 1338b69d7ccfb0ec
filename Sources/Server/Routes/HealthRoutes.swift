import Foundation
import Hummingbird
import Scheduler

/// `GET /healthz` (no token), `GET /metrics` (Prometheus text, `read`), `GET /api/openapi.yaml` (no token).
struct HealthRoutes {
    let api: JobctlAPI

    struct Health: Encodable {
        /// `ok`, or `degraded` while history cannot be written (the daemon runs on and keeps
        /// finished runs' records in their markers until the append succeeds).
        var status: String
        var commit: String?
        var jobs: Int
        var runsInProgress: Int
        var history: HistoryFault?
    }

    struct HistoryFault: Encodable {
        var failingSince: Date
        var error: String
        var recordsWaiting: Int
    }

    func add(to router: Router<APIRequestContext>) {
        let api = self.api
        router.get("/healthz") { _, _ -> Response in
            let scheduler = api.scheduler
            let fault = scheduler.tracker.fault
            return try JSONResponse.make(Health(status: fault == nil ? "ok" : "degraded", commit: await scheduler.appliedCommit,
                                                jobs: await scheduler.jobs.count, runsInProgress: await scheduler.runningRuns.count,
                                                history: fault.map { HistoryFault(failingSince: $0.since, error: $0.message, recordsWaiting: $0.pending) }))
        }
        router.get("/metrics") { request, _ -> Response in
            _ = try api.authorize(request, .read)
            return JSONResponse.text(await Self.metricsText(api), contentType: "text/plain; version=0.0.4; charset=utf-8")
        }
        router.get("/api/openapi.yaml") { _, _ -> Response in
            JSONResponse.text(OpenAPIDocument.yaml, contentType: "application/yaml")
        }
    }

    static func metricsText(_ api: JobctlAPI) async -> String {
        let snapshot = api.metrics.snapshot()
        let views = await JobView.all(api)
        let commit = await api.scheduler.appliedCommit
        let running = await api.scheduler.runningRuns.count
        var out = PrometheusText()
        out.family("jobctl_runs_total", type: "counter", help: "Run records appended to history, by job and final status.")
        for job in snapshot.runs.keys.sorted() {
            for (status, count) in snapshot.runs[job]!.sorted(by: { $0.key < $1.key }) {
                out.sample("jobctl_runs_total", [("job", job), ("status", status.rawValue)], Double(count))
            }
        }
        out.family("jobctl_run_duration_seconds", type: "histogram", help: "Duration of runs that started (completed, failed, timed out, cancelled, interrupted).")
        out.histogram("jobctl_run_duration_seconds", snapshot.duration)
        out.family("jobctl_schedule_lag_seconds", type: "histogram", help: "Delay from a scheduled fire time to the start of its run (schedule and catch-up runs).")
        out.histogram("jobctl_schedule_lag_seconds", snapshot.lag)
        out.family("jobctl_jobs", type: "gauge", help: "Applied jobs by state.")
        var byState: [String: Int] = Dictionary(uniqueKeysWithValues: JobState.allCases.map { ($0.rawValue, 0) })
        for view in views { byState[view.state.rawValue, default: 0] += 1 }
        for state in JobState.allCases where state != .archived {
            out.sample("jobctl_jobs", [("state", state.rawValue)], Double(byState[state.rawValue] ?? 0))
        }
        out.family("jobctl_runs_in_progress", type: "gauge", help: "Runs in progress now.")
        out.sample("jobctl_runs_in_progress", [], Double(running))
        let fault = api.scheduler.tracker.fault
        out.family("jobctl_history_write_failing", type: "gauge", help: "1 while run records cannot be appended to history (they wait in their markers), else 0.")
        out.sample("jobctl_history_write_failing", [], fault == nil ? 0 : 1)
        out.family("jobctl_history_records_waiting", type: "gauge", help: "Finished runs whose records wait to be appended to history.")
        out.sample("jobctl_history_records_waiting", [], Double(fault?.pending ?? 0))
        out.family("jobctl_applied_commit_info", type: "gauge", help: "The applied commit the daemon runs.")
        if let commit { out.sample("jobctl_applied_commit_info", [("commit", commit)], 1) }
        if let remote = api.remote?.status {
            out.family("jobctl_remote_fetches_total", type: "counter", help: "Fetches of the followed remote branch (serve --remote).")
            out.sample("jobctl_remote_fetches_total", [], Double(remote.fetches))
            out.family("jobctl_remote_fetch_failures_total", type: "counter", help: "Fetches of the followed remote that failed.")
            out.sample("jobctl_remote_fetch_failures_total", [], Double(remote.fetchFailures))
            out.family("jobctl_remote_consecutive_failures", type: "gauge", help: "Failed fetches in a row (0 when the last one worked).")
            out.sample("jobctl_remote_consecutive_failures", [], Double(remote.consecutiveFailures))
            out.family("jobctl_remote_last_success_timestamp_seconds", type: "gauge", help: "When a fetch of the remote last worked (Unix time).")
            if let time = remote.lastSuccessAt { out.sample("jobctl_remote_last_success_timestamp_seconds", [], time.timeIntervalSince1970) }
            out.family("jobctl_remote_behind", type: "gauge", help: "1 while the remote head is not the applied commit (refused, or not applied yet), else 0.")
            out.sample("jobctl_remote_behind", [], remote.isBehind ? 1 : 0)
            out.family("jobctl_remote_head_info", type: "gauge", help: "The followed branch's head at the last fetch.")
            if let head = remote.remoteHead { out.sample("jobctl_remote_head_info", [("branch", remote.branch), ("commit", head)], 1) }
        }
        return out.text
    }
}
