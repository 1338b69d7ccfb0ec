import Foundation
import History
import Hummingbird
import Reports
import Scheduler
import Server

/// `/runs/<run>`: its steps, warnings and error, the log (followed live while it runs), the
/// report rendered and sanitised with its PDF, and links to its rerun or original.
extension Dashboard {
    struct StepRow { var name: String; var status: String; var exitCode: String; var duration: String }
    struct Fact { var label: String; var value: String }

    /// The log shown in the page: its last 256 KiB.
    static let logTail = 256 * 1024

    func runPage(_ run: String, viewer: Viewer, frame: Frame) async throws -> Response {
        guard RunID.isValid(run) else { throw PageProblem.notFound("'\(run)' is not a run id") }
        let record = RunRoutes.record(of: run, api: api)
        let running = await api.scheduler.runningRuns.first { $0.run == run }
        guard let job = record?.job ?? running?.job.rawValue, viewer.sees(job) else {
            throw PageProblem.notFound("no run '\(run)' (or your token does not cover its job)")
        }
        var frame = frame
        frame.title = "\(job) — run \(run)"
        frame.section = "run"
        var facts: [Fact] = []
        func add(_ label: String, _ value: String?) { if let value, !value.isEmpty { facts.append(Fact(label: label, value: value)) } }
        add("trigger", record?.trigger.rawValue ?? running?.trigger.rawValue)
        add("requested by", record?.requestedBy)
        add("scheduled for", record?.scheduledFor.map { PageTime.show($0) })
        add("started", (record?.startedAt ?? running?.startedAt).map { PageTime.show($0) })
        add("finished", record.map { PageTime.show($0.finishedAt) })
        add("duration", PageTime.duration(record?.durationMs))
        add("exit code", record?.exitCode.map(String.init))
        add("attempt", record?.attempt.map(String.init))
        add("commit", record?.commit.map { String($0.prefix(12)) })
        add("node", record?.node)
        add("parameters", record.map { $0.params.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }.joined(separator: " ") })
        let log = api.history.findLog(run: run).flatMap { Self.readTail($0.path) }
        var report: String?
        if let record, record.report != nil, let path = try? api.history.artifact(.report, job: job, run: run),
           let data = FileManager.default.contents(atPath: path) {
            report = ReportPage.fragment(markdown: String(decoding: data, as: UTF8.self))
        }
        let reruns = record == nil ? [] : ((try? HistoryReader(folder: api.history).lastRecords(job: job, count: 200, filter: .all).records) ?? [])
            .filter { $0.rerunOf == run }.map(Self.runRow)
        struct Context {
            var frame: Frame; var run: String; var job: String; var jobHref: String; var status: String; var isRunning: Bool
            var facts: [Fact]; var steps: [StepRow]; var warnings: [String]; var error: String?
            var log: String?; var logOffset: Int; var logTruncated: Bool; var report: String?; var pdfAvailable: Bool; var pdfMissing: String?
            var rerunOf: String?; var reruns: [RunRow]; var hasReruns: Bool; var hasWarnings: Bool; var hasSteps: Bool; var mayCancel: Bool; var mayRerun: Bool; var csrf: String?
        }
        let mayRun = viewer.mayRun(job)
        let context = Context(
            frame: frame, run: run, job: job, jobHref: "/jobs/" + job, status: record?.status.rawValue ?? "running", isRunning: record == nil,
            facts: facts,
            steps: (record?.steps ?? []).map { StepRow(name: $0.name, status: $0.status.rawValue, exitCode: $0.exitCode.map(String.init) ?? "", duration: PageTime.duration($0.durationMs)) },
            warnings: record?.warnings ?? [], error: record?.error,
            log: log.map { String(decoding: $0.bytes, as: UTF8.self) }, logOffset: log?.end ?? 0, logTruncated: (log?.start ?? 0) > 0,
            report: report, pdfAvailable: report != nil && printer.isAvailable,
            pdfMissing: report != nil && !printer.isAvailable ? "PDF export needs Chromium on the server's PATH (Debian: apt-get install chromium); until then, print this page (it has a print stylesheet)." : nil,
            rerunOf: record?.rerunOf, reruns: reruns, hasReruns: !reruns.isEmpty, hasWarnings: !(record?.warnings ?? []).isEmpty, hasSteps: !(record?.steps ?? []).isEmpty, mayCancel: mayRun && record == nil, mayRerun: mayRun && record != nil, csrf: viewer.session?.csrf)
        return PageResponse.html(renderer.render("run", context))
    }

    /// The last ``logTail`` bytes of a log: the bytes, where they start and where the file ends.
    static func readTail(_ path: String, from offset: Int? = nil) -> (bytes: [UInt8], start: Int, end: Int)? {
        guard let handle = FileHandle(forReadingAtPath: path) else { return nil }
        defer { try? handle.close() }
        guard let end = try? handle.seekToEnd() else { return nil }
        let start = offset.map { min(Int(end), max(0, $0)) } ?? max(0, Int(end) - logTail)
        try? handle.seek(toOffset: UInt64(start))
        let data = (try? handle.read(upToCount: Int(end) - start)) ?? Data()
        return ([UInt8](data), start, start + data.count)
    }

    /// `GET /runs/<run>/log?offset=N`: the log from byte N as server-sent events while the run
    /// runs (`data:` lines, then `event: end`); the page's script follows it.
    func logStream(_ run: String, request: Request, viewer: Viewer, stillAllowed: @escaping @Sendable () -> Bool) async throws -> Response {
        guard RunID.isValid(run), let (job, path) = api.history.findLog(run: run), viewer.sees(job) else {
            throw PageProblem.notFound("run '\(run)' has no log")
        }
        let scheduler = api.scheduler
        let start = Int(request.uri.queryParameters.get("offset") ?? "") ?? 0
        let body = ResponseBody { writer in
            var offset = start
            var pending: [UInt8] = []
            while stillAllowed() {
                let running = await scheduler.runningRuns.contains { $0.run == run }
                if let chunk = Self.readTail(path, from: offset), !chunk.bytes.isEmpty {
                    offset = chunk.end
                    pending += chunk.bytes
                    // Whole lines only, so an event never splits a character or a line.
                    if let last = pending.lastIndex(of: UInt8(ascii: "\n")) {
                        var text = ""
                        for line in pending[...last].split(separator: UInt8(ascii: "\n"), omittingEmptySubsequences: false).dropLast() {
                            text += "data: " + String(decoding: line, as: UTF8.self) + "\n"
                        }
                        pending.removeSubrange(...last)
                        try await writer.write(ByteBuffer(string: "id: \(offset - pending.count)\n" + text + "\n"))
                    }
                }
                if !running {
                    if !pending.isEmpty { try await writer.write(ByteBuffer(string: "data: " + String(decoding: pending, as: UTF8.self) + "\n\n")) }
                    try await writer.write(ByteBuffer(string: "event: end\ndata: \n\n"))
                    break
                }
                try await Task.sleep(for: .milliseconds(250))
            }
            try await writer.finish(nil)
        }
        return Response(status: .ok, headers: [.contentType: "text/event-stream", .cacheControl: "no-store"], body: body)
    }

    /// `GET /runs/<run>/report.pdf`: the report page printed by headless Chromium.
    func reportPDF(_ run: String, viewer: Viewer) async throws -> Response {
        guard RunID.isValid(run), let record = RunRoutes.record(of: run, api: api), viewer.sees(record.job), record.report != nil,
              let path = try? api.history.artifact(.report, job: record.job, run: run),
              let data = FileManager.default.contents(atPath: path) else {
            throw PageProblem.notFound("run '\(run)' has no report")
        }
        guard printer.isAvailable else {
            throw PageProblem(status: .serviceUnavailable, message: "PDF export needs Chromium on the server's PATH (Debian: apt-get install chromium); print the run page instead")
        }
        let html = ReportPage.html(markdown: String(decoding: data, as: UTF8.self), title: "\(record.job) — run \(run)")
        let pdf: [UInt8]
        do { pdf = try await printer.pdf(html: html) } catch {
            api.log("dashboard: the PDF of run \(run) failed: \(error)")
            throw PageProblem(status: .internalServerError, message: "the PDF could not be made: \(error)")
        }
        let name = record.job.replacingOccurrences(of: "/", with: "-") + "-" + run + ".pdf"
        return Response(status: .ok, headers: [.contentType: "application/pdf", .contentDisposition: "attachment; filename=\"\(name)\"", .cacheControl: "no-store"],
                        body: .init(byteBuffer: ByteBuffer(bytes: pdf)))
    }

    /// Cancel and rerun from the run page.
    func runAction(_ action: String, _ run: String, viewer: Viewer) async throws -> Response {
        guard RunID.isValid(run) else { throw PageProblem.notFound("'\(run)' is not a run id") }
        if action == "cancel" {
            guard let running = await api.scheduler.runInProgress(run) else {
                if let record = RunRoutes.record(of: run, api: api), viewer.sees(record.job) {
                    throw PageProblem(status: .conflict, message: "run '\(run)' is not in progress: it is \(record.status.rawValue)")
                }
                throw PageProblem.notFound("no run '\(run)' in progress")
            }
            guard viewer.sees(running.job) else { throw PageProblem.notFound("no run '\(run)' in progress") }
            guard viewer.mayRun(running.job) else { throw PageProblem(status: .forbidden, message: "your token may not cancel runs of \(running.job)") }
            _ = await api.scheduler.cancel(run: run, requestedBy: viewer.requestedBy)
            api.log("dashboard: \(viewer.requestedBy) cancelled \(run)")
            return PageResponse.redirect("/runs/\(run)?notice=cancelling")
        }
        guard let record = RunRoutes.record(of: run, api: api), viewer.sees(record.job) else { throw PageProblem.notFound("no run '\(run)'") }
        guard viewer.mayRun(record.job) else { throw PageProblem(status: .forbidden, message: "your token may not rerun runs of \(record.job)") }
        let runs: [String]
        do throws(TriggerRefusal) {
            runs = try await api.scheduler.rerun(run, requestedBy: viewer.requestedBy)
        } catch {
            throw Self.problem(error)
        }
        api.log("dashboard: \(viewer.requestedBy) reran \(run) as \(runs.joined(separator: ", "))")
        return PageResponse.redirect(runs.first.map { "/runs/\($0)" } ?? "/runs/\(run)?notice=queued")
    }
}
