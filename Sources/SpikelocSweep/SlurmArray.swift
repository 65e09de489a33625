import Foundation
import SpikelocOutput

/// How a sweep runs as a Slurm array job: task `i` of `tasks` trains runs `i`, `i + tasks`, ...
/// with the same spikeloc binary (`spikeloc sweep DIR --task-index i --task-count tasks`).
/// Saved as `slurm.json` in the sweep folder, so a resubmission keeps the settings.
public struct SlurmSettings: Codable, Equatable, Sendable {
    /// Array tasks (default: one per run).
    public var tasks: Int?
    /// At most this many tasks at once (the array's `%` limit).
    public var maxParallel: Int?
    /// `#SBATCH --NAME=VALUE` lines passed through, in order (`partition=gpu`, `time=01:00:00`).
    public var options: [String] = []

    public init(tasks: Int? = nil, maxParallel: Int? = nil, options: [String] = []) {
        self.tasks = tasks
        self.maxParallel = maxParallel
        self.options = options
    }

    /// These settings with the ones `other` gives replacing them.
    public func updated(with other: SlurmSettings) -> SlurmSettings {
        SlurmSettings(tasks: other.tasks ?? tasks, maxParallel: other.maxParallel ?? maxParallel,
                      options: other.options.isEmpty ? options : other.options)
    }

    /// Checks the values; throws a ``SweepError`` naming the option.
    public func check() throws {
        if let tasks, tasks < 1 { throw SweepError("--tasks must be a positive whole number, got \(tasks)") }
        if let maxParallel, maxParallel < 1 { throw SweepError("--max-parallel must be a positive whole number, got \(maxParallel)") }
        for option in options {
            let name = String(option.prefix { $0 != "=" })
            guard !name.isEmpty, name.allSatisfy({ $0.isLetter || $0.isNumber || $0 == "-" || $0 == "_" }) else {
                throw SweepError("--slurm-option \(option): expected NAME=VALUE (an sbatch option without its dashes), e.g. partition=short")
            }
            if ["array", "a", "output", "o", "error", "e", "open-mode", "parsable", "wrap"].contains(name) {
                throw SweepError("--slurm-option \(option): spikeloc sets --\(name) itself (use --tasks and --max-parallel for the array)")
            }
            if option.contains(where: { $0 == "\n" || $0 == "\r" }) { throw SweepError("--slurm-option \(option): contains a line break") }
        }
    }

    /// The number of array tasks for `runs` runs.
    public func taskCount(runs: Int) -> Int { max(min(tasks ?? runs, runs), 1) }
}

/// `sweep.sbatch` and its submission.
public enum SlurmArray {
    /// `slurm.json` in the sweep folder.
    public static func settingsURL(_ folder: SweepFolder) -> URL { folder.url.appendingPathComponent("slurm.json") }

    /// The saved settings of `folder` (empty when none were saved).
    public static func savedSettings(_ folder: SweepFolder) -> SlurmSettings {
        (try? JSONFiles.read(SlurmSettings.self, from: settingsURL(folder))) ?? SlurmSettings()
    }

    /// The batch script: an array of `settings.taskCount` tasks, each running its share of the
    /// runs with `executable`, stdout and stderr of task `i` in `logs/task-i.out` and `.err`
    /// (appended to on resubmission), and the pass-through options.
    public static func script(folder: SweepFolder, manifest: SweepManifest, settings: SlurmSettings, executable: String) throws -> String {
        let path = folder.url.standardizedFileURL.path
        for (what, text) in [("sweep folder", path), ("spikeloc binary", executable)] {
            guard !text.contains(where: { $0 == " " || $0 == "\t" || $0 == "%" || $0 == "'" || $0 == "\n" || $0 == "\"" }) else {
                throw SweepError("the \(what) \(text) holds a space, quote or %, which sbatch directives cannot hold; use another path")
            }
        }
        let tasks = settings.taskCount(runs: manifest.runs.count)
        let limit = settings.maxParallel.map { "%\($0)" } ?? ""
        let userNames = Set(settings.options.map { String($0.prefix { $0 != "=" }) })
        var lines = ["#!/bin/bash"]
        if !userNames.contains("job-name") && !userNames.contains("J") {
            lines.append("#SBATCH --job-name=spikeloc-sweep-\(RunName.safe(folder.url.lastPathComponent))")
        }
        lines += [
            "#SBATCH --array=0-\(tasks - 1)\(limit)",
            "#SBATCH --output=\(path)/logs/task-%a.out",
            "#SBATCH --error=\(path)/logs/task-%a.err",
            "#SBATCH --open-mode=append",
        ]
        lines += settings.options.map { "#SBATCH --\($0)" }
        lines += [
            "",
            "# spikeloc sweep, written by spikeloc \(SpikelocVersion.current): \(manifest.runs.count) runs in \(tasks) array tasks;",
            "# task i trains runs i, i + \(tasks), ... of sweep.json, one thread each, as many at once as it has CPUs.",
            "# Submit with `spikeloc sweep \(path) --submit` (it submits only the tasks with unfinished runs)",
            "# or `sbatch \(path)/sweep.sbatch`; a task that is killed (time limit, preemption) resumes from",
            "# its checkpoints when resubmitted. Watch with `spikeloc sweep \(path) --status`.",
            "exec '\(executable)' sweep '\(path)' --task-index \"$SLURM_ARRAY_TASK_ID\" --task-count \(tasks) --jobs \"${SLURM_CPUS_PER_TASK:-1}\"",
            "",
        ]
        return lines.joined(separator: "\n")
    }

    /// Writes `sweep.sbatch` and `slurm.json`.
    public static func write(folder: SweepFolder, manifest: SweepManifest, settings: SlurmSettings, executable: String) throws {
        try settings.check()
        let text = try script(folder: folder, manifest: manifest, settings: settings, executable: executable)
        try FileManager.default.createDirectory(at: folder.logsFolder, withIntermediateDirectories: true)
        try FileProblem.writeAtomically(Data(text.utf8), to: folder.sbatch)
        chmod(folder.sbatch.path, 0o755)
        try JSONFiles.write(settings, to: settingsURL(folder))
    }

    /// The tasks that still have work: a run that is not done, not diverged and not running.
    public static func unfinishedTasks(folder: SweepFolder, manifest: SweepManifest, tasks: Int) -> [Int] {
        var pending = Set<Int>()
        for (index, run) in manifest.runs.enumerated() {
            switch folder.state(of: run) {
            case .missing, .interrupted, .failed: pending.insert(index % tasks)
            case .done, .diverged, .running: break
            }
        }
        return pending.sorted()
    }

    /// `[0, 1, 2, 5, 7, 8]` as Slurm writes an array: `0-2,5,7-8`.
    public static func ranges(_ indices: [Int]) -> String {
        var parts: [String] = []
        var i = 0
        while i < indices.count {
            var j = i
            while j + 1 < indices.count, indices[j + 1] == indices[j] + 1 { j += 1 }
            parts.append(j > i ? "\(indices[i])-\(indices[j])" : "\(indices[i])")
            i = j + 1
        }
        return parts.joined(separator: ",")
    }

    /// Submits `sweep.sbatch` for `tasks` (its `--array` replaced by them) with `sbatch
    /// --parsable`; returns the job id. Throws a ``SweepError`` when sbatch is missing or fails.
    public static func submit(folder: SweepFolder, tasks: [Int], settings: SlurmSettings, sbatch: String = "sbatch") throws -> String {
        let array = ranges(tasks) + (settings.maxParallel.map { "%\($0)" } ?? "")
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = [sbatch, "--parsable", "--array=\(array)", folder.sbatch.path]
        let out = Pipe(), err = Pipe()
        process.standardOutput = out
        process.standardError = err
        do { try process.run() } catch {
            throw SweepError("cannot run sbatch: \(FileProblem.describe(error))")
        }
        let output = String(decoding: out.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        let errors = String(decoding: err.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        guard process.terminationStatus == 0 else {
            if process.terminationStatus == 127 { throw SweepError("sbatch not found: is this a Slurm login node? (sweep.sbatch is written; submit it there)") }
            let reason = errors.split(separator: "\n").last.map(String.init) ?? "exit status \(process.terminationStatus)"
            throw SweepError("sbatch failed: \(reason)")
        }
        let id = output.trimmingCharacters(in: .whitespacesAndNewlines).split(separator: ";").first.map(String.init) ?? ""
        guard !id.isEmpty else { throw SweepError("sbatch printed no job id") }
        let record = "job \(id) tasks \(array)\n"
        if let handle = try? FileHandle(forWritingTo: submissionsURL(folder)) {
            handle.seekToEndOfFile()
            handle.write(Data(record.utf8))
            try? handle.close()
        } else {
            try? Data(record.utf8).write(to: submissionsURL(folder))
        }
        return id
    }

    /// `logs/submissions.txt`: one line per submission.
    public static func submissionsURL(_ folder: SweepFolder) -> URL { folder.logsFolder.appendingPathComponent("submissions.txt") }

    /// The last submission recorded, if any.
    public static func lastSubmission(_ folder: SweepFolder) -> String? {
        guard let text = try? String(contentsOf: submissionsURL(folder), encoding: .utf8) else { return nil }
        return text.split(separator: "\n").last.map(String.init)
    }
}
