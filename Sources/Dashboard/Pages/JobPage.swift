import Definitions
import Foundation
import History
import Hummingbird
import Scheduler
import Schedules
import Server

/// `/jobs/<id>`: the definition at the applied commit, the next fires, the runs (50 a page),
/// stats from the run summaries, the pending plan when a newer commit changes the job, and the
/// run-now form built from its typed parameters.
extension Dashboard {
    struct FireRow { var local: String; var utc: String; var dst: String? }
    struct RunRow { var run: String; var href: String; var status: String; var trigger: String; var finished: String; var duration: String; var by: String }
    struct ParamField {
        var name: String
        var inputID: String
        /// Not `description`: a nil one would show the job's (Mustache looks names up outwards).
        var hint: String?
        var required: Bool
        var value: String
        var options: [Option]
        var isSelect: Bool
    }

    func jobPage(_ id: JobID, request: Request, viewer: Viewer, frame: Frame) async throws -> Response {
        guard viewer.sees(id.rawValue), let job = await api.scheduler.job(id) else {
            throw PageProblem.notFound("no applied job '\(id)' (or your token does not cover it)")
        }
        var frame = frame
        frame.title = job.name
        frame.section = "job"
        let detail = await JobDetail.make(job, api: api)
        var fires: [FireRow] = []
        if detail.job.state.fires, let schedule = job.schedule {
            let sequence = schedule.jobSchedule(for: id)
            let now = options.now()
            fires = FireTimePreview(fires: sequence.fires(after: now, count: 10), zone: sequence.zone, now: now).items.map { item in
                FireRow(local: item.local + " " + item.weekday + " (" + item.utcOffset + ")", utc: item.utc,
                        dst: item.dst.map { $0.kind == "moved" ? "moved by DST from \($0.from ?? "a skipped time")" : "DST: the repeated hour (one of two)" })
            }
        }
        let page = Self.pageIndex(request)
        let reader = HistoryReader(folder: api.history)
        let fetched = (try? reader.lastRecords(job: id.rawValue, count: (page + 1) * Self.pageSize).records) ?? []
        let runs = fetched.reversed().dropFirst(page * Self.pageSize).map(Self.runRow)
        let summary = api.summaries.summary(of: id.rawValue)
        let file = repository.appliedFile(job.file)
        let heads = repository.heads(revision: api.remote.flatMap { $0.status.remoteHead })
        let pendingHTML = heads.pending.flatMap { RepositoryView.html($0, named: heads.pendingName, where: { $0 == id }) }
        let running = detail.runsInProgress.map { RunRow(run: $0.run, href: "/runs/\($0.run)", status: "running", trigger: $0.trigger, finished: "started " + ($0.startedAt), duration: "", by: "") }
        struct Context {
            var frame: Frame; var id: String; var name: String; var description: String?; var state: String; var file: String
            var schedule: String?; var events: String?; var definition: String?; var commit: String?; var fires: [FireRow]
            var running: [RunRow]; var runs: [RunRow]; var hasFires: Bool; var hasRunning: Bool; var hasRuns: Bool; var previous: String?; var next: String?; var pageNumber: Int
            var successRate: String; var p50: String; var p95: String; var window: Int?; var pendingHTML: String?
            var mayRun: Bool; var params: [ParamField]; var paused: Bool; var pauseNote: String?; var csrf: String?
            var postBase: String
        }
        let pause = detail.job.pause
        let context = Context(
            frame: frame, id: id.rawValue, name: job.name, description: job.description, state: detail.job.state.rawValue, file: job.file,
            schedule: detail.job.schedule.map { "\($0.kind) \($0.expression) in \(PageTime.zoneName(TimeZone(identifier: $0.timezone) ?? .gmt))" },
            events: job.events.isEmpty ? nil : job.events.joined(separator: ", "),
            definition: file?.text, commit: file.map { "\($0.commit.short) \($0.commit.summary)" }, fires: fires,
            running: running, runs: Array(runs), hasFires: !fires.isEmpty, hasRunning: !running.isEmpty, hasRuns: !runs.isEmpty,
            previous: page > 0 ? "/jobs/\(id.rawValue)?page=\(page)" : nil,
            next: fetched.count == (page + 1) * Self.pageSize ? "/jobs/\(id.rawValue)?page=\(page + 2)" : nil, pageNumber: page + 1,
            successRate: summary?.successRate.map { String(format: "%.1f%%", $0 * 100) } ?? "—",
            p50: summary?.p50Ms.map { PageTime.duration($0) } ?? "—", p95: summary?.p95Ms.map { PageTime.duration($0) } ?? "—", window: summary?.records,
            pendingHTML: pendingHTML, mayRun: viewer.mayRun(id.rawValue), params: detail.definition.params.map(Self.field),
            paused: pause != nil, pauseNote: pause.map { "paused by \($0.by) since \(PageTime.show($0.since))" + ($0.until.map { " until \(PageTime.show($0))" } ?? "") + ($0.reason.map { ": \($0)" } ?? "") },
            csrf: viewer.session?.csrf, postBase: "/jobs/\(id.rawValue)")
        return PageResponse.html(renderer.render("job", context))
    }

    static func runRow(_ record: RunRecord) -> RunRow {
        RunRow(run: record.run, href: "/runs/\(record.run)", status: record.status.rawValue, trigger: record.trigger.rawValue,
               finished: PageTime.show(record.finishedAt), duration: PageTime.duration(record.durationMs), by: record.requestedBy ?? "")
    }

    static func field(_ parameter: JobDetail.Parameter) -> ParamField {
        let value = parameter.defaultValue?.description ?? ""
        var options: [Option] = []
        if let allowed = parameter.allowed {
            options = allowed.map { Option(value: $0.description, label: $0.description, selected: $0.description == value) }
        } else if parameter.type == "boolean" {
            options = ["true", "false"].map { Option(value: $0, label: $0, selected: $0 == value) }
        }
        if !options.isEmpty, !parameter.required, parameter.defaultValue == nil {
            options.insert(Option(value: "", label: "(not set)", selected: true), at: 0)
        }
        return ParamField(name: parameter.name, inputID: "param-" + parameter.name, hint: parameter.description,
                          required: parameter.required, value: value, options: options, isSelect: !options.isEmpty)
    }

    /// Run now, pause and resume from the job page, recorded as `token NAME (dashboard)`.
    func jobAction(_ action: String, _ id: JobID, form: [String: String], viewer: Viewer) async throws -> Response {
        // A job the token does not cover is not there, as on its page.
        guard viewer.sees(id.rawValue), let job = await api.scheduler.job(id) else {
            throw PageProblem.notFound("no applied job '\(id)' (or your token does not cover it)")
        }
        guard viewer.mayRun(id.rawValue) else {
            throw PageProblem(status: .forbidden, message: "token '\(viewer.token?.name ?? "")' may not run \(id) (it needs the run scope on this job)")
        }
        switch action {
        case "run":
            // As the API takes them, with one reading of an empty field: a parameter without a
            // default is left out (its text box starts empty); one with a default was cleared on
            // purpose and is sent as the empty text, which the parameter's rules then check.
            var parameters: [String: ParameterInput] = [:]
            for parameter in job.parameters {
                guard let value = form["param." + parameter.name] else { continue }
                if value.isEmpty && parameter.defaultValue == nil { continue }
                parameters[parameter.name] = .text(value)
            }
            let runs: [String]
            do throws(TriggerRefusal) {
                runs = try await api.scheduler.trigger(id, trigger: .manual, parameters: parameters, requestedBy: viewer.requestedBy)
            } catch { throw Self.problem(error) }
            api.log("dashboard: \(viewer.requestedBy) started \(runs.joined(separator: ", ")) of \(id)")
            guard let first = runs.first else { return PageResponse.redirect("/jobs/\(id.rawValue)?notice=queued") }
            return PageResponse.redirect("/runs/\(first)" + (runs.count > 1 ? "?notice=matrix" : ""))
        case "pause":
            let reason = form["reason"].flatMap { $0.isEmpty ? nil : $0 }
            var until: Date?
            if let text = form["until"]?.trimmingCharacters(in: .whitespaces), !text.isEmpty {
                guard let date = JobPause.end(text, now: options.now()) else {
                    throw PageProblem(status: .badRequest, message: "until: '\(text)' is neither an RFC 3339 time (2026-11-23T09:00:00Z) nor a duration (4h)")
                }
                until = date
            }
            do throws(TriggerRefusal) {
                _ = try await api.scheduler.pause(id, until: until, reason: reason, by: viewer.requestedBy)
            } catch { throw Self.problem(error) }
            return PageResponse.redirect("/jobs/\(id.rawValue)?notice=paused")
        default:
            do throws(TriggerRefusal) {
                _ = try await api.scheduler.resume(id, by: viewer.requestedBy)
            } catch { throw Self.problem(error) }
            return PageResponse.redirect("/jobs/\(id.rawValue)?notice=resumed")
        }
    }

    /// A refusal as the API answers it (404, 400, 409, 429, 503), shown on the problem page.
    static func problem(_ refusal: TriggerRefusal) -> PageProblem {
        PageProblem(status: JobRoutes.apiError(refusal).status, message: refusal.message)
    }
}
