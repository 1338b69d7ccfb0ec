import Definitions
import Foundation
import Hummingbird
import Schedules

/// `GET /api/fire-times?cron=&timezone=&from=&count=` (also `every`, `at`, `start`, `end`, `until`)
/// and, through ``JobRoutes``, `GET /api/jobs/{id}/fire-times`: the engine and JSON of
/// `jobctl fire-times --format json`.
struct FireTimeRoutes {
    let api: JobctlAPI

    func add(to router: Router<APIRequestContext>) {
        let api = self.api
        router.get("/api/fire-times") { request, _ -> Response in
            _ = try api.authorize(request, .read)
            let query = Query(request.uri.query)
            let schedule = try Self.schedule(query)
            return try Self.response(schedule, query: query)
        }
    }

    /// The fire times of `schedule` that the query's `from`, `count` and `until` select, as the
    /// CLI's JSON (the same bytes as `jobctl fire-times --format json`).
    static func response(_ schedule: JobSchedule, query: Query) throws(APIError) -> Response {
        let now = Date()
        let from = try query.get("from").map { text throws(APIError) in try instant(text, name: "from", zone: schedule.zone) } ?? now
        let until = try query.get("until").map { text throws(APIError) in try instant(text, name: "until", zone: schedule.zone) }
        var count = 10
        if let text = query.get("count") {
            guard let number = Int(text), (0...1000).contains(number) else {
                throw APIError.badRequest("count: '\(text)' must be a whole number from 0 to 1000", code: "invalid_query")
            }
            count = number
        } else if until != nil {
            count = 1000
        }
        var fires: [FireTime] = []
        var cursor = from
        while fires.count < count, let fire = schedule.nextFire(after: cursor) {
            if let until, fire.scheduledFor > until { break }
            fires.append(fire)
            cursor = fire.scheduledFor
        }
        return JSONResponse.raw(Array(FireTimePreview(fires: fires, zone: schedule.zone, now: now).render(.json).utf8))
    }

    static func schedule(_ query: Query) throws(APIError) -> JobSchedule {
        let cron = query.get("cron"), every = query.get("every"), at = query.get("at")
        let given = [cron, every, at].compactMap { $0 }.count
        guard given == 1 else {
            throw APIError.badRequest(given == 0 ? "give one of cron, every or at" : "give only one of cron, every and at", code: "invalid_query")
        }
        let zoneID = query.get("timezone") ?? query.get("tz") ?? "UTC"
        guard isKnownTimeZoneIdentifier(zoneID), let zone = TimeZone(identifier: zoneID) else {
            throw APIError.badRequest("timezone: unknown time zone \"\(zoneID)\": use an IANA name such as Europe/Amsterdam", code: "invalid_query")
        }
        let kind: JobSchedule.Kind
        if let cron {
            do {
                kind = .cron(try CronExpression(cron))
            } catch {
                throw APIError.badRequest("cron \"\(cron)\": column \(error.column): \(error.message)", code: "invalid_query")
            }
        } else if let every {
            let interval: JobDuration
            do {
                interval = try JobDuration(every)
            } catch {
                throw APIError.badRequest("every \"\(every)\": column \(error.column): \(error.message)", code: "invalid_query")
            }
            guard interval.milliseconds > 0 else { throw APIError.badRequest("every: the interval must be longer than 0", code: "invalid_query") }
            kind = .every(interval)
        } else {
            kind = .at(try local(at!, name: "at"))
        }
        let schedule = JobSchedule(kind: kind, zone: zone,
                                   start: try query.get("start").map { text throws(APIError) in try local(text, name: "start") },
                                   end: try query.get("end").map { text throws(APIError) in try local(text, name: "end") },
                                   jitter: nil, jitterKey: "")
        return schedule
    }

    static func local(_ text: String, name: String) throws(APIError) -> LocalDateTime {
        do {
            return try LocalDateTime(text)
        } catch {
            throw APIError.badRequest("\(name) \"\(text)\": column \(error.column): \(error.message)", code: "invalid_query")
        }
    }

    static func instant(_ text: String, name: String, zone: TimeZone) throws(APIError) -> Date {
        if text == "now" { return Date() }
        return try local(text, name: name).resolve(in: zone)
    }
}

/// One fire time in the JSON of `jobctl fire-times --format json` (decoded from that renderer,
/// so the shapes cannot drift apart).
struct FireTimeItem: Codable, Sendable {
    struct DST: Codable, Sendable {
        var kind: String
        var from: String?
    }

    var scheduledFor: String
    var runAt: String
    var utc: String
    var local: String
    var weekday: String
    var utcOffset: String
    var dst: DST?

    func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(scheduledFor, forKey: .scheduledFor)
        try c.encode(runAt, forKey: .runAt)
        try c.encode(utc, forKey: .utc)
        try c.encode(local, forKey: .local)
        try c.encode(weekday, forKey: .weekday)
        try c.encode(utcOffset, forKey: .utcOffset)
        try c.encode(dst, forKey: .dst)
    }

    static func items(_ fires: [FireTime], zone: TimeZone) -> [FireTimeItem] {
        let json = FireTimePreview(fires: fires, zone: zone, now: Date()).render(.json)
        return (try? JSONDecoder().decode([FireTimeItem].self, from: Data(json.utf8))) ?? []
    }
}
