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

    /// The fire times of `schedule` that the query's `from`, `count` and `until` select: the same
    /// items as `jobctl fire-times --format json`, written by the API's encoder.
    static func response(_ schedule: JobSchedule, query: Query) throws(APIError) -> Response {
        let now = Date()
        let from: Date
        let until: Date?
        do {
            from = try query.get("from").map { text throws(ScheduleSpec.Failure) in try ScheduleSpec.instant(text, field: .from, zone: schedule.zone, now: now) } ?? now
            until = try query.get("until").map { text throws(ScheduleSpec.Failure) in try ScheduleSpec.instant(text, field: .until, zone: schedule.zone, now: now) }
        } catch {
            throw APIError.badRequest(error.describe(naming: \.rawValue), code: "invalid_query")
        }
        var count = until == nil ? 10 : 1000
        if let text = query.get("count") {
            guard let number = Int(text), (0...1000).contains(number) else {
                throw APIError.badRequest("count: '\(text)' must be a whole number from 0 to 1000", code: "invalid_query")
            }
            count = number
        }
        let fires = schedule.fires(after: from, count: count, through: until)
        do {
            return try JSONResponse.make(FireTimePreview(fires: fires, zone: schedule.zone, now: now).items)
        } catch {
            throw APIError(.internalServerError, code: "internal", "cannot encode the fire times: \(error)")
        }
    }

    static func schedule(_ query: Query) throws(APIError) -> JobSchedule {
        let spec = ScheduleSpec(cron: query.get("cron"), every: query.get("every"), at: query.get("at"),
                                timezone: query.get("timezone") ?? query.get("tz"), start: query.get("start"), end: query.get("end"))
        do {
            return try spec.schedule()
        } catch {
            throw APIError.badRequest(error.describe(naming: \.rawValue), code: "invalid_query")
        }
    }
}
