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
        var cluster: ClusterHealth?
    }

    /// `serve --cluster`: the cluster as this node sees it, or why it cannot see it.
    struct ClusterHealth: Encodable {
        struct Node: Encodable {
            var node: String
            var heartbeatAgeSeconds: Double
        }
        var node: String
        var nodes: [Node]?
        var leader: String?
        var term: Int64?
        var runsInProgress: Int?
        var queueDepth: Int?
        var appliedCommit: String?
        var refusedWrites: Int?
        var clockOffsetSeconds: Double?
        var error: String?

        init(_ status: ClusterStatus) {
            node = status.node
            nodes = status.nodes.map { Node(node: $0.node, heartbeatAgeSeconds: ($0.heartbeatAge * 1000).rounded() / 1000) }
            leader = status.leader
            term = status.term
            runsInProgress = status.runsInProgress
            queueDepth = status.queueDepth
            appliedCommit = status.appliedCommit
            refusedWrites = status.refusedWrites
            clockOffsetSeconds = (status.clockOffset * 1000).rounded() / 1000
        }

        init(node: String, error: String) {
            self.node = node
            self.error = error
        }

        static func read(_ api: JobctlAPI) async -> ClusterHealth? {
            guard let cluster = api.scheduler.tracker.cluster else { return nil }
            do {
                return ClusterHealth(try await cluster.status())
            } catch {
                return ClusterHealth(node: api.scheduler.options.node ?? "", error: "\(error)")
            }
        }
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
                                                history: fault.map { HistoryFault(failingSince: $0.since, error: $0.message, recordsWaiting: $0.pending) },
                                                cluster: await ClusterHealth.read(api)))
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
        if let cluster = await ClusterHealth.read(api) {
            out.family("jobctl_cluster_up", type: "gauge", help: "1 while this node reaches the cluster's database (serve --cluster), else 0.")
            out.sample("jobctl_cluster_up", [], cluster.error == nil ? 1 : 0)
            if let nodes = cluster.nodes {
                out.family("jobctl_cluster_nodes", type: "gauge", help: "Live nodes of the cluster.")
                out.sample("jobctl_cluster_nodes", [], Double(nodes.count))
                out.family("jobctl_cluster_heartbeat_age_seconds", type: "gauge", help: "Seconds since each live node's last heartbeat, by the database's clock.")
                for node in nodes { out.sample("jobctl_cluster_heartbeat_age_seconds", [("node", node.node)], node.heartbeatAgeSeconds) }
                out.family("jobctl_cluster_leader", type: "gauge", help: "1 while this node holds the leader's lease, else 0.")
                out.sample("jobctl_cluster_leader", [], cluster.leader == cluster.node ? 1 : 0)
                out.family("jobctl_cluster_runs_in_progress", type: "gauge", help: "Runs in progress on every node of the cluster.")
                out.sample("jobctl_cluster_runs_in_progress", [], Double(cluster.runsInProgress ?? 0))
                out.family("jobctl_cluster_queue_depth", type: "gauge", help: "Runs waiting in the cluster's shared queue: retries, and runs waiting behind a run of their job (concurrency: queue).")
                out.sample("jobctl_cluster_queue_depth", [], Double(cluster.queueDepth ?? 0))
                out.family("jobctl_cluster_refused_writes_total", type: "counter", help: "Records of this node refused by the cluster: runs it no longer held (reaped while it was silent).")
                out.sample("jobctl_cluster_refused_writes_total", [], Double(cluster.refusedWrites ?? 0))
                out.family("jobctl_cluster_clock_offset_seconds", type: "gauge", help: "The database's clock minus this node's.")
                out.sample("jobctl_cluster_clock_offset_seconds", [], cluster.clockOffsetSeconds ?? 0)
            }
        }
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
