public import Foundation

/// Renders a list of fire times for people (`text`), scripts (`iso`) and programs (`json`):
/// the printing behind `jobctl fire-times`, kept here so the command stays a thin shell.
///
/// - `iso`: one RFC 3339 instant with its UTC offset per line, in the schedule's zone, and
///   nothing else (the time the run starts, i.e. including jitter).
/// - `text`: a table of the local time with its weekday, UTC, the distance from `now`, and a
///   DST column that marks each fire time a transition moved or doubled.
/// - `json`: an array with one object per fire time (`scheduledFor`, `runAt`, `utc`, `local`,
///   `weekday`, `utcOffset`, `dst`).
public struct FireTimePreview: Sendable {
    public enum Format: String, Sendable, CaseIterable {
        case text, iso, json
    }

    public let fires: [FireTime]
    public let zone: TimeZone
    public let now: Date

    public init(fires: [FireTime], zone: TimeZone, now: Date) {
        self.fires = fires
        self.zone = zone
        self.now = now
    }

    /// The whole output in `format`, ending with a newline (empty `iso` output is empty).
    public func render(_ format: Format) -> String {
        switch format {
        case .iso: return String(decoding: iso(), as: UTF8.self)
        case .json: return json()
        case .text: return text()
        }
    }

    /// The whole output in `format` as UTF-8 bytes (what `jobctl fire-times` writes); `iso` is
    /// written straight into the buffer, one line per fire.
    public func renderBytes(_ format: Format) -> [UInt8] {
        format == .iso ? iso() : Array(render(format).utf8)
    }

    func iso() -> [UInt8] {
        let rules = ZoneRules.of(zone)
        var bytes: [UInt8] = []
        bytes.reserveCapacity(fires.count * 26)
        for fire in fires {
            RFC3339.append(fire.runAt, rules: rules, to: &bytes)
            bytes.append(UInt8(ascii: "\n"))
        }
        return bytes
    }

    struct Row {
        var local: String
        var utc: String
        var distance: String
        var jitter: String
        var dst: String
    }

    func row(_ fire: FireTime) -> Row {
        let rules = ZoneRules.of(zone)
        let t = Int64(fire.runAt.timeIntervalSince1970.rounded(.down))
        let offset = rules.offset(at: t)
        let f = CivilCalendar.fields(wallSecond: t + offset)
        let weekday = CivilCalendar.weekdayNames[CivilCalendar.weekday(days: CivilCalendar.floorDiv(t + offset, 86_400))]
        let pad = LocalDateTime.pad
        let local = "\(weekday) \(pad(f.year, 4))-\(pad(f.month, 2))-\(pad(f.day, 2)) \(pad(f.hour, 2)):\(pad(f.minute, 2)):\(pad(f.second, 2)) \(RFC3339.offsetText(Int(offset)) == "Z" ? "+00:00" : RFC3339.offsetText(Int(offset)))"
        let u = CivilCalendar.fields(wallSecond: t)
        let utc = "\(pad(u.year, 4))-\(pad(u.month, 2))-\(pad(u.day, 2)) \(pad(u.hour, 2)):\(pad(u.minute, 2)):\(pad(u.second, 2))Z"
        let delay = Int64(((fire.runAt.timeIntervalSince1970 - fire.scheduledFor.timeIntervalSince1970) * 1000).rounded())
        let dst: String
        switch fire.dst {
        case .moved(let from)?: dst = "moved: \(from.timeText) skipped by DST"
        case .repeated?: dst = "twice: \(LocalDateTime(wallSecond: t + offset).timeText) repeats at DST end"
        case nil: dst = ""
        }
        return Row(local: local, utc: utc, distance: Self.distance(from: now, to: fire.runAt),
                   jitter: delay == 0 ? "" : "+" + JobDuration(milliseconds: delay).description, dst: dst)
    }

    func text() -> String {
        guard !fires.isEmpty else { return "no fire times\n" }
        let rows = fires.map(row)
        let showJitter = rows.contains { !$0.jitter.isEmpty }
        let showDST = rows.contains { !$0.dst.isEmpty }
        var header = ["#", "local time (\(zone.identifier))", "UTC", "from now"]
        if showJitter { header.append("jitter") }
        if showDST { header.append("DST") }
        var table = [header]
        for (i, r) in rows.enumerated() {
            var line = [String(i + 1), r.local, r.utc, r.distance]
            if showJitter { line.append(r.jitter) }
            if showDST { line.append(r.dst) }
            table.append(line)
        }
        var widths = [Int](repeating: 0, count: header.count)
        for line in table { for (i, cell) in line.enumerated() { widths[i] = max(widths[i], cell.count) } }
        var out = ""
        for line in table {
            var cells: [String] = []
            for (i, cell) in line.enumerated() {
                let padding = String(repeating: " ", count: widths[i] - cell.count)
                cells.append(i == 0 ? padding + cell : (i == line.count - 1 ? cell : cell + padding))
            }
            var text = cells.joined(separator: "  ")
            while text.hasSuffix(" ") { text.removeLast() }
            out += text + "\n"
        }
        return out
    }

    /// One object per fire time: what `--format json` prints and the API serves.
    public var items: [FireTimeItem] {
        let rules = ZoneRules.of(zone)
        let utc = TimeZone(secondsFromGMT: 0)!
        return fires.map { fire in
            let t = Int64(fire.runAt.timeIntervalSince1970.rounded(.down))
            let offset = rules.offset(at: t)
            let weekday = CivilCalendar.weekdayNames[CivilCalendar.weekday(days: CivilCalendar.floorDiv(t + offset, 86_400))]
            let dst: FireTimeItem.DST? = switch fire.dst {
            case .moved(let from)?: FireTimeItem.DST(kind: "moved", from: from.description)
            case .repeated?: FireTimeItem.DST(kind: "repeated", from: nil)
            case nil: nil
            }
            let offsetText = RFC3339.offsetText(Int(offset))
            return FireTimeItem(
                scheduledFor: RFC3339.string(fire.scheduledFor, in: zone), runAt: RFC3339.string(fire.runAt, in: zone),
                utc: RFC3339.string(fire.runAt, in: utc), local: LocalDateTime(wallSecond: t + offset).description,
                weekday: weekday, utcOffset: offsetText == "Z" ? "+00:00" : offsetText, dst: dst)
        }
    }

    func json() -> String {
        let lines = items.map { item in
            let dst: String
            switch item.dst {
            case let note? where note.from != nil: dst = "{\"kind\": \"\(note.kind)\", \"from\": \"\(note.from!)\"}"
            case let note?: dst = "{\"kind\": \"\(note.kind)\"}"
            case nil: dst = "null"
            }
            return """
              {"scheduledFor": "\(item.scheduledFor)", "runAt": "\(item.runAt)", "utc": "\(item.utc)", \
            "local": "\(item.local)", "weekday": "\(item.weekday)", "utcOffset": "\(item.utcOffset)", "dst": \(dst)}
            """
        }
        return lines.isEmpty ? "[]\n" : "[\n" + lines.joined(separator: ",\n") + "\n]\n"
    }

    /// `in 3d 4h`, `in 5m`, `in 12s`, `2h 10m ago`, `now`: the two largest units.
    public static func distance(from now: Date, to date: Date) -> String {
        let delta = Int64((date.timeIntervalSince1970 - now.timeIntervalSince1970).rounded())
        if delta == 0 { return "now" }
        var rest = abs(delta)
        var parts: [String] = []
        for (suffix, size) in [("y", Int64(365 * 86_400)), ("d", 86_400), ("h", 3600), ("m", 60), ("s", 1)] {
            if rest >= size && parts.count < 2 {
                parts.append("\(rest / size)\(suffix)")
                rest %= size
            } else if !parts.isEmpty && parts.count < 2 {
                break
            }
        }
        let text = parts.joined(separator: " ")
        return delta > 0 ? "in \(text)" : "\(text) ago"
    }
}

/// One fire time as `jobctl fire-times --format json` prints it and the API serves it.
public struct FireTimeItem: Codable, Sendable, Hashable {
    public struct DST: Codable, Sendable, Hashable {
        /// `moved` (out of a spring-forward gap) or `repeated` (one of two fires of a repeated time).
        public var kind: String
        /// For `moved`: the local time the expression named.
        public var from: String?
    }

    public var scheduledFor: String
    public var runAt: String
    public var utc: String
    public var local: String
    public var weekday: String
    public var utcOffset: String
    /// null when no DST transition moved or doubled the fire.
    public var dst: DST?

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(scheduledFor, forKey: .scheduledFor)
        try c.encode(runAt, forKey: .runAt)
        try c.encode(utc, forKey: .utc)
        try c.encode(local, forKey: .local)
        try c.encode(weekday, forKey: .weekday)
        try c.encode(utcOffset, forKey: .utcOffset)
        try c.encode(dst, forKey: .dst)
    }
}
