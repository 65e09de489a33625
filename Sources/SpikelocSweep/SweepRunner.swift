import Foundation
import SoundLocalization
import SpikelocOutput

/// Runs the runs of a sweep that are not finished, several at once, each through
/// ``TrainingRun`` exactly as `spikeloc train` runs it: missing runs start, interrupted ones
/// resume from their checkpoints, failed ones are retried, and finished (or diverged) ones are
/// skipped. A run is trained only by the process that holds its lock, so a local command and
/// Slurm tasks can work on one sweep folder at the same time. The tables are rebuilt from the
/// run folders as runs finish and at the end.
public struct SweepRunner: Sendable {
    /// What the runner reports while it works.
    public enum Event: Sendable {
        /// A run starts (`resumedAfter`: the epochs its checkpoint holds, nil for a fresh start).
        case started(SweepRunSpec, resumedAfter: Int?)
        /// A run finished an epoch (1-based) of at most `epochs`.
        case epoch(SweepRunSpec, epoch: Int, epochs: Int)
        /// A run ended: done (with its metrics), diverged or failed (with the reason).
        case finished(SweepRunSpec, SweepRunState, metrics: RunMetrics?, message: String?, seconds: Double)
        /// Counts after any change.
        case progress(Progress)
    }

    /// Where the runs of this command stand.
    public struct Progress: Sendable, Equatable {
        /// Runs this command is responsible for.
        public var total = 0
        /// Done (now or before).
        public var done = 0
        /// Diverged (now or before).
        public var diverged = 0
        /// Being trained by this command.
        public var running = 0
        /// Failed in this command.
        public var failed = 0
        /// Trained by another process (their lock is held).
        public var elsewhere = 0
        /// Seconds left, estimated from the runs finished so far; nil before the first.
        public var secondsLeft: Double?
        /// Not yet started by this command.
        public var waiting: Int { max(total - done - diverged - running - failed - elsewhere, 0) }

        public init() {}
    }

    /// The sweep folder.
    public let folder: SweepFolder
    /// Its manifest.
    public let manifest: SweepManifest
    /// Runs trained at once.
    public let jobs: Int
    /// Threads of each run (results do not depend on it).
    public let threadsPerRun: Int
    /// Who runs them, written into each run's lock (`host pid`, and the Slurm task).
    public let holder: String
    /// Seconds between rebuilds of the tables while runs finish.
    public var tablesInterval: TimeInterval = 10

    public init(folder: SweepFolder, manifest: SweepManifest, jobs: Int, threadsPerRun: Int = 1, holder: String) {
        precondition(jobs > 0 && threadsPerRun > 0)
        self.folder = folder
        self.manifest = manifest
        self.jobs = jobs
        self.threadsPerRun = threadsPerRun
        self.holder = holder
    }

    /// The runs of task `index` of `count` (Slurm array task `index`): every `count`-th run,
    /// starting at `index`.
    public static func share(of manifest: SweepManifest, task index: Int, of count: Int) -> [SweepRunSpec] {
        manifest.runs.enumerated().filter { $0.offset % count == index }.map(\.element)
    }

    /// Checks that `jobs` runs of the largest configuration fit in memory together; throws a
    /// ``SweepError`` naming `--jobs`.
    public static func checkMemory(_ manifest: SweepManifest, jobs: Int, threadsPerRun: Int, limit: Double = SystemMemory.limit) throws {
        let largest = manifest.runs.map { $0.config.memoryEstimate(testSets: manifest.grid.testSets, threads: threadsPerRun).total }.max() ?? 0
        let together = largest * Double(min(jobs, max(manifest.runs.count, 1)))
        guard together <= limit else {
            throw SweepError("--jobs \(jobs): that many runs at once ask for about \(MemoryEstimate.format(together)) of memory, "
                             + "more than the \(MemoryEstimate.format(limit)) \(SystemMemory.limitSource); use fewer jobs")
        }
    }

    /// What a call of ``run(_:observe:shouldStop:)`` did.
    public struct Report: Sendable {
        /// The counts at the end.
        public var progress: Progress
        /// Whether it stopped on request before every run was done.
        public var interrupted: Bool
    }

    /// Trains every run of `runs` that is not done or diverged, `jobs` at a time, then rebuilds
    /// the tables. `shouldStop` is polled after every batch; when it answers true, the runs in
    /// progress stop at their last complete epoch (their checkpoints keep it) and no new run
    /// starts. Errors of single runs do not stop the others: the run is recorded as failed (or
    /// diverged) in `state/`.
    public func run(
        _ runs: [SweepRunSpec], observe: @escaping @Sendable (Event) -> Void = { _ in },
        shouldStop: @escaping @Sendable () -> Bool = { false }
    ) throws -> Report {
        let shared = Shared()
        var todo: [SweepRunSpec] = []
        shared.progress.total = runs.count
        for run in runs {
            switch folder.state(of: run) {
            case .done: shared.progress.done += 1
            case .diverged: shared.progress.diverged += 1
            case .running: shared.progress.elsewhere += 1
            case .missing, .interrupted, .failed: todo.append(run)
            }
        }
        shared.queue = todo
        observe(.progress(shared.progress))
        let workers = min(jobs, todo.count)
        if workers > 0 {
            let group = DispatchGroup()
            for _ in 0 ..< workers {
                group.enter()
                let thread = Thread { [self] in
                    defer { group.leave() }
                    work(shared, observe: observe, shouldStop: shouldStop)
                }
                thread.stackSize = 8 << 20
                thread.start()
            }
            group.wait()
        }
        try SweepTables.write(folder: folder, manifest: manifest)
        return shared.lock.withLock { Report(progress: shared.progress, interrupted: shared.stopped) }
    }

    /// State shared by the worker threads, guarded by `lock`.
    private final class Shared: @unchecked Sendable {
        let lock = NSLock()
        var queue: [SweepRunSpec] = []
        var next = 0
        var progress = Progress()
        var stopped = false
        var finishedSeconds: [Double] = []
        var lastTables = Date()
    }

    private func work(_ shared: Shared, observe: @Sendable (Event) -> Void, shouldStop: @escaping @Sendable () -> Bool) {
        while true {
            let taken: SweepRunSpec? = shared.lock.withLock {
                if shouldStop() { shared.stopped = true }
                guard !shared.stopped, shared.next < shared.queue.count else { return nil }
                defer { shared.next += 1 }
                return shared.queue[shared.next]
            }
            guard let run = taken else { return }
            guard let lock = try? FileLock.tryAcquire(folder.lock(run), holder: holder) else {
                let progress = shared.lock.withLock { shared.progress.elsewhere += 1; return shared.progress }
                observe(.progress(progress))
                continue
            }
            // another process may have finished it between our look and our lock
            let state = folder.state(of: run)
            if state == .done || state == .diverged {
                lock.release()
                let progress = shared.lock.withLock {
                    if state == .done { shared.progress.done += 1 } else { shared.progress.diverged += 1 }
                    return shared.progress
                }
                observe(.progress(progress))
                continue
            }
            observe(.progress(shared.lock.withLock { shared.progress.running += 1; return shared.progress }))
            let started = Date()
            let result = execute(run, observe: observe, shouldStop: shouldStop)
            let seconds = Date().timeIntervalSince(started)
            lock.release()
            var rebuild = false
            let progress: Progress = shared.lock.withLock {
                shared.progress.running -= 1
                switch result.state {
                case .done: shared.progress.done += 1; shared.finishedSeconds.append(seconds)
                case .diverged: shared.progress.diverged += 1; shared.finishedSeconds.append(seconds)
                case .failed: shared.progress.failed += 1
                case .interrupted: shared.stopped = true
                default: break
                }
                if !shared.finishedSeconds.isEmpty {
                    let mean = shared.finishedSeconds.reduce(0, +) / Double(shared.finishedSeconds.count)
                    let left = shared.progress.waiting + shared.progress.running
                    shared.progress.secondsLeft = mean * Double(left) / Double(max(min(jobs, left), 1))
                }
                if result.state != .interrupted, Date().timeIntervalSince(shared.lastTables) >= tablesInterval {
                    shared.lastTables = Date()
                    rebuild = true
                }
                return shared.progress
            }
            observe(.progress(progress))
            if result.state != .interrupted {
                observe(.finished(run, result.state, metrics: result.metrics, message: result.message, seconds: seconds))
            }
            if rebuild { try? SweepTables.write(folder: folder, manifest: manifest) }
        }
    }

    private struct Result {
        var state: SweepRunState
        var metrics: RunMetrics?
        var message: String?
    }

    /// Trains, evaluates and reports one run (this process holds its lock).
    private func execute(_ run: SweepRunSpec, observe: @Sendable (Event) -> Void, shouldStop: @escaping @Sendable () -> Bool) -> Result {
        let start = Date()
        let runFolder = folder.runFolder(run)
        try? FileManager.default.removeItem(at: folder.outcome(run))
        do {
            var training: TrainingRun
            if FileManager.default.fileExists(atPath: runFolder.checkpoint.path) {
                training = try TrainingRun(resuming: runFolder, threads: threadsPerRun, testSets: manifest.grid.testSets)
                guard training.config == run.config else {
                    throw SweepError("the checkpoint in \(runFolder.url.path) holds a run with other settings than the grid gives it")
                }
                observe(.started(run, resumedAfter: training.state.epoch))
            } else {
                let prepared = try RunFolder.prepare(runFolder.url, force: true)
                training = try TrainingRun(config: run.config, folder: prepared, threads: threadsPerRun, testSets: manifest.grid.testSets)
                observe(.started(run, resumedAfter: nil))
            }
            let epochs = run.config.epochs
            try training.train(observe: { event in
                if case let .epoch(epoch, _, _, _, _) = event { observe(.epoch(run, epoch: epoch + 1, epochs: epochs)) }
            }, shouldStop: shouldStop)
            let (metrics, _) = try training.finish(wallSeconds: Date().timeIntervalSince(start))
            return Result(state: .done, metrics: metrics)
        } catch TrainingError.interrupted {
            return Result(state: .interrupted)
        } catch let error as TrainingError {
            record(RunOutcome(state: .diverged, message: error.description), for: run)
            return Result(state: .diverged, message: error.description)
        } catch {
            let message = String(describing: error).split(separator: "\n").first.map(String.init) ?? "unknown error"
            record(RunOutcome(state: .failed, message: message), for: run)
            return Result(state: .failed, message: message)
        }
    }

    private func record(_ outcome: RunOutcome, for run: SweepRunSpec) {
        try? JSONFiles.write(outcome, to: folder.outcome(run))
    }
}
