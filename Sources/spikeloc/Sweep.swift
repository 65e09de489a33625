import ArgumentParser
import Foundation
import SoundLocalization
import SpikelocOutput
import SpikelocSweep
import SpikingCore

struct Sweep: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Train a grid of settings and seeds into one folder, with tables and a page of plots, locally or as a Slurm array job.",
        discussion: """
        Examples:
          spikeloc sweep --set tau-ms=2,20 --set readout=sum,max --seeds 0-4 --epochs 10 --output sweeps/readouts
          spikeloc sweep docs/experiments/tau-seed-offsets.toml --jobs 2
          spikeloc sweep sweeps/readouts --status
          spikeloc sweep sweeps/readouts --submit --slurm-option partition=short --slurm-option time=00:30:00
        Any other train option is fixed for every run. Every run is an ordinary run folder under DIR/runs/; \
        DIR/results.csv, DIR/summary.csv and DIR/sweep.html are rebuilt from them. Running the same command \
        again skips finished runs, resumes interrupted ones from their checkpoints and retries failed ones; a \
        changed grid adds its new runs and keeps the others.
        """)

    @Option(name: .customLong("set"),
            help: ArgumentHelp("A swept train option and its values, e.g. tau-ms=2,5,10 (repeat for more options; every combination runs).", valueName: "name=values"))
    var set: [String] = []
    @Option(help: ArgumentHelp("Seeds of every setting: 0-4, 0,2,7 (default 0).", valueName: "list")) var seeds: String?
    @Option(help: ArgumentHelp("Sweep folder (default: the sweep file's output, else sweeps/<file name>).", valueName: "dir"))
    var output: String?
    @Option(parsing: .unconditional, help: "Runs at once (default: the cores); results do not depend on it.") var jobs: Int?
    @Option(parsing: .unconditional, help: "Threads of each run; results do not depend on it.") var threadsPerRun = 1
    @Option(parsing: .unconditional, help: "Test sets every run evaluates after training (train's --test-sets).") var testSets: Int?
    @Flag(help: "Retrain runs whose folder holds a run of other settings.") var force = false
    @Flag(help: "Tell what is done, running, failed or missing, from the folder alone, and run nothing.") var status = false
    @Flag(help: "Write DIR/sweep.sbatch, a Slurm array job that runs the sweep, and run nothing here.") var slurm = false
    @Flag(help: "Write DIR/sweep.sbatch and submit it with sbatch (only the tasks with unfinished runs).") var submit = false
    @Option(parsing: .unconditional, help: "Slurm array tasks (default: one per run); task i runs runs i, i+K, ...") var tasks: Int?
    @Option(parsing: .unconditional, help: "At most this many Slurm tasks at once (the array's % limit).") var maxParallel: Int?
    @Option(name: .customLong("slurm-option"),
            help: ArgumentHelp("An sbatch option for every task, e.g. partition=short, time=00:30:00, cpus-per-task=4 (repeatable).", valueName: "name=value"))
    var slurmOptions: [String] = []
    @Option(parsing: .unconditional, help: .hidden) var taskIndex: Int?
    @Option(parsing: .unconditional, help: .hidden) var taskCount: Int?
    @Argument(parsing: .allUnrecognized,
              help: ArgumentHelp("A sweep file (FILE.toml) or sweep folder (DIR), and train options fixed for every run.", valueName: "FILE.toml | DIR, train options"))
    var arguments: [String] = []

    func run() throws {
        try Console.guarded {
            do {
                try runSweep()
            } catch let error as SweepError {
                Console.error("spikeloc: error: \(error)")
                throw ExitCode(2)
            }
        }
    }

    private func runSweep() throws {
        let parser = TrainOptions()
        let (source, fixed) = try split(arguments, parser: parser)
        let jobs = try self.jobs.map { try checked($0, "--jobs") } ?? ParallelChunks.availableCores
        let threadsPerRun = try checked(threadsPerRun, "--threads-per-run")
        if let taskIndex {
            try runTask(taskIndex, source: source, jobs: jobs, threadsPerRun: threadsPerRun)
            return
        }
        guard taskCount == nil else { throw SweepError("--task-count goes with --task-index (both are set by sweep.sbatch)") }

        // what to sweep: a sweep file, a grid on the command line, or the sweep already in a folder
        var file: SweepFile?
        var folderURL = output.map { URL(fileURLWithPath: $0) }
        if let source {
            var isDirectory: ObjCBool = false
            if FileManager.default.fileExists(atPath: source, isDirectory: &isDirectory), isDirectory.boolValue {
                guard output == nil || URL(fileURLWithPath: output!).standardizedFileURL == URL(fileURLWithPath: source).standardizedFileURL else {
                    throw SweepError("\(source) is a sweep folder; --output cannot name another one")
                }
                folderURL = URL(fileURLWithPath: source)
            } else {
                file = try SweepFile.read(source)
                if folderURL == nil {
                    folderURL = URL(fileURLWithPath: file?.output
                        ?? "sweeps/" + URL(fileURLWithPath: source).deletingPathExtension().lastPathComponent)
                }
            }
        }
        let request = SweepRequest(file: file, setEntries: set, seeds: seeds, fixedArguments: fixed, testSets: testSets)
        guard let folderURL else {
            throw SweepError(request.isEmpty
                ? "nothing to sweep: give --set NAME=VALUES (and --output DIR), a sweep file FILE.toml, or a sweep folder DIR"
                : "--output DIR is required for a grid given on the command line")
        }
        let folder = SweepFolder(url: folderURL)
        if status {
            guard SweepFolder.holdsSweep(folderURL) else { throw SweepError("\(folderURL.path) holds no sweep (no sweep.json)") }
            say(try SweepStatus(folder: folder))
            return
        }
        let manifest: SweepManifest
        if !request.isEmpty {
            if source != nil, file == nil { throw SweepError("\(source!) is a sweep folder: continue it without a grid, or give the grid with --output \(source!)") }
            let plan = try SweepPlan(grid: request.grid(parser: parser), parser: parser, threadsPerRun: threadsPerRun)
            manifest = try folder.prepare(plan, force: force)
        } else if SweepFolder.holdsSweep(folderURL) {
            manifest = try folder.readManifest()
        } else {
            throw SweepError("\(folderURL.path) holds no sweep (no sweep.json); give a grid with --set or a sweep file")
        }

        if slurm || submit {
            try writeSlurm(folder: folder, manifest: manifest)
            return
        }
        guard tasks == nil, maxParallel == nil, slurmOptions.isEmpty else {
            throw SweepError("--tasks, --max-parallel and --slurm-option go with --slurm or --submit")
        }
        try SweepRunner.checkMemory(manifest, jobs: jobs, threadsPerRun: threadsPerRun)
        let points = manifest.runs.count / max(manifest.grid.seeds.count, 1)
        say("Sweep \(folder.url.path): \(manifest.runs.count) runs (\(points) settings x \(manifest.grid.seeds.count) seeds), \(min(jobs, manifest.runs.count)) at once")
        try runLocally(folder: folder, manifest: manifest, runs: manifest.runs, jobs: jobs, threadsPerRun: threadsPerRun, holder: Self.holder())
    }

    /// A Slurm array task: its share of the sweep in `source`.
    private func runTask(_ index: Int, source: String?, jobs: Int, threadsPerRun: Int) throws {
        guard let source, let count = taskCount else { throw SweepError("--task-index needs a sweep folder and --task-count (sweep.sbatch gives both)") }
        guard (0 ..< max(count, 1)).contains(index), count > 0 else { throw SweepError("--task-index \(index) must lie in [0, --task-count \(count))") }
        let folder = SweepFolder(url: URL(fileURLWithPath: source))
        let manifest = try folder.readManifest()
        let runs = SweepRunner.share(of: manifest, task: index, of: count)
        let job = ProcessInfo.processInfo.environment["SLURM_ARRAY_JOB_ID"] ?? ProcessInfo.processInfo.environment["SLURM_JOB_ID"]
        say("Task \(index) of \(count)\(job.map { " (Slurm job \($0))" } ?? ""): \(runs.count) runs of \(folder.url.path)")
        try runLocally(folder: folder, manifest: manifest, runs: runs, jobs: jobs, threadsPerRun: threadsPerRun,
                       holder: Self.holder() + (job.map { " slurm job \($0)" } ?? "") + " task \(index)")
    }

    private func runLocally(folder: SweepFolder, manifest: SweepManifest, runs: [SweepRunSpec], jobs: Int, threadsPerRun: Int, holder: String) throws {
        let stop = StopRequest()
        let printer = SweepPrinter(total: runs.count)
        let runner = SweepRunner(folder: folder, manifest: manifest, jobs: jobs, threadsPerRun: threadsPerRun, holder: holder)
        let report = try runner.run(runs, observe: { printer.show($0) }, shouldStop: { stop.received != nil })
        printer.clear()
        let p = report.progress
        if report.interrupted {
            let sig = stop.received ?? SIGINT
            Console.error("spikeloc: sweep interrupted: \(p.done) of \(p.total) runs done; the runs in progress keep their last complete epoch.")
            Console.error("Continue with the same command, or: spikeloc sweep \(folder.url.path)")
            throw ExitCode(128 + sig)
        }
        var summary = "\(p.done) of \(p.total) runs done"
        if p.diverged > 0 { summary += ", \(p.diverged) diverged" }
        if p.failed > 0 { summary += ", \(p.failed) failed (run the command again to retry them)" }
        if p.elsewhere > 0 { summary += ", \(p.elsewhere) being trained by another process" }
        say(summary)
        say("Wrote \(folder.results.path), \(folder.summary.lastPathComponent) and \(folder.page.lastPathComponent)")
        if p.failed > 0 { throw ExitCode(1) }
    }

    private func writeSlurm(folder: SweepFolder, manifest: SweepManifest) throws {
        let settings = SlurmArray.savedSettings(folder).updated(with: SlurmSettings(tasks: tasks, maxParallel: maxParallel, options: slurmOptions))
        try SlurmArray.write(folder: folder, manifest: manifest, settings: settings, executable: Self.executablePath())
        let taskCount = settings.taskCount(runs: manifest.runs.count)
        say("Wrote \(folder.sbatch.path): \(manifest.runs.count) runs in \(taskCount) array tasks\(settings.maxParallel.map { ", at most \($0) at once" } ?? "")")
        guard submit else {
            say("Submit it with: spikeloc sweep \(folder.url.path) --submit   (or: sbatch \(folder.sbatch.path))")
            return
        }
        let pending = SlurmArray.unfinishedTasks(folder: folder, manifest: manifest, tasks: taskCount)
        guard !pending.isEmpty else {
            try SweepTables.write(folder: folder, manifest: manifest)
            say("Nothing to submit: every run is done, diverged or being trained (see spikeloc sweep \(folder.url.path) --status)")
            return
        }
        let id = try SlurmArray.submit(folder: folder, tasks: pending, settings: settings)
        say("Submitted Slurm array job \(id): tasks \(SlurmArray.ranges(pending)) of 0-\(taskCount - 1)")
        say("Watch it:  squeue -j \(id)   and   spikeloc sweep \(folder.url.path) --status")
        say("Output:    \(folder.logsFolder.path)/task-<i>.out and .err; every finished task rebuilds results.csv, summary.csv and sweep.html")
        say("Cancel:    scancel \(id)   (spikeloc sweep \(folder.url.path) --submit resubmits what is unfinished)")
    }

    private func checked(_ value: Int, _ option: String) throws -> Int {
        guard (1 ... ExperimentConfig.Limits.threads).contains(value) else {
            throw ConfigError(option: option, message: "must be a whole number in [1, \(ExperimentConfig.Limits.threads)], got \(value)")
        }
        return value
    }

    /// The sweep file or folder, and the train options, from the arguments the sweep's own
    /// options left: an option takes the next argument as its value unless written `--name=value`.
    private func split(_ arguments: [String], parser: TrainOptions) throws -> (source: String?, fixed: [String]) {
        var source: String?
        var fixed: [String] = []
        var index = 0
        while index < arguments.count {
            let argument = arguments[index]
            index += 1
            guard argument.hasPrefix("-"), argument.count > 1 else {
                guard source == nil else { throw SweepError("unexpected argument '\(argument)': one sweep file or folder at most (after \(source!))") }
                source = argument
                continue
            }
            guard argument.hasPrefix("--") else { throw SweepError("unknown option '\(argument)'") }
            let name = String(argument.dropFirst(2).prefix { $0 != "=" })
            switch parser.kind(of: name) {
            case nil:
                if let reason = unsweepableOptions[name] { throw SweepError("--\(name) cannot be set per run (\(reason))") }
                throw SweepError("unknown option '\(argument)': neither a sweep nor a train option")
            case .flag:
                fixed.append(argument)
            case .option:
                fixed.append(argument)
                if !argument.contains("=") {
                    guard index < arguments.count else { throw SweepError("\(argument) needs a value") }
                    fixed.append(arguments[index])
                    index += 1
                }
            }
        }
        return (source, fixed)
    }

    /// `host pid`, written into the lock of every run this process trains.
    static func holder() -> String {
        "\(ProcessInfo.processInfo.hostName) pid \(getpid())"
    }

    /// The absolute path of this spikeloc binary, for sweep.sbatch.
    static func executablePath() -> String {
        if let path = try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe") { return path }
        if let url = Bundle.main.executableURL { return url.standardizedFileURL.path }
        return URL(fileURLWithPath: CommandLine.arguments[0]).standardizedFileURL.path
    }
}

/// `train`'s options as `ExperimentOptions` defines them: their names and kinds from the
/// argument parser's own description, values parsed and checked exactly as `train` does.
struct TrainOptions: TrainOptionParser {
    let kinds: [String: TrainOptionKind]

    init() {
        struct Dump: Decodable {
            struct Command: Decodable { var arguments: [Argument]? }
            struct Argument: Decodable {
                struct Name: Decodable { var kind: String; var name: String }
                var kind: String
                var names: [Name]?
            }
            var command: Command
        }
        var kinds: [String: TrainOptionKind] = [:]
        let dump = try? JSONDecoder().decode(Dump.self, from: Data(ExperimentOptions._dumpHelp().utf8))
        for argument in dump?.command.arguments ?? [] {
            let kind: TrainOptionKind
            switch argument.kind {
            case "option": kind = .option
            case "flag": kind = .flag
            default: continue
            }
            for name in argument.names ?? [] where name.kind == "long" && name.name != "help" { kinds[name.name] = kind }
        }
        self.kinds = kinds
    }

    func kind(of name: String) -> TrainOptionKind? { kinds[name] }

    func config(arguments: [String], testSets: Int, threads: Int) throws -> ExperimentConfig {
        let options: ExperimentOptions
        do { options = try ExperimentOptions.parse(arguments) } catch {
            let message = ExperimentOptions.message(for: error).split(separator: "\n").first.map(String.init) ?? "invalid train option"
            throw SweepError(message)
        }
        return try options.config(testSets: testSets, threads: threads)
    }
}

/// Progress of a sweep: a line per finished run, and on a terminal a progress bar below them.
final class SweepPrinter: @unchecked Sendable {
    private let lock = NSLock()
    private let total: Int
    private let bar = ProgressBar()
    private var last = SweepRunner.Progress()

    init(total: Int) { self.total = total }

    func show(_ event: SweepRunner.Event) {
        lock.withLock {
            switch event {
            case let .started(run, resumed):
                if let resumed {
                    line("resume \(run.name) after epoch \(resumed)")
                }
            case .epoch:
                break
            case let .finished(run, state, metrics, message, seconds):
                if let m = metrics {
                    line(String(format: "done   %@  test %.1f%%  %.2f°  train %.1f%%  %d epochs  %.1f s  (%@)", run.name, m.testAccuracy,
                                m.testAbsErrorDeg, m.trainAccuracy, m.epochsRun, seconds, counts(last)))
                } else {
                    line("\(state.rawValue) \(run.name): \(message ?? "")")
                }
            case let .progress(progress):
                last = progress
                bar.update(label: "sweep", done: progress.done + progress.diverged + progress.failed, total: total, note: counts(progress))
            }
        }
    }

    func clear() { lock.withLock { bar.clear() } }

    private func line(_ text: String) {
        bar.clear()
        say(text)
    }

    private func counts(_ p: SweepRunner.Progress) -> String {
        var text = "\(p.done)/\(p.total) done, \(p.running) running, \(p.failed) failed"
        if p.elsewhere > 0 { text += ", \(p.elsewhere) elsewhere" }
        if let left = p.secondsLeft, p.waiting + p.running > 0 { text += ", ETA " + Self.duration(left) }
        return text
    }

    static func duration(_ seconds: Double) -> String {
        let s = Int(seconds.rounded())
        return s >= 3600 ? String(format: "%d:%02d:%02d", s / 3600, s / 60 % 60, s % 60) : String(format: "%d:%02d", s / 60, s % 60)
    }
}

/// A line on standard output, written at once (also when it is a file, as in a Slurm task's log).
func say(_ line: CustomStringConvertible) {
    FileHandle.standardOutput.write(Data((line.description + "\n").utf8))
}
