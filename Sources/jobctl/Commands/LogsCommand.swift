import ArgumentParser
import Foundation
import History

/// `jobctl logs RUN [--follow]`: print a run's log, `history/<job>/<run>.log`.
///
/// With `--follow`, keeps printing what is appended (polling every 200 ms) until the run has a
/// final record in history, then prints the rest and exits. Exit status: 0, or 1 when there is
/// no such log (and, with `--follow`, no such run in flight either).
struct LogsCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "logs",
        abstract: "Print a run's log (stdout and stderr of its steps); --follow until it finishes.",
        discussion: """
        Examples:
          jobctl logs 20261122T081500.004Z-7k2m9q4x
          jobctl logs 20261122T081500.004Z-7k2m9q4x --follow
          jobctl logs 20261122T081500.004Z-7k2m9q4x --event    # the payload of the event behind it
          jobctl logs 20261122T081500.004Z-7k2m9q4x --report   # its agent's report (Markdown)
        """
    )

    @Argument(help: ArgumentHelp("The run id (from jobctl history).", valueName: "RUN"))
    var runID: String

    @OptionGroup var rootOptions: RootOptions

    @Flag(help: "Keep printing new output until the run has a final record.")
    var follow = false

    @Flag(help: "Print the payload of the event that triggered the run (or that its filter refused) instead of its log.")
    var event = false

    @Flag(help: "Print the run's report (its agent step's output, Markdown) instead of its log.")
    var report = false

    func validate() throws {
        guard RunID.isValid(runID) else { throw ValidationError("'\(runID)' is not a run id") }
        if [follow, event, report].filter({ $0 }).count > 1 { throw ValidationError("--follow, --event and --report do not go together") }
    }

    func run() throws {
        let folder = try rootOptions.historyFolder()
        let inFlight = FileInFlightRegistry(root: rootOptions.folder.path)
        if event || report {
            // The job: from the run's marker, its log's folder, or the history file that records it.
            let job = inFlight.marker(run: runID)?.job ?? folder.findLog(run: runID)?.job ?? HistoryReader(folder: folder).record(ofRun: runID)?.job
            let kept: [UInt8]? = job.flatMap { job in
                event ? try? EventLog(folder: folder).payload(job: job, run: runID)
                      : (try? folder.artifact(.report, job: job, run: runID)).flatMap { FileManager.default.contents(atPath: $0).map(Array.init) }
            }
            guard let data = kept else {
                let what = event ? "event payload under \(folder.path) (no event triggered it" : "report under \(folder.path) (no agent step completed"
                Console.error("error: run \(runID) has no \(what), or retention removed it)")
                throw ExitCode(1)
            }
            FileHandle.standardOutput.write(Data(data))
            return
        }
        // A run in flight names its job; otherwise look for the log under every job's folder.
        var job = inFlight.marker(run: runID)?.job
        var path = job.flatMap { try? folder.logFile(job: $0, run: runID) }
        if path == nil || !FileManager.default.fileExists(atPath: path!) {
            if let found = folder.findLog(run: runID) {
                job = found.job
                path = found.path
            }
        }
        guard let job, let path else {
            Console.error("error: no log for run \(runID) under \(folder.path)")
            throw ExitCode(1)
        }
        let reader = HistoryReader(folder: folder)
        var offset: UInt64 = 0
        while true {
            // Check for the final record before reading, so nothing written before it is missed.
            let finished = !follow || ((try? reader.contains(run: runID, job: job)) ?? false)
            // A finished run whose record could not be appended yet (history unwritable) keeps
            // it in its marker: the log is complete, so stop following and say so.
            let kept = follow && !finished ? inFlight.marker(run: runID)?.final : nil
            offset = copy(from: path, at: offset)
            if finished { return }
            if let kept {
                Console.error("note: run \(runID) ended \(kept.status.rawValue); its record waits in its marker because history cannot be written (the daemon retries)")
                return
            }
            if inFlight.marker(run: runID) == nil, !FileManager.default.fileExists(atPath: path) {
                Console.error("error: run \(runID) is neither in flight nor recorded")
                throw ExitCode(1)
            }
            Thread.sleep(forTimeInterval: 0.2)
        }
    }

    /// Writes the file's bytes from `offset` to standard output; returns the new offset.
    func copy(from path: String, at offset: UInt64) -> UInt64 {
        guard let handle = FileHandle(forReadingAtPath: path) else { return offset }
        defer { try? handle.close() }
        var position = offset
        do {
            try handle.seek(toOffset: offset)
            while let data = try handle.read(upToCount: 1 << 20), !data.isEmpty {
                FileHandle.standardOutput.write(data)
                position += UInt64(data.count)
            }
        } catch {
            return position
        }
        return position
    }
}
