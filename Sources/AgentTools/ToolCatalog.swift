public import Expressions
public import Server

/// A tool as MCP lists it: name, description, the scope it needs, the JSON Schema of its input.
public struct ToolDescription: Sendable {
    public var name: String
    public var description: String
    /// The token scope it needs over HTTP (`read` < `run` < `admin`).
    public var scope: Scope
    public var inputSchema: Value
    /// Whether it only reads (MCP's `readOnlyHint`).
    public var readOnly: Bool
}

/// The tools, in the order `tools/list` gives them.
enum ToolCatalog {
    static func named(_ name: String) -> ToolDescription? { all.first { $0.name == name } }

    static let jobInput = """
        "id": {"type": "string", "description": "The job id, which is its path under jobs/ without .yaml (reminders/invoices)."},
        "yaml": {"type": "string", "description": "The whole job file as YAML text."},
        "job": {"type": "object", "description": "The job as an object with the fields of a job file (name, description, schedule, steps, ...); written as YAML."},
        "branch": {"type": "string", "description": "Commit the draft on this branch (created from HEAD if missing) instead of writing the working tree; push it and open a pull request."},
        "message": {"type": "string", "description": "The commit message with branch (default: 'jobctl mcp: create|update <id>')."}
        """

    static let all: [ToolDescription] = [
        tool("job_create", .admin, readOnly: false, """
            Draft a new job: validated like `jobctl validate`, planned like `jobctl plan`, then written as jobs/<id>.yaml in \
            the working tree (or committed on `branch`). Never applied: a person applies it (or merges the pull request). \
            Seed 002's job types: one-off → schedule.at, scheduled → schedule.cron (with schedule.timezone), \
            recurring → schedule.every, ongoing until a condition → until. An invalid job is answered with located \
            diagnostics (path:line:column) and nothing is written.
            """, """
            {"type": "object", "properties": {\(jobInput)}, "required": ["id"], "additionalProperties": false}
            """),
        tool("job_update", .admin, readOnly: false, """
            Draft a change to a job: the whole file (`yaml` or `job`), or top-level fields to set (`set`; null removes a \
            field; comments of the file are not kept then). Validated and planned first; never applied.
            """, """
            {"type": "object", "properties": {\(jobInput),
              "set": {"type": "object", "description": "Top-level fields to replace (schedule, steps, ...); null removes one."}},
             "required": ["id"], "additionalProperties": false}
            """),
        tool("job_get", .read, readOnly: true, """
            A job by id: its definition at the applied commit (with the commit), whether it is in force, paused or disabled, \
            its next fire times (DST-moved or doubled fires marked), its last runs, and whether a draft in the working tree \
            or a newer commit differs from what is in force.
            """, """
            {"type": "object", "properties": {"id": {"type": "string", "description": "The job id."},
              "fires": {"type": "integer", "minimum": 0, "maximum": 100, "default": 5, "description": "How many next fire times."},
              "runs": {"type": "integer", "minimum": 0, "maximum": 100, "default": 5, "description": "How many last runs."}},
             "required": ["id"], "additionalProperties": false}
            """),
        tool("job_search", .read, readOnly: true, """
            Find jobs in force by keywords, ranked over id and name, description, agent prompts and steps (exact words; \
            a plural s is ignored).
            """, """
            {"type": "object", "properties": {"query": {"type": "string", "description": "Words to look for."},
              "limit": {"type": "integer", "minimum": 1, "maximum": 100, "default": 5}},
             "required": ["query"], "additionalProperties": false}
            """),
        tool("job_search_semantic", .read, readOnly: true, """
            Find jobs in force by meaning: embeddings from the endpoint in jobctl.yaml (search.embeddings), cached per file \
            version so only changed jobs are embedded again. Without an endpoint it says so.
            """, """
            {"type": "object", "properties": {"query": {"type": "string", "description": "What the job does, in words."},
              "limit": {"type": "integer", "minimum": 1, "maximum": 100, "default": 5}},
             "required": ["query"], "additionalProperties": false}
            """),
        tool("job_run", .run, readOnly: false, """
            Start a run of a job in force now, through the daemon (recorded with the token's name as who asked).
            """, """
            {"type": "object", "properties": {"id": {"type": "string"},
              "params": {"type": "object", "description": "Parameter values by name.", "additionalProperties": {"type": ["string", "number", "boolean"]}}},
             "required": ["id"], "additionalProperties": false}
            """),
        tool("job_pause", .run, readOnly: false, """
            Pause a job's schedule through the daemon (runtime state, kept across restarts; git is not changed).
            """, """
            {"type": "object", "properties": {"id": {"type": "string"},
              "until": {"type": "string", "format": "date-time", "description": "Lift the pause by itself at this time."},
              "reason": {"type": "string"}},
             "required": ["id"], "additionalProperties": false}
            """),
        tool("job_resume", .run, readOnly: false, "Lift a job's pause through the daemon.", """
            {"type": "object", "properties": {"id": {"type": "string"}}, "required": ["id"], "additionalProperties": false}
            """),
        tool("job_cancel", .run, readOnly: false, "Cancel a queued or running run by its run id, through the daemon.", """
            {"type": "object", "properties": {"run": {"type": "string", "description": "The run id, as job_history lists it (20261201T081500.004Z-7k2m9q4x)."}},
             "required": ["run"], "additionalProperties": false}
            """),
        tool("job_history", .read, readOnly: true, "A job's last runs from the daemon's history, newest first.", """
            {"type": "object", "properties": {"id": {"type": "string"},
              "status": {"type": "string", "description": "Only these final statuses, comma-separated (failed,timed_out)."},
              "limit": {"type": "integer", "minimum": 1, "maximum": 1000, "default": 20}},
             "required": ["id"], "additionalProperties": false}
            """),
        tool("fire_times", .read, readOnly: true, "The next fire times of a job in force, from the daemon (DST-moved or doubled fires marked).", """
            {"type": "object", "properties": {"id": {"type": "string"},
              "count": {"type": "integer", "minimum": 1, "maximum": 1000, "default": 10},
              "from": {"type": "string", "format": "date-time", "description": "Start after this instant (default now)."}},
             "required": ["id"], "additionalProperties": false}
            """),
    ]

    private static func tool(_ name: String, _ scope: Scope, readOnly: Bool, _ description: String, _ schema: String) -> ToolDescription {
        // The schemas are literals of this file; a typo is a crash on the first tools/list, caught by the tests.
        let value = try! Value(parsingJSON: Array(schema.utf8))
        return ToolDescription(name: name, description: description, scope: scope, inputSchema: value, readOnly: readOnly)
    }
}
