import Foundation
import SoundLocalization
import SpikelocOutput

/// `sweep.json`: the grid of a sweep and its runs with their configurations. Everything else a
/// sweep knows (which runs are done, running or failed) is read from the run folders and
/// `state/`, so the folder alone tells where a sweep stands.
public struct SweepManifest: Codable, Equatable, Sendable {
    /// Version of this file's format.
    public static let formatVersion = 1
    /// spikeloc version that wrote it.
    public var spikelocVersion = SpikelocVersion.current
    /// The grid of the last command that set it.
    public var grid: SweepGrid
    /// The runs, in grid order.
    public var runs: [SweepRunSpec]

    public init(grid: SweepGrid, runs: [SweepRunSpec]) {
        self.grid = grid
        self.runs = runs
    }

    private enum CodingKeys: String, CodingKey { case formatVersion, spikelocVersion, grid, runs }

    public init(from decoder: Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        let version = try c.decodeIfPresent(Int.self, forKey: .formatVersion) ?? 1
        guard version <= Self.formatVersion else {
            throw SweepError("sweep.json has format version \(version); this spikeloc reads up to \(Self.formatVersion): use a newer spikeloc")
        }
        spikelocVersion = try c.decodeIfPresent(String.self, forKey: .spikelocVersion) ?? "unknown"
        grid = try c.decode(SweepGrid.self, forKey: .grid)
        runs = try c.decode([SweepRunSpec].self, forKey: .runs)
    }

    public func encode(to encoder: Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(Self.formatVersion, forKey: .formatVersion)
        try c.encode(spikelocVersion, forKey: .spikelocVersion)
        try c.encode(grid, forKey: .grid)
        try c.encode(runs, forKey: .runs)
    }
}

/// Where a run of a sweep stands, read from its folder and `state/`.
public enum SweepRunState: String, Codable, Sendable, CaseIterable {
    /// Trained, evaluated and reported (`metrics.json` and `report.html` exist).
    case done
    /// Training diverged (a NaN or infinite loss or weight): a result, not retried.
    case diverged
    /// Stopped by an error; the next `spikeloc sweep` retries it.
    case failed
    /// A process holds its lock and trains it now.
    case running
    /// Started but not finished, and no process trains it: resumed from its checkpoint next time.
    case interrupted
    /// Not started.
    case missing
}

/// The record of a run that did not finish: `state/<run>.outcome.json`.
public struct RunOutcome: Codable, Equatable, Sendable {
    /// ``SweepRunState/failed`` or ``SweepRunState/diverged``.
    public var state: SweepRunState
    /// The error, one line.
    public var message: String

    public init(state: SweepRunState, message: String) {
        self.state = state
        self.message = message
    }
}

/// The folder of a sweep:
///
///     sweep.json            the grid and every run's configuration
///     runs/<run>/           one ordinary run folder per run (model, metrics, checkpoint, report)
///     state/<run>.lock      held while a process trains the run (it says which)
///     state/<run>.outcome.json   why a run failed or diverged
///     results.csv, summary.csv, sweep.html   the tables and the page, rebuilt from runs/
///     sweep.sbatch, logs/   the Slurm array job and its tasks' output
public struct SweepFolder: Sendable {
    /// The folder.
    public let url: URL

    public init(url: URL) { self.url = url }

    public var manifest: URL { url.appendingPathComponent("sweep.json") }
    public var runsFolder: URL { url.appendingPathComponent("runs") }
    public var stateFolder: URL { url.appendingPathComponent("state") }
    public var logsFolder: URL { url.appendingPathComponent("logs") }
    public var results: URL { url.appendingPathComponent("results.csv") }
    public var summary: URL { url.appendingPathComponent("summary.csv") }
    public var page: URL { url.appendingPathComponent("sweep.html") }
    public var sbatch: URL { url.appendingPathComponent("sweep.sbatch") }
    /// Held while `sweep.json` or the tables are rewritten.
    var folderLock: URL { stateFolder.appendingPathComponent("sweep.lock") }

    /// The run folder of `run`.
    public func runFolder(_ run: SweepRunSpec) -> RunFolder { RunFolder(url: runsFolder.appendingPathComponent(run.name)) }
    /// The lock a process holds while it trains `run`.
    public func lock(_ run: SweepRunSpec) -> URL { stateFolder.appendingPathComponent("\(run.name).lock") }
    /// Why `run` failed or diverged.
    public func outcome(_ run: SweepRunSpec) -> URL { stateFolder.appendingPathComponent("\(run.name).outcome.json") }

    /// Whether `url` holds a sweep (`sweep.json`).
    public static func holdsSweep(_ url: URL) -> Bool {
        FileManager.default.fileExists(atPath: url.appendingPathComponent("sweep.json").path)
    }

    /// Reads `sweep.json`.
    public func readManifest() throws -> SweepManifest {
        do {
            return try JSONFiles.read(SweepManifest.self, from: manifest)
        } catch let error as JSONFileError {
            throw SweepError("\(error.reason)")
        }
    }

    /// Creates the folder for `plan` (or takes over the sweep already in it) and writes
    /// `sweep.json`, before any run starts. A run whose configuration equals a run of the sweep
    /// already there keeps that run's folder (so adding an axis or values reuses finished runs);
    /// a run folder that holds a run of other settings is an error unless `force` is set, which
    /// deletes it. Returns the manifest.
    public func prepare(_ plan: SweepPlan, force: Bool) throws -> SweepManifest {
        let fm = FileManager.default
        for folder in [url, runsFolder, stateFolder, logsFolder] {
            do { try fm.createDirectory(at: folder, withIntermediateDirectories: true) } catch {
                throw SweepError("sweep folder \(folder.path) cannot be created (\(FileProblem.describe(error)))")
            }
        }
        let probe = stateFolder.appendingPathComponent(".write-test")
        do { try FileProblem.writeAtomically(Data(), to: probe) } catch let e as OutputError {
            throw SweepError("sweep folder \(url.path) is not writable (\(e.reason))")
        }
        try? fm.removeItem(at: probe)
        let lock = try FileLock.acquire(folderLock)
        defer { lock.release() }
        let previous = fm.fileExists(atPath: manifest.path) ? try readManifest() : nil
        var runs = plan.runs
        if let previous {
            // a run whose configuration an earlier grid already had keeps its folder
            var byConfig: [String: String] = [:]
            for run in previous.runs { byConfig[Self.key(run.config)] = run.name }
            var taken = Set<String>()
            for index in runs.indices {
                if let name = byConfig[Self.key(runs[index].config)], !taken.contains(name) { runs[index].name = name }
                taken.insert(runs[index].name)
            }
            if taken.count != runs.count { runs = plan.runs }  // an old name clashes with a new one: use the new names
        }
        for run in runs {
            let folder = runFolder(run)
            guard fm.fileExists(atPath: folder.config.path) else { continue }
            let existing = try? JSONFiles.read(ExperimentConfig.self, from: folder.config)
            guard existing != run.config else { continue }
            guard force else {
                throw SweepError("run folder \(folder.url.path) holds a run with other settings than this grid gives it; "
                                 + "use another --output, or --force to retrain it")
            }
            try? fm.removeItem(at: folder.url)
            try? fm.removeItem(at: outcome(run))
        }
        let manifest = SweepManifest(grid: plan.grid, runs: runs)
        try JSONFiles.write(manifest, to: self.manifest)
        return manifest
    }

    /// A configuration as comparable text (its JSON).
    static func key(_ config: ExperimentConfig) -> String { String(decoding: JSONFiles.encode(config), as: UTF8.self) }

    /// Where `run` stands.
    public func state(of run: SweepRunSpec) -> SweepRunState {
        let fm = FileManager.default
        let folder = runFolder(run)
        if fm.fileExists(atPath: folder.metrics.path) && fm.fileExists(atPath: folder.report.path) { return .done }
        if FileLock.isHeld(lock(run)) { return .running }
        if let outcome = readOutcome(run) { return outcome.state }
        if fm.fileExists(atPath: folder.config.path) || fm.fileExists(atPath: folder.checkpoint.path) { return .interrupted }
        return .missing
    }

    /// The record of a failed or diverged run, if there is one.
    public func readOutcome(_ run: SweepRunSpec) -> RunOutcome? {
        guard let data = try? Data(contentsOf: outcome(run)) else { return nil }
        return try? JSONFiles.decode(RunOutcome.self, from: data)
    }

    /// Who holds `run`'s lock, as written by the holder (`host pid ...`).
    public func holder(of run: SweepRunSpec) -> String? {
        guard let text = try? String(contentsOf: lock(run), encoding: .utf8) else { return nil }
        let line = text.trimmingCharacters(in: .whitespacesAndNewlines)
        return line.isEmpty ? nil : line
    }

    /// Folders under `runs/` that no run of the current grid uses (kept from earlier grids).
    public func otherRunFolders(_ manifest: SweepManifest) -> [String] {
        let names = Set(manifest.runs.map(\.name))
        let all = (try? FileManager.default.contentsOfDirectory(atPath: runsFolder.path)) ?? []
        return all.filter { !$0.hasPrefix(".") && !names.contains($0) }.sorted()
    }
}
