import Foundation
import SoundLocalization
import SpikelocOutput

/// One run of a sweep with where it stands and, when done, its metrics.
public struct SweepRow: Sendable {
    public init(run: SweepRunSpec, state: SweepRunState, metrics: RunMetrics?, message: String?) {
        self.run = run
        self.state = state
        self.metrics = metrics
        self.message = message
    }

    public var run: SweepRunSpec
    public var state: SweepRunState
    public var metrics: RunMetrics?
    /// Why it failed or diverged.
    public var message: String?
}

/// The runs of one point of the grid (one value of every axis) over the seeds.
public struct SweepGroup: Sendable {
    /// The point's value of each axis.
    public var values: [String]
    /// Its runs, one per seed.
    public var rows: [SweepRow]
    /// Metrics of the done runs.
    public var done: [RunMetrics] { rows.compactMap(\.metrics) }

    /// Mean and sample standard deviation of `metric` over the done runs; nil when none is done.
    public func summary(_ metric: (RunMetrics) -> Double) -> Summary? {
        let values = done.map(metric)
        return values.isEmpty ? nil : Summary(values)
    }
}

/// The measures the tables summarise, by column name.
public enum SweepMeasure: String, CaseIterable, Sendable {
    case testAccuracy = "test_accuracy"
    case trainAccuracy = "train_accuracy"
    case testAbsErrorDeg = "test_abs_error_deg"
    case trainAbsErrorDeg = "train_abs_error_deg"
    case testMidpointErrorDeg = "test_midpoint_error_deg"
    case trainMidpointErrorDeg = "train_midpoint_error_deg"
    case epochsRun = "epochs_run"
    case bestEpoch = "best_epoch"

    /// The measure's value in a run's metrics.
    public func value(_ m: RunMetrics) -> Double {
        switch self {
        case .testAccuracy: return m.testAccuracy
        case .trainAccuracy: return m.trainAccuracy
        case .testAbsErrorDeg: return m.testAbsErrorDeg
        case .trainAbsErrorDeg: return m.trainAbsErrorDeg
        case .testMidpointErrorDeg: return m.testMidpointErrorDeg
        case .trainMidpointErrorDeg: return m.trainMidpointErrorDeg
        case .epochsRun: return Double(m.epochsRun)
        case .bestEpoch: return Double(m.bestEpoch ?? 0)
        }
    }
}

/// `results.csv` (one row per run), `summary.csv` (one row per point, over the seeds) and
/// `sweep.html`, built from the run folders alone, so any process can rebuild them at any time.
public enum SweepTables {
    /// Every run of `manifest` as it stands in `folder`.
    public static func rows(folder: SweepFolder, manifest: SweepManifest) -> [SweepRow] {
        manifest.runs.map { run in
            var state = folder.state(of: run)
            var metrics: RunMetrics?
            var message = folder.readOutcome(run)?.message
            if state == .done {
                do { metrics = try JSONFiles.read(RunMetrics.self, from: folder.runFolder(run).metrics) } catch {
                    state = .failed
                    message = "\(error)"
                }
            }
            return SweepRow(run: run, state: state, metrics: metrics, message: message)
        }
    }

    /// The rows grouped by point (seeds together), in grid order.
    public static func groups(_ rows: [SweepRow]) -> [SweepGroup] {
        var groups: [SweepGroup] = []
        var index: [[String]: Int] = [:]
        for row in rows {
            if let i = index[row.run.values] { groups[i].rows.append(row) } else {
                index[row.run.values] = groups.count
                groups.append(SweepGroup(values: row.run.values, rows: [row]))
            }
        }
        return groups
    }

    /// `results.csv`: the run's folder, every swept option, the seed, the status, the test and
    /// training accuracy (percent), both error measures (degrees) of both sets (the true IPD
    /// against the midpoint of the estimated class, and the distance between the true and the
    /// estimated class midpoints), the epochs, and the wall time (last, as the only column that
    /// differs between two runs of the same sweep).
    public static func resultsCSV(grid: SweepGrid, rows: [SweepRow]) -> String {
        var header = ["run"] + grid.axes.map(\.option) + ["seed", "status"]
        header += ["test_accuracy", "test_accuracy_std", "test_sets", "train_accuracy", "test_abs_error_deg", "train_abs_error_deg",
                   "test_midpoint_error_deg", "train_midpoint_error_deg"]
        header += ["best_epoch", "epochs_run", "early_stop_epoch", "wall_seconds"]
        var lines = [csvLine(header)]
        for row in rows {
            var fields = [row.run.name] + row.run.values + ["\(row.run.seed)", row.state.rawValue]
            if let m = row.metrics {
                fields += [number(m.testAccuracy), number(m.testAccuracyStd), "\(m.testSets)", number(m.trainAccuracy),
                           number(m.testAbsErrorDeg), number(m.trainAbsErrorDeg), number(m.testMidpointErrorDeg),
                           number(m.trainMidpointErrorDeg), m.bestEpoch.map(String.init) ?? "",
                           "\(m.epochsRun)", m.earlyStopEpoch.map(String.init) ?? "", number(m.wallSeconds)]
            } else {
                fields += Array(repeating: "", count: 12)
            }
            lines.append(csvLine(fields))
        }
        return lines.joined(separator: "\n") + "\n"
    }

    /// `summary.csv`: per point, the number of runs (seeds) and of done runs (`count`), and the
    /// mean and sample standard deviation over the done runs of every ``SweepMeasure``.
    public static func summaryCSV(grid: SweepGrid, groups: [SweepGroup]) -> String {
        let measures = SweepMeasure.allCases
        let header = grid.axes.map(\.option) + ["runs", "count"] + measures.flatMap { ["\($0.rawValue)_mean", "\($0.rawValue)_std"] }
        var lines = [csvLine(header)]
        for group in groups {
            var fields = group.values + ["\(group.rows.count)", "\(group.done.count)"]
            for measure in measures {
                if let s = group.summary(measure.value) { fields += [number(s.mean), number(s.std)] } else { fields += ["", ""] }
            }
            lines.append(csvLine(fields))
        }
        return lines.joined(separator: "\n") + "\n"
    }

    /// Rebuilds `results.csv`, `summary.csv` and `sweep.html` from the run folders, under the
    /// sweep's lock (so concurrent processes write one after the other, each from what it reads
    /// then), every file atomically.
    public static func write(folder: SweepFolder, manifest: SweepManifest) throws {
        let lock = try FileLock.acquire(folder.folderLock)
        defer { lock.release() }
        let rows = rows(folder: folder, manifest: manifest)
        let groups = groups(rows)
        try FileProblem.writeAtomically(Data(resultsCSV(grid: manifest.grid, rows: rows).utf8), to: folder.results)
        try FileProblem.writeAtomically(Data(summaryCSV(grid: manifest.grid, groups: groups).utf8), to: folder.summary)
        try FileProblem.writeAtomically(Data(page(folder: folder, manifest: manifest, rows: rows, groups: groups).utf8), to: folder.page)
    }

    /// `sweep.html` for `rows` (see ``resultsCSV(grid:rows:)``) of the sweep in `folder`.
    public static func page(folder: SweepFolder, manifest: SweepManifest, rows: [SweepRow], groups: [SweepGroup]) -> String {
        SweepPage(folder: folder, manifest: manifest, rows: rows, groups: groups).html
    }

    /// `value` in the shortest text that reads back as the same double.
    static func number(_ value: Double) -> String { "\(value)" }

    /// One CSV line (RFC 4180: fields with a comma, quote or line break are quoted).
    public static func csvLine(_ fields: [String]) -> String {
        fields.map { field in
            field.contains(where: { $0 == "," || $0 == "\"" || $0 == "\n" || $0 == "\r" })
                ? "\"" + field.replacingOccurrences(of: "\"", with: "\"\"") + "\"" : field
        }.joined(separator: ",")
    }
}
