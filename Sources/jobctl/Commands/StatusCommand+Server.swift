import ArgumentParser
import Expressions
import Foundation
import Server

/// `jobctl status --server URL`: what a running daemon reports — its health, the remote it
/// follows (`serve --remote`) and its jobs — read through the API with a read token.
enum ServerStatus {
    static func print(_ client: APIClient, json: Bool) async throws {
        let health = try await ServerReply.send(client, "GET", "/healthz")
        try ServerReply.requireSuccess(health)
        let remote = try await ServerReply.send(client, "GET", "/api/remote")
        if remote.status != 404 { try ServerReply.requireSuccess(remote) }
        let jobs = try await ServerReply.send(client, "GET", "/api/jobs?limit=1000&sort=id")
        try ServerReply.requireSuccess(jobs)
        if json {
            var members: [String: Value] = ["server": .string(client.server.absoluteString), "health": health.json, "jobs": jobs.json[["jobs"]]]
            members["remote"] = remote.status == 404 ? .null : remote.json
            try Console.json(Value.object(members))
            return
        }
        let h = health.json
        Swift.print("Server \(client.server.absoluteString): \(text(h[["status"]]) ?? "?"), applied \(short(h[["commit"]]) ?? "nothing yet"), \(plural(int(h[["jobs"]]) ?? 0, "job")), \(plural(int(h[["runsInProgress"]]) ?? 0, "run")) in progress")
        if case .object = h[["history"]] {
            Swift.print("warning: history cannot be written since \(text(h[["history", "failingSince"]]) ?? "?"): \(text(h[["history", "error"]]) ?? "")")
        }
        if case .object = h[["cluster"]] {
            let c = h[["cluster"]]
            if let error = text(c[["error"]]) {
                Swift.print("Cluster: node \(text(c[["node"]]) ?? "?") cannot reach the cluster's database: \(error)")
            } else {
                var nodes: [String] = []
                if case .array(let list) = c[["nodes"]] {
                    nodes = list.map { node in
                        var age = "?"
                        if case .number(let seconds) = node[["heartbeatAgeSeconds"]] { age = String(format: "%.1f s", seconds) }
                        return "\(text(node[["node"]]) ?? "?") (heartbeat \(age) ago)"
                    }
                }
                let leader = text(c[["leader"]]).map { "leader \($0) (term \(int(c[["term"]]) ?? 0))" } ?? "no leader"
                Swift.print("Cluster: node \(text(c[["node"]]) ?? "?") of \(plural(nodes.count, "live node")), \(leader), \(plural(int(c[["runsInProgress"]]) ?? 0, "run")) in progress across the cluster, \(int(c[["queueDepth"]]) ?? 0) queued\(short(c[["appliedCommit"]]).map { ", commit \($0) in force" } ?? "")")
                if !nodes.isEmpty { Swift.print("  nodes: \(nodes.joined(separator: ", "))") }
                if let refused = int(c[["refusedWrites"]]), refused > 0 {
                    Swift.print("  warning: \(plural(refused, "record")) of this node refused (runs reaped while it was silent)")
                }
            }
        }
        if remote.status != 404 {
            let r = remote.json
            let behind = r[["behind"]] == .bool(true) ? ", behind" : ""
            Swift.print("Remote \(text(r[["url"]]) ?? "?") \(text(r[["branch"]]) ?? "?") (jobs root \(text(r[["path"]]) ?? ".")): head \(short(r[["remoteHead"]]) ?? "not fetched yet"), applied \(short(r[["appliedCommit"]]) ?? "nothing")\(behind)")
            if let error = text(r[["lastError"]]) {
                Swift.print("  last fetch \(text(r[["lastFetchAt"]]) ?? "?") failed (\(int(r[["consecutiveFailures"]]) ?? 0) in a row): \(error); next try \(text(r[["nextFetchAt"]]) ?? "?")")
            } else {
                Swift.print("  last fetch \(text(r[["lastFetchAt"]]) ?? "never"); next \(text(r[["nextFetchAt"]]) ?? "?")")
            }
            if let refused = text(r[["lastRefusal", "message"]]) {
                Swift.print("  refused: \(refused)")
                if case .array(let lines) = r[["lastRefusal", "diagnostics"]] {
                    for line in lines { if let line = text(line) { Swift.print("    \(line)") } }
                }
            }
        }
        Swift.print("")
        guard case .array(let list) = jobs.json[["jobs"]], !list.isEmpty else {
            Swift.print("No jobs.")
            return
        }
        let rows = list.map { job -> [String] in
            let last = text(job[["lastRun", "status"]]).map { "\($0) \(text(job[["lastRun", "finishedAt"]]) ?? "")" } ?? "-"
            return [text(job[["id"]]) ?? "?", text(job[["state"]]) ?? "-", text(job[["nextFire"]]) ?? "-", last]
        }
        Swift.print(Table.render(header: ["JOB", "STATE", "NEXT FIRE", "LAST RUN"], rows: rows), terminator: "")
    }

    private static func plural(_ count: Int, _ noun: String) -> String { "\(count) \(noun)\(count == 1 ? "" : "s")" }

    private static func text(_ value: Value?) -> String? {
        if case .string(let text)? = value { return text }
        return nil
    }

    private static func short(_ value: Value?) -> String? { text(value).map { String($0.prefix(7)) } }

    private static func int(_ value: Value?) -> Int? {
        if case .number(let number)? = value { return Int(number) }
        return nil
    }
}
