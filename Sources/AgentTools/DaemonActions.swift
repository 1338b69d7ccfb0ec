import Definitions
import Expressions
import Foundation
import Server

/// The tools that act on the daemon (`job_run`, `job_pause`, `job_resume`, `job_cancel`,
/// `job_history`, `fire_times`): one request each to its HTTP API with the caller's token, so the
/// API's scope checks, its refusals and its record of who asked apply as they are.
struct DaemonActions {
    let settings: AgentToolbox.Settings
    let caller: ToolCaller

    func call(_ name: String, _ input: ToolArguments) async throws -> ToolAnswer {
        guard let daemon = settings.daemon else {
            throw ToolFailure("\(name) acts through the daemon, and this session has none: start jobctl mcp with --server URL (and the token in JOBCTL_TOKEN), or use serve's /mcp endpoint")
        }
        let (method, path, body) = try request(name, input)
        let reply: APIClient.Reply
        do { reply = try await daemon.send(method, path, body: body.map { Data($0.description.utf8) }) } catch {
            throw ToolFailure(error.message)
        }
        let json = reply.json
        guard (200..<300).contains(reply.status) else {
            throw ToolFailure("the daemon refused \(name) (HTTP \(reply.status)): \(reply.errorMessage)", details: .object(["status": .number(Double(reply.status)), "answer": json]))
        }
        // MCP's structured content is an object: a list (fire times) is named.
        let structured: Value = if case .object = json { json } else { .object([name == "fire_times" ? "fireTimes" : "answer": json]) }
        return ToolAnswer(text: Self.summary(name, json), structured: structured)
    }

    private func request(_ name: String, _ input: ToolArguments) throws -> (String, String, Value?) {
        switch name {
        case "job_run":
            let id = try input.jobID()
            let params = try input.object("params")
            return ("POST", "/api/jobs/\(APIClient.path(job: id.rawValue))/runs", .object(["params": params.map(Value.object) ?? .null]))
        case "job_pause":
            let id = try input.jobID()
            var body: [String: Value] = [:]
            if let until = try input.string("until") { body["until"] = .string(until) }
            if let reason = try input.string("reason") { body["reason"] = .string(reason) }
            return ("POST", "/api/jobs/\(APIClient.path(job: id.rawValue))/pause", .object(body))
        case "job_resume":
            return ("POST", "/api/jobs/\(APIClient.path(job: try input.jobID().rawValue))/resume", nil)
        case "job_cancel":
            let run = try input.requiredString("run")
            guard run.allSatisfy({ $0.isLetter || $0.isNumber || "_-.".contains($0) }) else { throw ToolFailure("argument 'run': '\(run)' is not a run id") }
            return ("POST", "/api/runs/\(run)/cancel", nil)
        case "job_history":
            let id = try input.jobID()
            let limit = try input.integer("limit", default: 20, range: 1...1000)
            var query = "job=\(Self.encoded(id.rawValue))&limit=\(limit)"
            if let status = try input.string("status") { query += "&status=\(Self.encoded(status))" }
            return ("GET", "/api/runs?\(query)", nil)
        case "fire_times":
            let id = try input.jobID()
            var query = "count=\(try input.integer("count", default: 10, range: 1...1000))"
            if let from = try input.string("from") { query += "&from=\(Self.encoded(from))" }
            return ("GET", "/api/jobs/\(APIClient.path(job: id.rawValue))/fire-times?\(query)", nil)
        default:
            throw ToolFailure("unknown tool '\(name)'")
        }
    }

    static func encoded(_ text: String) -> String {
        text.addingPercentEncoding(withAllowedCharacters: .alphanumerics.union(CharacterSet(charactersIn: "-._~"))) ?? text
    }

    /// A line or two for a person; the JSON has everything.
    static func summary(_ name: String, _ json: Value) -> String {
        let job = json["job"].string ?? ""
        switch name {
        case "job_run":
            let runs = json["runs"].strings
            return "\(job): \(json["queued"] == .bool(true) ? "queued" : "started") \(runs.isEmpty ? json["run"].string ?? "" : runs.joined(separator: ", "))"
        case "job_pause":
            let pause = json["pause"]
            return "\(job): paused by \(pause["by"].string ?? "?")" + (pause["until"].string.map { " until \($0)" } ?? "") + (pause["reason"].string.map { ": \($0)" } ?? "")
        case "job_resume":
            return json["pause"]["by"].string.map { "\(job): resumed (it was paused by \($0))" } ?? "\(job): resumed (it was not paused)"
        case "job_cancel":
            return "cancel requested: \(json.description)"
        case "job_history":
            let running = json["inProgress"].elements.map { "  \($0["run"].string ?? "") running since \($0["startedAt"].string ?? "")" }
            let records = json["runs"].elements.map { record in
                "  \(record["run"].string ?? "") \(record["status"].string ?? "") finished \(record["finishedAt"].string ?? "") (\(record["trigger"].string ?? "")\(record["requestedBy"].string.map { ", asked by \($0)" } ?? ""))"
            }
            return (running + records).isEmpty ? "no runs recorded" : (["runs, newest first:"] + running + records).joined(separator: "\n")
        case "fire_times":
            return json.elements.map { fire in
                let dst = fire["dst"]["kind"].string.map { " (DST: \($0)\(fire["dst"]["from"].string.map { " from \($0)" } ?? ""))" } ?? ""
                return "\(fire["weekday"].string ?? "") \(fire["runAt"].string ?? "")\(dst)"
            }.joined(separator: "\n")
        default:
            return json.description
        }
    }
}
