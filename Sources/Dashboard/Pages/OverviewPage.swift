import Foundation
import Reconciler
import Hummingbird
import History
import Scheduler
import Server

/// `/`: every job the viewer may see, with its state, next fire, last runs and success rate;
/// search, a state filter, 50 a page; and whether HEAD or the remote is ahead of what is applied.
extension Dashboard {
    struct StripCell { var status: String; var label: String }

    struct JobRow {
        var id: String
        var name: String
        var href: String
        var state: String
        var nextFire: String
        var strip: [StripCell]
        var successRate: String
        var schedule: String
    }

    struct Option { var value: String; var label: String; var selected: Bool }

    /// Field names of its own (`previousPage`, not `previous`): a nil one would make Mustache
    /// use an enclosing context's field of that name.
    struct Pager {
        var page: Int
        var pages: Int
        var previousPage: String?
        var nextPage: String?
        var showing: String
        var many: Bool
    }

    /// The page asked for (`?page=N`, counted from 1), as an index from 0.
    static func pageIndex(_ request: Request) -> Int {
        max(1, Int(request.uri.queryParameters.get("page") ?? "") ?? 1) - 1
    }

    struct Heads {
        var applied: String?
        var appliedSummary: String?
        var ahead: String?
        var remote: String?
        var problem: String?
    }

    static let pageSize = 50

    func overview(_ request: Request, viewer: Viewer, frame: Frame) async throws -> Response {
        var frame = frame
        frame.title = "Jobs"
        frame.section = "overview"
        let query = request.uri.queryParameters
        let q = query.get("q")?.trimmingCharacters(in: .whitespaces) ?? ""
        let state = query.get("state") ?? ""
        // Filter on the definitions first; a job's state (and its view) is worked out only when
        // the state filter needs it, or for the 50 rows shown.
        let (jobs, live) = await api.scheduler.jobSnapshots
        let indices = JobView.matching(jobs, q: q, covers: viewer.sees)
        func view(_ index: Int) -> JobView { JobView.make(jobs[index], live[index], lastRuns: api.lastRuns) }
        // A page past the end shows the last one.
        func clamped(_ count: Int) -> Int { min(Self.pageIndex(request), max(0, count - 1) / Self.pageSize) }
        let total: Int, page: Int
        let shown: [JobView]
        if state.isEmpty {
            total = indices.count
            page = clamped(total)
            shown = indices.dropFirst(page * Self.pageSize).prefix(Self.pageSize).map(view)
        } else {
            let matching = indices.map(view).filter { $0.state.rawValue == state }
            total = matching.count
            page = clamped(total)
            shown = Array(matching.dropFirst(page * Self.pageSize).prefix(Self.pageSize))
        }
        let base = "/?q=\(FormBody.encode(q))&state=\(FormBody.encode(state))"
        let pager = Self.pager(total: total, page: page, base: base)
        let rows = shown.map { view in
            let summary = api.summaries.summary(of: view.id)
            return JobRow(
                id: view.id, name: view.name, href: "/jobs/" + view.id, state: view.state.rawValue,
                nextFire: view.nextFire.flatMap { RecordTime.parse($0) }.map { PageTime.show($0) } ?? "—",
                strip: (summary?.recent ?? []).map { StripCell(status: $0.rawValue, label: $0.rawValue.replacingOccurrences(of: "_", with: " ")) },
                successRate: summary?.successRate.map { String(format: "%.0f%%", $0 * 100) } ?? "—",
                schedule: view.schedule.map { "\($0.expression) (\(PageTime.zoneName(TimeZone(identifier: $0.timezone) ?? .gmt)))" } ?? (view.events.isEmpty ? "manual" : "on " + view.events.joined(separator: ", ")))
        }
        struct Context {
            var frame: Frame; var rows: [JobRow]; var q: String; var states: [Option]; var pager: Pager; var heads: Heads; var empty: Bool; var total: Int
        }
        let states = [Option(value: "", label: "any state", selected: state.isEmpty)]
            + JobState.allCases.map { Option(value: $0.rawValue, label: $0.rawValue.replacingOccurrences(of: "_", with: " "), selected: $0.rawValue == state) }
        let context = Context(frame: frame, rows: rows, q: q, states: states, pager: pager, heads: headsLine(sees: viewer.sees), empty: rows.isEmpty, total: total)
        return PageResponse.html(renderer.render("overview", context))
    }

    static func pager(total: Int, page: Int, base: String) -> Pager {
        let pages = max(1, (total + pageSize - 1) / pageSize)
        let first = min(total, page * pageSize + 1), last = min(total, (page + 1) * pageSize)
        return Pager(page: page + 1, pages: pages, previousPage: page > 0 ? base + "&page=\(page)" : nil,
                     nextPage: page + 1 < pages ? base + "&page=\(page + 2)" : nil,
                     showing: total == 0 || first > total ? "none" : "\(first)–\(last) of \(total)", many: pages > 1)
    }

    /// The applied commit, and whether HEAD (or the followed remote) is ahead of it.
    func headsLine(sees: (String) -> Bool = { _ in true }) -> Heads {
        var heads = Heads()
        if let remote = api.remote {
            let status = remote.status
            if let head = status.remoteHead, head != status.appliedCommit {
                heads.remote = "\(status.branch) at \(head.prefix(7)) is not applied" + (status.lastRefusal.map { ": \($0.message)" } ?? "")
            }
        }
        // A followed remote's mirror has no HEAD of its own to compare: the remote's head is what waits.
        let view = repository.heads(revision: api.remote.flatMap { $0.status.appliedCommit })
        heads.applied = view.applied?.short
        heads.appliedSummary = view.applied?.summary
        heads.problem = view.problem
        if let pending = view.pending, let head = view.head {
            if !pending.isValid {
                let errors = pending.diagnostics.filter { $0.severity == .error }.count
                heads.ahead = "HEAD (\(head.short) \(head.summary)) is invalid (\(errors) error\(errors == 1 ? "" : "s")): it cannot be applied; the applied commit stays in force"
            } else {
                // Counted over the jobs this viewer may see, as the plan page lists them.
                let visible = pending.changes.filter { sees($0.id.rawValue) }
                let count = { (action: JobChange.Action) in visible.filter { $0.action == action }.count }
                heads.ahead = "HEAD (\(head.short) \(head.summary)) is not applied: "
                    + (visible.isEmpty ? "no change to your jobs" : "\(count(.create)) to create, \(count(.update)) to update, \(count(.delete)) to delete")
            }
        }
        return heads
    }
}
