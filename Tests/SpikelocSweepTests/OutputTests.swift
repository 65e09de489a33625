import Foundation
import SoundLocalization
import SpikelocOutput
import SpikelocSweep
import XMLTestSupport
import XCTest

/// results.csv, summary.csv, sweep.html and sweep.sbatch from known runs.
final class OutputTests: XCTestCase {
    let grid = SweepGrid(
        fixedArguments: ["--epochs", "10"],
        axes: [SweepAxis(option: "tau-ms", values: ["2", "20"], source: ""), SweepAxis(option: "readout", values: ["sum", "max"], source: "")],
        seeds: [0, 1])

    func metrics(_ test: Double, _ error: Double, epochs: Int = 10, best: Int? = 8, wall: Double = 1.5) throws -> RunMetrics {
        let json = """
            {"test_accuracy": \(test), "test_accuracy_std": 0, "test_abs_error_deg": \(error), "train_accuracy": \(test + 1),
             "train_abs_error_deg": \(error - 0.5), "test_midpoint_error_deg": \(error - 2), "train_midpoint_error_deg": \(error - 2.5),
             "epochs_run": \(epochs), \(best.map { "\"best_epoch\": \($0)," } ?? "")
             "test_accuracies": [\(test)], "wall_seconds": \(wall)}
            """
        return try JSONFiles.decode(RunMetrics.self, from: Data(json.utf8))
    }

    /// 2 x 2 settings x 2 seeds: one failed, the rest done.
    func rows() throws -> [SweepRow] {
        var rows: [SweepRow] = []
        let accuracies: [Double] = [84.5, 85.5, 25, 26, 48, 46, 21.25, 21.5]
        for (index, (tau, readout, seed)) in [("2", "sum", 0), ("2", "sum", 1), ("2", "max", 0), ("2", "max", 1),
                                               ("20", "sum", 0), ("20", "sum", 1), ("20", "max", 0), ("20", "max", 1)].enumerated() {
            let run = SweepRunSpec(name: "tau-ms=\(tau),readout=\(readout),seed=\(seed)", values: [tau, readout], seed: UInt64(seed), config: ExperimentConfig())
            if index == 7 {
                rows.append(SweepRow(run: run, state: .failed, metrics: nil, message: "cannot write x: <no space>"))
            } else {
                rows.append(SweepRow(run: run, state: .done, metrics: try metrics(accuracies[index], 4 + Double(index)), message: nil))
            }
        }
        return rows
    }

    func testResultsAndSummaryCSV() throws {
        let rows = try rows()
        let results = SweepTables.resultsCSV(grid: grid, rows: rows).split(separator: "\n", omittingEmptySubsequences: false)
        XCTAssertEqual(results.count, 10)
        XCTAssertEqual(results[0], "run,tau-ms,readout,seed,status,test_accuracy,test_accuracy_std,test_sets,train_accuracy,test_abs_error_deg,"
                       + "train_abs_error_deg,test_midpoint_error_deg,train_midpoint_error_deg,best_epoch,epochs_run,early_stop_epoch,wall_seconds")
        XCTAssertEqual(results[1], "\"tau-ms=2,readout=sum,seed=0\",2,sum,0,done,84.5,0.0,1,85.5,4.0,3.5,2.0,1.5,8,10,,1.5")
        XCTAssertEqual(results[8], "\"tau-ms=20,readout=max,seed=1\",20,max,1,failed,,,,,,,,,,,,")
        XCTAssertEqual(results[9], "")

        let summary = SweepTables.summaryCSV(grid: grid, groups: SweepTables.groups(rows)).split(separator: "\n")
        XCTAssertEqual(summary[0], "tau-ms,readout,runs,count,test_accuracy_mean,test_accuracy_std,train_accuracy_mean,train_accuracy_std,"
                       + "test_abs_error_deg_mean,test_abs_error_deg_std,train_abs_error_deg_mean,train_abs_error_deg_std,"
                       + "test_midpoint_error_deg_mean,test_midpoint_error_deg_std,train_midpoint_error_deg_mean,train_midpoint_error_deg_std,"
                       + "epochs_run_mean,epochs_run_std,best_epoch_mean,best_epoch_std")
        XCTAssertEqual(summary.count, 5)
        let first = summary[1].split(separator: ",", omittingEmptySubsequences: false).map(String.init)
        XCTAssertEqual(Array(first.prefix(6)), ["2", "sum", "2", "2", "85.0", "\(Summary([84.5, 85.5]).std)"])
        XCTAssertEqual(Double(first[5])!, 0.5.squareRoot(), accuracy: 1e-12, "sample standard deviation")
        let last = summary[4].split(separator: ",", omittingEmptySubsequences: false).map(String.init)
        XCTAssertEqual(Array(last.prefix(6)), ["20", "max", "2", "1", "21.25", "0.0"], "one of two seeds done")
        XCTAssertEqual(SweepTables.csvLine(["a\"b", "c\nd", "e"]), "\"a\"\"b\",\"c\nd\",e")
    }

    func testPageIsSelfContainedWellFormedAndPlotsEverySweptOption() throws {
        let folder = SweepFolder(url: URL(fileURLWithPath: "/tmp/somewhere/tau-readout"))
        let rows = try rows()
        let html = SweepTables.page(folder: folder, manifest: SweepManifest(grid: grid, runs: rows.map(\.run)), rows: rows, groups: SweepTables.groups(rows))
        let xml = try XMLInspector.parse(html, name: "sweep.html")
        XCTAssertEqual(xml.root?.name, "html")
        let figures = xml.elements("svg").filter { !$0.ancestorNames.contains("svg") }
        XCTAssertEqual(figures.count, 2, "one figure per swept option")
        XCTAssertEqual(xml.elements("h2").map(\.text), ["Summary", "1. Against tau-ms", "2. Against readout", "Settings", "Runs"])
        let forbidden: Set = ["script", "link", "img", "image", "iframe", "object", "embed", "use", "audio", "video", "source", "style"]
        XCTAssertEqual(xml.elements.filter { forbidden.contains($0.name) && $0.ancestorNames.contains("body") }.map(\.name), [])
        // links only to the done runs' reports, relative
        let links = xml.elements("a").compactMap { $0.attributes["href"] }
        XCTAssertEqual(links.count, 7)
        XCTAssertTrue(links.allSatisfy { $0.hasPrefix("runs/tau-ms=") && $0.hasSuffix("/report.html") }, "\(links)")
        XCTAssertFalse(html.contains("/tmp/somewhere"), "no absolute path: the same sweep gives the same page anywhere")
        XCTAssertTrue(html.contains("&lt;no space&gt;"), "the failure, escaped")
        // against tau: a line per readout with a spread bar per point of two seeds; the categorical
        // readout axis has its values written in the panel
        let tauPanel = figures[0]
        let lines = xml.descendants(of: xml.elements.firstIndex { $0.name == tauPanel.name && $0.ancestors == tauPanel.ancestors }!)
        XCTAssertTrue(lines.contains { $0.name == "text" && $0.text == "readout=sum" })
        XCTAssertTrue(lines.contains { $0.name == "text" && $0.text == "readout=max" })
        XCTAssertTrue(html.contains(">sum</text>") && html.contains(">max</text>"), "category names drawn on the readout axis")
        // the summary table: mean ± std and count
        let cells = xml.elements("td").map(\.text)
        XCTAssertTrue(cells.contains("85.0 ± 0.7"), "\(cells.prefix(40))")
        XCTAssertTrue(cells.contains("1 of 2"))
    }

    func testSlurmScriptAndArrays() throws {
        let folder = SweepFolder(url: URL(fileURLWithPath: "/scratch/sweeps/tau"))
        let runs = (0 ..< 5).map { SweepRunSpec(name: "seed=\($0)", values: [], seed: UInt64($0), config: ExperimentConfig()) }
        let manifest = SweepManifest(grid: SweepGrid(seeds: [0, 1, 2, 3, 4]), runs: runs)
        let settings = SlurmSettings(tasks: 2, maxParallel: 1, options: ["partition=short", "time=00:10:00", "exclusive"])
        let script = try SlurmArray.script(folder: folder, manifest: manifest, settings: settings, executable: "/opt/bin/spikeloc")
        let lines = script.split(separator: "\n").map(String.init)
        XCTAssertEqual(lines[0], "#!/bin/bash")
        XCTAssertTrue(lines.contains("#SBATCH --array=0-1%1"))
        XCTAssertTrue(lines.contains("#SBATCH --output=/scratch/sweeps/tau/logs/task-%a.out"))
        XCTAssertTrue(lines.contains("#SBATCH --error=/scratch/sweeps/tau/logs/task-%a.err"))
        XCTAssertTrue(lines.contains("#SBATCH --partition=short"))
        XCTAssertTrue(lines.contains("#SBATCH --time=00:10:00"))
        XCTAssertTrue(lines.contains("#SBATCH --exclusive"))
        XCTAssertTrue(lines.contains("#SBATCH --job-name=spikeloc-sweep-tau"))
        XCTAssertEqual(lines.last, "exec '/opt/bin/spikeloc' sweep '/scratch/sweeps/tau' --task-index \"$SLURM_ARRAY_TASK_ID\" --task-count 2 --jobs \"${SLURM_CPUS_PER_TASK:-1}\"")
        // every #SBATCH line before the first command
        let firstCommand = lines.firstIndex { !$0.hasPrefix("#") && !$0.isEmpty }!
        XCTAssertTrue(lines[firstCommand...].allSatisfy { !$0.hasPrefix("#SBATCH") })
        XCTAssertEqual(SweepRunner.share(of: manifest, task: 1, of: 2).map(\.name), ["seed=1", "seed=3"])
        XCTAssertEqual(SlurmSettings().taskCount(runs: 5), 5)
        XCTAssertEqual(SlurmSettings(tasks: 9).taskCount(runs: 5), 5)
        XCTAssertEqual(SlurmArray.ranges([0, 1, 2, 5, 7, 8]), "0-2,5,7-8")
        XCTAssertEqual(SlurmArray.ranges([3]), "3")
        assertSweepError(["--slurm-option array=1-3", "--tasks"]) { try SlurmSettings(options: ["array=1-3"]).check() }
        assertSweepError(["--slurm-option =x", "NAME=VALUE"]) { try SlurmSettings(options: ["=x"]).check() }
        assertSweepError(["--tasks must be a positive"]) { try SlurmSettings(tasks: 0).check() }
        assertSweepError(["space"]) {
            try SlurmArray.script(folder: SweepFolder(url: URL(fileURLWithPath: "/a b")), manifest: manifest, settings: settings, executable: "/x")
        }
    }

    func testUnfinishedTasksSkipDoneAndRunningRuns() throws {
        let folder = SweepFolder(url: try temporaryFolder(self))
        let runs = (0 ..< 6).map { SweepRunSpec(name: "seed=\($0)", values: [], seed: UInt64($0), config: ExperimentConfig()) }
        let manifest = SweepManifest(grid: SweepGrid(seeds: (0 ..< 6).map(UInt64.init)), runs: runs)
        for run in runs { try FileManager.default.createDirectory(at: folder.runFolder(run).url, withIntermediateDirectories: true) }
        try FileManager.default.createDirectory(at: folder.stateFolder, withIntermediateDirectories: true)
        for index in [0, 3, 4] {  // done
            try Data().write(to: folder.runFolder(runs[index]).metrics)
            try Data().write(to: folder.runFolder(runs[index]).report)
        }
        let lock = try FileLock.tryAcquire(folder.lock(runs[1]))  // running
        XCTAssertNotNil(lock)
        // 3 tasks: task 0 has runs 0 and 3 (done), task 1 runs 1 (running) and 4 (done), task 2 runs 2 and 5
        XCTAssertEqual(SlurmArray.unfinishedTasks(folder: folder, manifest: manifest, tasks: 3), [2])
        lock?.release()
        XCTAssertEqual(SlurmArray.unfinishedTasks(folder: folder, manifest: manifest, tasks: 3), [1, 2])
    }
}
