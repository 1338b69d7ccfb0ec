/// The format of job files and `jobctl.yaml`, version 1 (DESIGN.md §2), as shapes.
public enum FileShapes {
    static let statuses = ["completed", "failed", "timed_out", "cancelled", "skipped", "filtered", "rate_limited", "missed", "blocked", "interrupted"]
    static let concurrency = ["skip", "allow", "replace", "queue"]
    static let catchup = ["none", "latest", "all"]
    static let parameterTypes = ["string", "number", "boolean"]
    static let httpMethods = ["GET", "POST", "PUT", "PATCH", "DELETE", "HEAD"]

    static let apiVersion = FieldShape("apiVersion", .enumeration(["jobctl/v1"]), "Format version; absent means jobctl/v1.")

    public static let schedule = ObjectShape("schedule", "When the job fires. Exactly one of cron, every, at.", fields: [
        FieldShape("cron", .string(.cron), "Cron expression: five fields, or six with seconds first; macros such as @daily, @every 15m, @first-weekday."),
        FieldShape("every", .string(.duration), "Fixed interval, anchored at `start` (or the Unix epoch)."),
        FieldShape("at", .string(.dateTime), "A single fire time (local to `timezone` unless it has an offset)."),
        FieldShape("timezone", .string(.timeZone), "IANA time zone; default: jobctl.yaml timezone, else UTC."),
        FieldShape("start", .string(.dateTime), "No fire before this local date or date-time."),
        FieldShape("end", .string(.dateTime), "No fire after this local date or date-time."),
        FieldShape("jitter", .string(.duration), "Delay each fire by a stable pseudo-random amount in [0, jitter)."),
        FieldShape("catchup", .enumeration(catchup), "After downtime: none, latest (default) or all missed fires inside catchupWindow."),
        FieldShape("catchupWindow", .string(.duration), "How far back catch-up looks (default 24h)."),
    ], exactlyOneOf: [["cron", "every", "at"]])

    public static let parameter = ObjectShape("parameter", "A typed parameter.", fields: [
        FieldShape("type", .enumeration(parameterTypes), "string (default), number or boolean."),
        FieldShape("default", .scalar, "Value when none is given."),
        FieldShape("allowed", .list(.scalar), "The only values accepted."),
        FieldShape("required", .boolean, "A value must be given when there is no default."),
        FieldShape("description", .string(.text), "Shown in listings and the API."),
    ])

    public static let http = ObjectShape("httpRequest", "An HTTP request.", fields: [
        FieldShape("method", .enumeration(httpMethods), "Default GET, or POST when there is a body."),
        FieldShape("url", .string(.url), "http(s) URL; may use templates and ${secrets.NAME}."),
        FieldShape("headers", .dictionary(keyPattern: "^[A-Za-z0-9-]+$", value: .string(.template)), "Request headers."),
        FieldShape("body", .string(.template), "Request body, a template sent as written (for JSON, prefer `json`)."),
        FieldShape("json", .anyJSON, "A JSON body written as YAML; its strings are templates, and jobctl serialises it (Content-Type: application/json)."),
        FieldShape("timeout", .string(.duration), "Request timeout."),
    ], required: ["url"], atMostOneOf: [["body", "json"]])

    public static let step = ObjectShape("step", "One step; exactly one of run, agent, http.", fields: [
        FieldShape("name", .string(.name), "Step name, referred to as steps.NAME in conditions and templates."),
        FieldShape("run", .anyOf([.list(.string(.template)), .string(.text)]), "A command as an argv list (templates allowed), or a string run by /bin/sh -c (no templates; use env)."),
        FieldShape("agent", .string(.name), "An agent from jobctl.yaml; it reads the rendered prompt on stdin."),
        FieldShape("prompt", .string(.template), "The prompt for an agent step."),
        FieldShape("http", .object(http), "An HTTP request."),
        FieldShape("env", .dictionary(keyPattern: "^[A-Za-z_][A-Za-z0-9_]*$", value: .string(.template)), "Environment variables for the step (templates allowed)."),
        FieldShape("workdir", .string(.text), "Working directory, relative to the root."),
        FieldShape("timeout", .string(.duration), "Step timeout."),
        FieldShape("if", .string(.expression), "Run the step only when this condition holds."),
    ], exactlyOneOf: [["run", "agent", "http"]])

    /// What a notification may be sent on: a final status, `recovered` (the first success after a
    /// failure) or `changed` (a status other than the previous run's).
    static let notificationEvents = statuses + ["recovered", "changed"]

    /// The daemon's own troubles a named notifier may be sent on (its `on`).
    static let daemonEvents = ["apply_refused", "history_write_failed"]

    /// The shapes of a webhook's message.
    static let webhookFormats = ["json", "slack", "teams", "ping"]

    public static let notify = ObjectShape("notification", "Where to report runs that end in the listed statuses.", fields: [
        FieldShape("on", .list(.enumeration(notificationEvents)), "Final statuses, recovered or changed (default: failed, timed_out)."),
        FieldShape("webhook", .string(.url), "URL to POST the message to; usually ${secrets.NAME}."),
        FieldShape("format", .enumeration(webhookFormats), "The webhook's message: json (default), slack, teams or ping."),
        FieldShape("per", .enumeration(["run", "fanout"]), "One message per run (default), or per whole fan-out when its last run ends."),
        FieldShape("changedOn", .enumeration(["status", "report"]), "What 'changed' compares with the previous run: its status (default) or its report."),
        FieldShape("notifier", .string(.name), "A notifier from jobctl.yaml."),
    ], exactlyOneOf: [["webhook", "notifier"]])

    public static let retries = ObjectShape("retries", "Retry a failed run with capped exponential backoff.", fields: [
        FieldShape("max", .integer(minimum: 0, maximum: 100), "Retries after the first attempt."),
        FieldShape("backoff", .string(.duration), "Wait before the first retry, doubled each time (default 30s)."),
        FieldShape("maxBackoff", .string(.duration), "Cap on the wait (default 1h)."),
    ], required: ["max"])

    public static let rateLimit = ObjectShape("rateLimit", "At most `max` runs per `per`.", fields: [
        FieldShape("max", .integer(minimum: 1, maximum: nil), "Runs allowed in the window."),
        FieldShape("per", .string(.duration), "The sliding window."),
    ], required: ["max", "per"])

    public static let on = ObjectShape("trigger", "Event triggers.", fields: [
        FieldShape("events", .list(.string(.eventType)), "Event types that start this job (after `filter`)."),
    ], required: ["events"])

    public static let job = ObjectShape("job", "A jobctl job definition (jobs/<id>.yaml).", fields: [
        apiVersion,
        FieldShape("name", .string(.text), "Display name; defaults to the id."),
        FieldShape("description", .string(.text), "What the job is for."),
        FieldShape("enabled", .boolean, "false: never fires, still listed."),
        FieldShape("schedule", .anyOf([.string(.cron), .object(schedule)]), "When the job fires; a string is shorthand for {cron: ...}. Absent: manual, API and event runs only."),
        FieldShape("on", .object(on), "Event triggers."),
        FieldShape("filter", .string(.expression), "Events that do not satisfy this are recorded `filtered`."),
        FieldShape("params", .dictionary(keyPattern: "^[A-Za-z_][A-Za-z0-9_]*$", value: .anyOf([.object(parameter), .scalar])), "Typed parameters; a scalar is shorthand for {default: ...}."),
        FieldShape("matrix", .dictionary(keyPattern: "^[A-Za-z_][A-Za-z0-9_]*$", value: .list(.scalar)), "Fan-out: one run per combination of these parameter values."),
        FieldShape("maxParallel", .integer(minimum: 1, maximum: nil), "How many matrix runs at once."),
        FieldShape("needs", .list(.string(.jobID)), "Run after each successful run of these jobs."),
        FieldShape("concurrency", .enumeration(concurrency), "When a run is still in progress: skip (default), allow, replace, queue."),
        FieldShape("rateLimit", .object(rateLimit), "At most max runs per window."),
        FieldShape("timeout", .string(.duration), "Whole-run timeout."),
        FieldShape("retries", .anyOf([.object(retries), .integer(minimum: 0, maximum: 100)]), "Retries; an integer is shorthand for {max: N}."),
        FieldShape("until", .string(.expression), "Stop firing once this holds after a run (the job is then completed)."),
        FieldShape("steps", .list(.object(step)), "Executed in order; a failed step fails the run."),
        FieldShape("notify", .list(.object(notify)), "Notifications."),
    ], required: ["steps"])

    // MARK: jobctl.yaml

    public static let defaults = ObjectShape("defaults", "Defaults for every job.", fields: [
        FieldShape("concurrency", .enumeration(concurrency), "Default concurrency policy."),
        FieldShape("timeout", .string(.duration), "Default run timeout."),
        FieldShape("retries", .anyOf([.object(retries), .integer(minimum: 0, maximum: 100)]), "Default retries."),
        FieldShape("catchup", .enumeration(catchup), "Default catch-up policy."),
        FieldShape("catchupWindow", .string(.duration), "Default catch-up window."),
    ])

    public static let agent = ObjectShape("agent", "A command or endpoint that answers a prompt. Exactly one of run, http.", fields: [
        FieldShape("run", .list(.string(.text)), "argv of a command that reads the prompt on stdin and writes its answer to stdout."),
        FieldShape("http", .object(http), "An endpoint that receives the prompt as the request body."),
        FieldShape("timeout", .string(.duration), "How long an answer may take."),
    ], exactlyOneOf: [["run", "http"]])

    public static let smtp = ObjectShape("smtp", "An SMTP server to send mail through.", fields: [
        FieldShape("host", .string(.text), "Server host."),
        FieldShape("port", .integer(minimum: 1, maximum: 65535), "Server port (default: 587 for starttls, 465 for tls, 25 for none)."),
        FieldShape("security", .enumeration(MailSecurity.allCases.map(\.rawValue)), "starttls (default), tls (implicit, port 465) or none (a relay on loopback)."),
        FieldShape("caFile", .string(.text), "PEM file of the certificate authorities to trust instead of the system's."),
        FieldShape("from", .string(.text), "Sender address: jobs@example.com or Name <jobs@example.com>."),
        FieldShape("to", .list(.string(.text)), "Recipients."),
        FieldShape("username", .string(.template), "AUTH user name; may be ${secrets.NAME}."),
        FieldShape("password", .string(.template), "AUTH password; must be ${secrets.NAME}."),
    ], required: ["host", "from", "to"])

    public static let notifier = ObjectShape("notifier", "A named notification target: a webhook, or mail through an SMTP server. Exactly one of webhook, smtp.", fields: [
        FieldShape("webhook", .string(.url), "URL to POST the message to."),
        FieldShape("format", .enumeration(webhookFormats), "The webhook's message: json (default), slack, teams or ping."),
        FieldShape("on", .list(.enumeration(daemonEvents)), "The daemon's own troubles that notify here: apply_refused, history_write_failed."),
        FieldShape("smtp", .object(smtp), "Mail: a text and an HTML part, the run's report inlined."),
    ], exactlyOneOf: [["webhook", "smtp"]])

    public static let publish = ObjectShape("publish", "Publish the history to a git branch (the followed remote's with serve --remote, else the repository's own) as append-only JSONL segments, for CI to read with history --rev and check --rev.", fields: [
        FieldShape("branch", .string(.text), "The branch (default jobctl/history)."),
        FieldShape("every", .string(.duration), "How often new records are published (default 5m, at least 1s)."),
    ])

    public static let history = ObjectShape("history", "Where run history goes and how long it is kept.", fields: [
        FieldShape("folder", .string(.text), "History folder, relative to the root (default history)."),
        FieldShape("keepRuns", .integer(minimum: 1, maximum: nil), "Keep at most this many records per job."),
        FieldShape("keepDays", .integer(minimum: 1, maximum: nil), "Drop records older than this many days."),
        FieldShape("publish", .object(publish), "Publish the history to a git branch."),
    ])

    public static let embeddings = ObjectShape("embeddings", "An OpenAI-compatible embeddings endpoint for the agent tools' search by meaning (job_search_semantic).", fields: [
        FieldShape("url", .string(.url), "The endpoint (http://127.0.0.1:8089/v1/embeddings); jobs' text is POSTed as {model, input}."),
        FieldShape("model", .string(.text), "The model name sent with each request."),
        FieldShape("token", .string(.template), "Bearer token; must be ${secrets.NAME}."),
    ], required: ["url", "model"])

    public static let search = ObjectShape("search", "How the agent tools search jobs.", fields: [
        FieldShape("embeddings", .object(embeddings), "Embeddings for search by meaning; without it job_search_semantic says it has none."),
    ])

    public static let config = ObjectShape("config", "jobctl.yaml: settings for a jobs root.", fields: [
        apiVersion,
        FieldShape("timezone", .string(.timeZone), "The organisation's time zone, the default for every job."),
        FieldShape("defaults", .object(defaults), "Defaults for every job."),
        FieldShape("agents", .dictionary(keyPattern: "^[A-Za-z0-9_-]+$", value: .object(agent)), "Agents that agent steps name."),
        FieldShape("notifiers", .dictionary(keyPattern: "^[A-Za-z0-9_-]+$", value: .object(notifier)), "Named notification targets."),
        FieldShape("history", .object(history), "History settings."),
        FieldShape("search", .object(search), "Search settings of the agent tools (jobctl mcp)."),
    ])
}
