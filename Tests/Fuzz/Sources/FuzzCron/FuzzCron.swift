import Foundation
import Schedules

/// Any text as a cron expression: parsing never crashes, and a valid expression's next fires
/// move strictly forward, in UTC and in a zone with daylight-saving time.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzCron(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    let text = String(decoding: UnsafeBufferPointer(start: data, count: size), as: UTF8.self)
    guard let cron = try? CronExpression(text) else { return 0 }
    for zone in zones {
        var instant = Date(timeIntervalSince1970: 1_774_828_800)  // 2026-03-30, near a DST change
        for _ in 0..<4 {
            guard let next = cron.next(after: instant, in: zone) else { break }
            precondition(next > instant, "next(after:) did not move forward for '\(text)'")
            instant = next
        }
    }
    return 0
}

let zones = [TimeZone(identifier: "UTC")!, TimeZone(identifier: "Europe/Amsterdam")!]
