import Foundation

/// Shared helpers: run a whole process and measure it, summarise samples.
enum BenchmarkSupport {
    /// The `jobctl` binary built next to this benchmark (same configuration).
    static var jobctl: String {
        URL(fileURLWithPath: CommandLine.arguments[0]).resolvingSymlinksInPath()
            .deletingLastPathComponent().appendingPathComponent("jobctl").path
    }

    struct ProcessRun {
        var seconds: Double
        var status: Int32
        /// Peak resident memory of the child, in bytes.
        var peakBytes: Int
        /// User plus system CPU time of the child: less sensitive than wall time to a busy machine.
        var cpuSeconds: Double = 0
    }

    /// Runs a command to completion with output discarded; wall time, CPU time and the child's peak RSS.
    ///
    /// The peak comes from GNU time (`/usr/bin/time -f %M`) when it is installed: `posix_spawn`
    /// creates the child with `vfork`, so the child's own `ru_maxrss` starts at the benchmark's
    /// high-water mark and would overstate a small command. Without GNU time, `peakBytes` is 0.
    static func measure(_ executable: String, _ arguments: [String], in directory: String? = nil) throws -> ProcessRun {
        var pid: pid_t = 0
        var actions: posix_spawn_file_actions_t = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, 1, "/dev/null", O_WRONLY, 0)
        posix_spawn_file_actions_addopen(&actions, 2, "/dev/null", O_WRONLY, 0)
        // The benchmark is single-threaded: changing our own directory around the spawn is safe.
        let previousDirectory = FileManager.default.currentDirectoryPath
        if let directory { FileManager.default.changeCurrentDirectoryPath(directory) }
        defer { FileManager.default.changeCurrentDirectoryPath(previousDirectory) }
        let gnuTime = "/usr/bin/time"
        let peakFile = FileManager.default.temporaryDirectory.appendingPathComponent("jobctl-bench-peak-\(UUID().uuidString)").path
        defer { try? FileManager.default.removeItem(atPath: peakFile) }
        let wrapped = FileManager.default.isExecutableFile(atPath: gnuTime)
        let command = wrapped ? [gnuTime, "-f", "%M", "-o", peakFile, executable] + arguments : [executable] + arguments
        let argv = command.map { strdup($0) } + [nil]
        defer { argv.forEach { free($0) } }
        let start = DispatchTime.now().uptimeNanoseconds
        let result = posix_spawnp(&pid, command[0], &actions, nil, argv, environ)
        guard result == 0 else { throw NSError(domain: "spawn", code: Int(result), userInfo: [NSLocalizedDescriptionKey: "cannot start \(executable)"]) }
        var status: Int32 = 0
        var usage = rusage()
        _ = wait4(pid, &status, 0, &usage)
        let seconds = Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9
        let cpu = Double(usage.ru_utime.tv_sec + usage.ru_stime.tv_sec) + Double(usage.ru_utime.tv_usec + usage.ru_stime.tv_usec) / 1e6
        let peakKilobytes = wrapped
            ? (try? String(contentsOfFile: peakFile, encoding: .utf8)).flatMap { Int($0.split(separator: "\n").last.map(String.init) ?? "") } ?? 0
            : 0
        return ProcessRun(seconds: seconds, status: (status >> 8) & 0xff, peakBytes: peakKilobytes * 1024, cpuSeconds: cpu)
    }

    /// User plus system CPU seconds this process has used so far.
    static func processCPUSeconds() -> Double {
        var usage = rusage()
        getrusage(__rusage_who_t(RUSAGE_SELF.rawValue), &usage)
        return Double(usage.ru_utime.tv_sec) + Double(usage.ru_utime.tv_usec) / 1e6 + Double(usage.ru_stime.tv_sec) + Double(usage.ru_stime.tv_usec) / 1e6
    }

    static func median(_ values: [Double]) -> Double {
        let sorted = values.sorted()
        return sorted[sorted.count / 2]
    }

    static func percentile(_ values: [Double], _ p: Double) -> Double {
        guard !values.isEmpty else { return 0 }
        let sorted = values.sorted()
        let index = min(sorted.count - 1, Int((Double(sorted.count - 1) * p).rounded()))
        return sorted[index]
    }

    static func option(_ name: String, in arguments: [String]) -> String? {
        guard let index = arguments.firstIndex(of: name), index + 1 < arguments.count else { return nil }
        return arguments[index + 1]
    }

    /// Runs a command to completion and returns its stdout (stderr discarded) and exit status.
    static func capture(_ executable: String, _ arguments: [String], in directory: String? = nil) throws -> String {
        try captureWithStatus(executable, arguments, in: directory).output
    }

    static func captureWithStatus(_ executable: String, _ arguments: [String], in directory: String? = nil) throws -> (output: String, status: Int32) {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = arguments
        if let directory { process.currentDirectoryURL = URL(fileURLWithPath: directory) }
        let pipe = Pipe()
        process.standardOutput = pipe
        process.standardError = FileHandle.nullDevice
        try process.run()
        let data = pipe.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return (String(decoding: data, as: UTF8.self), process.terminationStatus)
    }

    static func temporaryFolder(_ prefix: String) throws -> String {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("\(prefix)-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
        return path
    }
}
