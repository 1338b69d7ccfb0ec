import Definitions
import Foundation
import History
import Hummingbird
import Schedules
import Server

/// `/calendar`: past runs and upcoming fires of each job on one time axis, a day (by hour) or a
/// week (by day), in one zone for all rows or each job's own. Cells hold counts, so a job that
/// fires every minute costs one cell per hour, not sixty entries; a cell expands to its times.
extension Dashboard {
    struct Cell {
        var ran: [String: Int] = [:]
        var due = 0
        var dst: [String] = []
        var times: [String] = []
        var capped = false
    }

    /// Field names differ from the row's: Mustache looks a missing (nil) name up in the enclosing row.
    struct CellView { var text: String; var cellTitle: String; var tone: String; var cellLink: String?; var dst: Bool }
    struct CalendarRow { var id: String; var href: String; var zone: String; var cells: [CellView] }
    struct SlotHeader { var label: String; var href: String? }

    /// Fires counted per job and page view; past it a cell says "at least".
    static let fireCap = 50_000

    func calendar(_ request: Request, viewer: Viewer, frame: Frame) async throws -> Response {
        var frame = frame
        frame.title = "Calendar"
        frame.section = "calendar"
        let query = request.uri.queryParameters
        guard ["day", "week", nil].contains(query.get("view")) else {
            throw PageProblem(status: .badRequest, message: "view: '\(query.get("view") ?? "")' is neither day nor week")
        }
        let week = query.get("view") != "day"
        let zoneName = query.get("zone").flatMap { $0.isEmpty ? nil : $0 } ?? "UTC"
        let ownZones = zoneName == "job"
        guard ownZones || TimeZone(identifier: zoneName) != nil else { throw PageProblem(status: .badRequest, message: "zone: '\(zoneName)' is not a time zone (or 'job' for each job's own)") }
        let viewZone = TimeZone(identifier: ownZones ? "UTC" : zoneName)!
        let now = options.now()
        if let text = query.get("date"), !text.isEmpty, CivilDay(text: text) == nil {
            throw PageProblem(status: .badRequest, message: "date: '\(text)' is not a date (2026-12-01)")
        }
        let day = query.get("date").flatMap { CivilDay(text: $0) } ?? CivilDay(date: now, zone: viewZone)
        let q = query.get("q")?.trimmingCharacters(in: .whitespaces).lowercased() ?? ""
        let page = Self.pageIndex(request)
        let expand = query.get("expand")
        let slots = week ? 7 : 24
        let base = "/calendar?view=\(week ? "week" : "day")&zone=\(FormBody.encode(zoneName))&q=\(FormBody.encode(q))"

        let jobs = await api.scheduler.jobs.filter { viewer.sees($0.id.rawValue) && (q.isEmpty || $0.id.rawValue.contains(q) || $0.name.lowercased().contains(q)) }
        let pager = Self.pager(total: jobs.count, page: page, base: base + "&date=\(day.text)")
        let reader = HistoryReader(folder: api.history)
        var rows: [CalendarRow] = []
        var expanded: (title: String, times: [String])?
        for job in jobs.dropFirst(page * Self.pageSize).prefix(Self.pageSize) {
            let zone = ownZones ? (job.schedule?.timeZone ?? viewZone) : viewZone
            let start = day.start(in: zone), end = day.adding(days: week ? 7 : 1).start(in: zone)
            func slot(_ date: Date) -> Int? {
                guard date >= start, date < end else { return nil }
                if week { return CivilDay(date: date, zone: zone).days(since: day) }
                var calendar = Calendar(identifier: .gregorian)
                calendar.timeZone = zone
                return calendar.component(.hour, from: date)
            }
            var cells = Array(repeating: Cell(), count: slots)
            let key = job.id.rawValue
            let wanted = expand.flatMap { Self.expandTarget($0) }.flatMap { $0.job == key ? $0.slot : nil }
            if let records = try? reader.lastRecords(job: key, count: Self.fireCap, filter: RecordFilter(since: start, until: end)).records {
                for record in records {
                    let at = record.scheduledFor ?? record.startedAt ?? record.finishedAt
                    guard let index = slot(at) else { continue }
                    cells[index].ran[record.status.rawValue, default: 0] += 1
                    if index == wanted { cells[index].times.append("\(PageTime.show(at, zone: zone)) \(record.status.rawValue) — run \(record.run)") }
                }
            }
            if let schedule = job.schedule, job.enabled {
                let sequence = schedule.jobSchedule(for: job.id)
                let fires = sequence.fires(after: max(start, now).addingTimeInterval(-0.001), count: Self.fireCap, through: end)
                for fire in fires {
                    guard fire.scheduledFor >= now, let index = slot(fire.scheduledFor) else { continue }
                    cells[index].due += 1
                    if let note = fire.dst { cells[index].dst.append(Self.dstText(note, fire: fire, zone: zone)) }
                    if index == wanted { cells[index].times.append("\(PageTime.show(fire.runAt, zone: zone)) due" + (fire.dst.map { " (\(Self.dstText($0, fire: fire, zone: zone)))" } ?? "")) }
                }
                if fires.count == Self.fireCap { for index in cells.indices where cells[index].due > 0 { cells[index].capped = true } }
            }
            if let wanted, wanted < cells.count {
                expanded = ("\(key), \(week ? day.adding(days: wanted).text : "\(day.text) \(String(format: "%02d:00", wanted))") (\(PageTime.zoneName(zone)))", cells[wanted].times)
            }
            guard job.schedule != nil || cells.contains(where: { !$0.ran.isEmpty }) else { continue }
            rows.append(CalendarRow(id: key, href: "/jobs/" + key, zone: PageTime.zoneName(zone), cells: cells.enumerated().map { index, cell in
                Self.cellView(cell, href: base + "&date=\(day.text)&page=\(page + 1)&expand=\(FormBody.encode(key))@\(index)#expanded")
            }))
        }
        let headers = (0..<slots).map { index in
            week ? SlotHeader(label: day.adding(days: index).label, href: base.replacingOccurrences(of: "view=week", with: "view=day") + "&date=\(day.adding(days: index).text)")
                 : SlotHeader(label: String(format: "%02d", index), href: nil)
        }
        struct Context {
            var frame: Frame; var week: Bool; var rows: [CalendarRow]; var headers: [SlotHeader]; var date: String; var zone: String; var q: String
            var previous: String; var next: String; var dayView: String; var weekView: String; var pager: Pager; var expanded: Bool
            var expandedTitle: String; var expandedTimes: [String]; var range: String
        }
        let step = week ? 7 : 1
        let context = Context(
            frame: frame, week: week, rows: rows, headers: headers, date: day.text, zone: zoneName, q: q,
            previous: base + "&date=\(day.adding(days: -step).text)", next: base + "&date=\(day.adding(days: step).text)",
            dayView: base.replacingOccurrences(of: "view=week", with: "view=day") + "&date=\(day.text)",
            weekView: base.replacingOccurrences(of: "view=day", with: "view=week") + "&date=\(day.text)", pager: pager,
            expanded: expanded != nil, expandedTitle: expanded?.title ?? "", expandedTimes: expanded?.times ?? [],
            range: week ? "\(day.text) – \(day.adding(days: 6).text)" : day.text)
        return PageResponse.html(renderer.render("calendar", context))
    }

    static func expandTarget(_ text: String) -> (job: String, slot: Int)? {
        guard let at = text.lastIndex(of: "@"), let slot = Int(text[text.index(after: at)...]) else { return nil }
        return (String(text[..<at]), slot)
    }

    static func dstText(_ note: DSTNote, fire: FireTime, zone: TimeZone) -> String {
        switch note {
        case .moved(let from): "moved by DST: \(from) does not exist that day"
        case .repeated: "DST: the repeated hour"
        }
    }

    static func cellView(_ cell: Cell, href: String) -> CellView {
        var parts: [String] = []
        var titles: [String] = []
        for (status, count) in cell.ran.sorted(by: { $0.key < $1.key }) {
            parts.append("\(count) \(Self.shortStatus(status))")
            titles.append("\(count) \(status.replacingOccurrences(of: "_", with: " "))")
        }
        if cell.due > 0 {
            parts.append("\(cell.capped ? "≥" : "")\(cell.due) due")
            titles.append("\(cell.capped ? "at least " : "")\(cell.due) upcoming fire\(cell.due == 1 ? "" : "s")")
        }
        if !cell.dst.isEmpty { titles.append(contentsOf: Set(cell.dst).sorted()) }
        let failed = cell.ran.keys.contains { ["failed", "timed_out", "interrupted"].contains($0) }
        let skipped = cell.ran.keys.contains { ["missed", "skipped", "rate_limited", "blocked", "cancelled"].contains($0) }
        let tone = failed ? "bad" : skipped ? "warn" : !cell.ran.isEmpty ? "good" : cell.due > 0 ? "due" : "empty"
        return CellView(text: parts.joined(separator: " "), cellTitle: titles.joined(separator: "; "), tone: tone, cellLink: parts.isEmpty ? nil : href, dst: !cell.dst.isEmpty)
    }

    static func shortStatus(_ status: String) -> String {
        switch status {
        case "completed": "ok"
        case "timed_out": "timed out"
        case "rate_limited": "rate-limited"
        default: status
        }
    }
}

/// A calendar day (proleptic Gregorian), independent of any zone until placed in one.
struct CivilDay {
    var year: Int, month: Int, day: Int

    init(year: Int, month: Int, day: Int) {
        (self.year, self.month, self.day) = (year, month, day)
    }

    init?(text: String) {
        let parts = text.split(separator: "-").compactMap { Int($0) }
        guard parts.count == 3, (1...12).contains(parts[1]), (1...31).contains(parts[2]), (1...9999).contains(parts[0]) else { return nil }
        self.init(year: parts[0], month: parts[1], day: parts[2])
        // 2026-02-30 is not a day (Calendar would roll it into March).
        let utc = TimeZone(identifier: "UTC")!
        let roundTrip = CivilDay(date: start(in: utc), zone: utc)
        guard (roundTrip.year, roundTrip.month, roundTrip.day) == (year, month, day) else { return nil }
    }

    init(date: Date, zone: TimeZone) {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = zone
        let c = calendar.dateComponents([.year, .month, .day], from: date)
        self.init(year: c.year!, month: c.month!, day: c.day!)
    }

    var text: String { String(format: "%04d-%02d-%02d", year, month, day) }

    /// `Mon 30 Nov`.
    var label: String {
        let date = start(in: TimeZone(identifier: "UTC")!)
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = TimeZone(identifier: "UTC")!
        let weekday = ["Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"][calendar.component(.weekday, from: date) - 1]
        let month = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"][self.month - 1]
        return "\(weekday) \(day) \(month)"
    }

    /// The first instant of the day in `zone` (a day that starts in a DST gap starts at its end).
    func start(in zone: TimeZone) -> Date {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = zone
        return calendar.startOfDay(for: calendar.date(from: DateComponents(year: year, month: month, day: day, hour: 12))!)
    }

    func adding(days: Int) -> CivilDay {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = TimeZone(identifier: "UTC")!
        return CivilDay(date: calendar.date(byAdding: .day, value: days, to: start(in: calendar.timeZone))!, zone: calendar.timeZone)
    }

    func days(since other: CivilDay) -> Int {
        let utc = TimeZone(identifier: "UTC")!
        return Int((start(in: utc).timeIntervalSince(other.start(in: utc)) / 86_400).rounded())
    }
}
