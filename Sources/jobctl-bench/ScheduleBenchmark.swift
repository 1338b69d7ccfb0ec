import Foundation
import Schedules

/// `jobctl-bench schedules`: how fast the cron engine computes fire times.
///
/// 1. `next()` per second on one core, chained (each call starts from the previous result),
///    over a mix of common expressions, in UTC and in America/New_York; in the same run,
///    cronsim and croniter (python3, PyPI) do the same chained work on the same expressions.
/// 2. `jobctl fire-times --count 10000` as a whole process next to
///    `systemd-analyze calendar --iterations=10000` for the same daily schedule.
///
/// Options: `--calls N` (Swift calls per expression and zone, default 200000), `--python-calls N`
/// (default 10000), `--runs N` (process runs, default 5), `--jobctl PATH`, `--no-python`.
/// Run: `swift run -c release jobctl-bench schedules`
enum ScheduleBenchmark {
    /// Expressions every engine under test understands.
    static let expressions = [
        "*/5 * * * *", "0 8 * * 1-5", "30 2 * * *", "0 0 1 * *",
        "15 14 1 * *", "0 22 * * 1-5", "5 4 * * sun", "0 0,12 1 */2 *",
        "0 9 * * 1#2", "0 0 L * *",
    ]
    static let zones = ["UTC", "America/New_York"]
    static let startISO = "2026-01-01T00:00:00Z"
    /// Chains restart from the start every `segment` calls, so even a monthly expression stays
    /// within 2026-2110, where the zone has its real DST transitions.
    static let segment = 1000

    static func run(_ arguments: [String]) async throws {
        let calls = Int(option("--calls", arguments) ?? "") ?? 200_000
        let pythonCalls = Int(option("--python-calls", arguments) ?? "") ?? 10_000
        let runs = Int(option("--runs", arguments) ?? "") ?? 5
        let jobctl = option("--jobctl", arguments) ?? siblingJobctl
        print("jobctl-bench schedules: \(expressions.count) expressions, chained next() from \(startISO) (restarting every \(segment) calls)")
        print("expressions: " + expressions.joined(separator: " | "))
        print("")
        print("next() per second, one core")
        print(pad("engine", 12) + pad("zone", 20) + pad("calls", 12) + "calls/s")
        var swiftRates: [String: Double] = [:]
        for zoneID in zones {
            let rate = swiftRate(zoneID: zoneID, calls: calls)
            swiftRates[zoneID] = rate
            print(pad("jobctl", 12) + pad(zoneID, 20) + pad("\(calls * expressions.count)", 12) + format(rate))
        }
        if !arguments.contains("--no-python") {
            for (engine, zoneID, count, rate) in try pythonRates(calls: pythonCalls) {
                let ratio = (swiftRates[zoneID] ?? 0) / max(rate, 1)
                print(pad(engine, 12) + pad(zoneID, 20) + pad("\(count)", 12) + format(rate) + "   (jobctl is \(String(format: "%.0f", ratio))x)")
            }
        }
        print("")
        print("whole process: 10,000 fire times of a daily 08:00 schedule (median of \(runs) runs)")
        let ours = try medianRun(jobctl, ["fire-times", "--cron", "0 8 * * *", "--tz", "UTC", "--from", startISO, "--count", "10000", "--format", "iso"], runs: runs)
        print(pad("jobctl fire-times --cron '0 8 * * *' --count 10000 --format iso", 72) + String(format: "%8.1f ms", ours * 1000))
        if let systemd = which("systemd-analyze") {
            let theirs = try medianRun(systemd, ["calendar", "--iterations=10000", "*-*-* 08:00:00"], runs: runs)
            print(pad("systemd-analyze calendar --iterations=10000 '*-*-* 08:00:00'", 72) + String(format: "%8.1f ms", theirs * 1000))
        } else {
            print("systemd-analyze not found (apt-get install systemd) - skipped")
        }
        print("")
        print("reproduce: swift build -c release --product jobctl && swift run -c release jobctl-bench schedules")
    }

    /// Chained `next()` calls per second in one zone over all expressions.
    static func swiftRate(zoneID: String, calls: Int) -> Double {
        let zone = TimeZone(identifier: zoneID)!
        let parsed = expressions.map { try! CronExpression($0) }
        let start = try! LocalDateTime(startISO).resolve(in: zone)
        _ = parsed[0].next(after: start, in: zone)  // build the zone's table outside the clock
        var best = Double.infinity
        var sink = 0.0
        for _ in 0..<3 {
            let begin = DispatchTime.now().uptimeNanoseconds
            for cron in parsed {
                var t = start
                for i in 0..<calls {
                    if i % segment == 0 { t = start }
                    guard let next = cron.next(after: t, in: zone) else { break }
                    t = next
                }
                sink += t.timeIntervalSince1970
            }
            best = min(best, Double(DispatchTime.now().uptimeNanoseconds - begin) / 1e9)
        }
        if sink == 42 { print("") }
        return Double(calls * expressions.count) / best
    }

    static let pythonScript = #"""
    import json, sys, time
    from datetime import datetime
    from zoneinfo import ZoneInfo
    exprs, zones, calls, segment = json.loads(sys.argv[1]), json.loads(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4])
    out = []
    try:
        import cronsim
    except ImportError:
        cronsim = None
    try:
        import croniter as croniter_module
    except ImportError:
        croniter_module = None
    for zone in zones:
        start = datetime(2026, 1, 1, tzinfo=ZoneInfo("UTC")).astimezone(ZoneInfo(zone))
        if cronsim:
            best = None
            for _ in range(2):
                t0 = time.perf_counter()
                for e in exprs:
                    for i in range(calls):
                        if i % segment == 0:
                            it = cronsim.CronSim(e, start)
                        next(it)
                d = time.perf_counter() - t0
                best = d if best is None else min(best, d)
            out.append(["cronsim", zone, calls * len(exprs), calls * len(exprs) / best])
        if croniter_module:
            best = None
            for _ in range(2):
                t0 = time.perf_counter()
                for e in exprs:
                    for i in range(calls):
                        if i % segment == 0:
                            it = croniter_module.croniter(e, start)
                        it.get_next(datetime)
                d = time.perf_counter() - t0
                best = d if best is None else min(best, d)
            out.append(["croniter", zone, calls * len(exprs), calls * len(exprs) / best])
    print(json.dumps(out))
    """#

    /// Runs cronsim and croniter (if installed) on the same chained workload.
    static func pythonRates(calls: Int) throws -> [(String, String, Int, Double)] {
        guard let python = which("python3") else {
            print("python3 not found - cronsim/croniter skipped")
            return []
        }
        let encode = { (value: [String]) in String(data: try! JSONSerialization.data(withJSONObject: value), encoding: .utf8)! }
        let process = Process()
        process.executableURL = URL(fileURLWithPath: python)
        process.arguments = ["-c", pythonScript, encode(expressions), encode(zones), String(calls), String(segment)]
        let pipe = Pipe()
        process.standardOutput = pipe
        try process.run()
        let data = pipe.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        guard process.terminationStatus == 0,
            let rows = try JSONSerialization.jsonObject(with: data) as? [[Any]]
        else {
            print("python3 benchmark failed (pip install cronsim croniter)")
            return []
        }
        let found = Set(rows.compactMap { $0.first as? String })
        for engine in ["cronsim", "croniter"] where !found.contains(engine) {
            print("\(engine) not installed (pip install \(engine)) - skipped")
        }
        return rows.compactMap { row in
            guard row.count == 4, let engine = row[0] as? String, let zone = row[1] as? String,
                let count = row[2] as? Int, let rate = row[3] as? Double else { return nil }
            return (engine, zone, count, rate)
        }
    }

    /// Median wall time of whole-process runs, output discarded.
    static func medianRun(_ executable: String, _ arguments: [String], runs: Int) throws -> Double {
        var times: [Double] = []
        for _ in 0..<max(1, runs) {
            let process = Process()
            process.executableURL = URL(fileURLWithPath: executable)
            process.arguments = arguments
            process.standardOutput = FileHandle.nullDevice
            process.standardError = FileHandle.nullDevice
            let begin = DispatchTime.now().uptimeNanoseconds
            try process.run()
            process.waitUntilExit()
            times.append(Double(DispatchTime.now().uptimeNanoseconds - begin) / 1e9)
            if process.terminationStatus != 0 {
                print("warning: \(executable) \(arguments.joined(separator: " ")) exited \(process.terminationStatus)")
            }
        }
        return times.sorted()[times.count / 2]
    }

    static var siblingJobctl: String {
        URL(fileURLWithPath: CommandLine.arguments[0]).resolvingSymlinksInPath()
            .deletingLastPathComponent().appendingPathComponent("jobctl").path
    }

    static func which(_ name: String) -> String? {
        for dir in (ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin").split(separator: ":") {
            let path = "\(dir)/\(name)"
            if FileManager.default.isExecutableFile(atPath: path) { return path }
        }
        return nil
    }

    static func option(_ name: String, _ arguments: [String]) -> String? {
        guard let i = arguments.firstIndex(of: name), i + 1 < arguments.count else { return nil }
        return arguments[i + 1]
    }

    static func pad(_ s: String, _ width: Int) -> String {
        s.count >= width ? s + " " : s + String(repeating: " ", count: width - s.count)
    }

    static func format(_ rate: Double) -> String {
        let n = Int(rate.rounded())
        var digits = String(n)
        var out = ""
        while digits.count > 3 {
            out = "," + digits.suffix(3) + out
            digits.removeLast(3)
        }
        return digits + out
    }
}
