import Foundation
import SpikelocOutput
import XCTest

/// `spikeloc sweep` as a user runs it: invalid grids refused before anything starts, the model
/// bytes of `spikeloc train`, a finished sweep left alone, and a sweep killed with SIGKILL
/// completing with the same results.
final class SweepTests: XCTestCase {
    /// 2 tau x 2 hidden x 2 seeds, about a second a run.
    let grid = ["--set", "tau-ms=2,5", "--set", "hidden=10,20", "--seeds", "0-1", "--epochs", "6", "--batch-size", "32",
                "--train-batches", "16", "--validation-batches", "4", "--test-batches", "4"]

    func folder() throws -> URL {
        let dir = try CommandRunner.temporaryFolder()
        addTeardownBlock { try? FileManager.default.removeItem(at: dir) }
        return dir
    }

    func sweep(_ args: [String], file: StaticString = #filePath, line: UInt = #line) throws -> CommandRunner.Result {
        let r = try CommandRunner.run(["sweep"] + args)
        XCTAssertEqual(r.status, 0, "spikeloc sweep \(args): \(r.stderr)", file: file, line: line)
        return r
    }

    /// Model bytes, summary.csv, sweep.html and results.csv but for its wall-time column.
    func results(_ sweep: URL) throws -> [String: Data] {
        var files: [String: Data] = [:]
        for name in ["summary.csv", "sweep.html"] { files[name] = try Data(contentsOf: sweep.appendingPathComponent(name)) }
        let results = try String(contentsOf: sweep.appendingPathComponent("results.csv"), encoding: .utf8)
        files["results.csv"] = Data(results.split(separator: "\n").map { String($0[..<$0.lastIndex(of: ",")!]) }.joined(separator: "\n").utf8)
        let runs = sweep.appendingPathComponent("runs")
        for run in try FileManager.default.contentsOfDirectory(atPath: runs.path) {
            files[run] = try Data(contentsOf: runs.appendingPathComponent(run).appendingPathComponent("model.safetensors"))
        }
        return files
    }

    func testInvalidGridsAreRefusedBeforeAnythingStarts() throws {
        let dir = try folder()
        let out = dir.appendingPathComponent("sweep").path
        let toml = dir.appendingPathComponent("bad.toml")
        try "[grid]\ntau-ms = [2, \"fast\"]\n".write(to: toml, atomically: true, encoding: .utf8)
        let cases: [([String], [String])] = [
            (["--set", "bogus=1,2", "--output", out], ["--set bogus=1,2", "no option --bogus"]),
            (["--set", "tau-ms=2,x", "--output", out], ["--set tau-ms=2,x", "value x", "invalid"]),
            (["--set", "tau-ms=2,0", "--output", out], ["--set tau-ms=2,0", "--tau-ms must be a positive number"]),
            (["--set", "tau-ms=", "--output", out], ["--set tau-ms=", "empty"]),
            (["--set", "dales=maybe", "--output", out], ["--set dales=maybe", "true and false"]),
            (["--set", "tau-ms=2", "--tau-ms", "3", "--output", out], ["--set tau-ms=2", "fixed"]),
            (["--set", "tau-ms=2", "--epochs", "x", "--output", out], ["--epochs x", "invalid"]),
            (["--set", "tau-ms=2", "--bogus", "3", "--output", out], ["--bogus", "neither a sweep nor a train option"]),
            (["--set", "tau-ms=2", "--threads", "3", "--output", out], ["--threads cannot be set per run"]),
            (["--set", "tau-ms=2", "--seeds", "2-1", "--output", out], ["--seeds 2-1", "empty"]),
            (["--set", "tau-ms=2"], ["--output DIR is required"]),
            (["--set", "tau-ms=2", "--jobs", "0", "--output", out], ["--jobs", "got 0"]),
            ([toml.path, "--output", out], ["grid.tau-ms in \(toml.path)", "value fast", "invalid"]),
            ([dir.appendingPathComponent("missing.toml").path], ["missing.toml cannot be read"]),
            ([], ["nothing to sweep"]),
        ]
        for (args, expected) in cases {
            let r = try CommandRunner.run(["sweep"] + args)
            XCTAssertEqual(r.status, 2, "\(args): \(r.stderr)")
            XCTAssertEqual(r.stderr.split(separator: "\n").count, 1, "one line for \(args): \(r.stderr)")
            XCTAssertTrue(r.stderr.hasPrefix("spikeloc: error: "), r.stderr)
            XCTAssertFalse(r.stderr.contains("Fatal error") || r.stderr.contains("Stack dump"))
            for text in expected { XCTAssertTrue(r.stderr.contains(text), "'\(text)' missing for \(args): \(r.stderr)") }
            XCTAssertEqual(r.stdout, "", "nothing started for \(args)")
            XCTAssertFalse(FileManager.default.fileExists(atPath: out), "no sweep folder for \(args)")
        }
    }

    func testEachRunGivesTheModelBytesOfTrain() throws {
        let dir = try folder()
        let sweepDir = dir.appendingPathComponent("sweep")
        _ = try sweep(["--set", "tau-ms=2,8", "--set", "dales=false,true", "--seeds", "3", "--epochs", "3", "--output", sweepDir.path] + CommandRunner.small)
        let train = dir.appendingPathComponent("train")
        let r = try CommandRunner.run(["train", "--tau-ms", "8", "--dales", "--seed", "3", "--epochs", "3", "--output", train.path] + CommandRunner.small)
        XCTAssertEqual(r.status, 0, r.stderr)
        let run = sweepDir.appendingPathComponent("runs/tau-ms=8,dales=true,seed=3")
        XCTAssertEqual(try Data(contentsOf: run.appendingPathComponent("model.safetensors")),
                       try Data(contentsOf: train.appendingPathComponent("model.safetensors")))
        var a = try JSONFiles.read(RunMetrics.self, from: run.appendingPathComponent("metrics.json"))
        var b = try JSONFiles.read(RunMetrics.self, from: train.appendingPathComponent("metrics.json"))
        for m in [\RunMetrics.wallSeconds] { a[keyPath: m] = 0; b[keyPath: m] = 0 }
        a.epochSeconds = []; b.epochSeconds = []; a.threads = 0; b.threads = 0
        XCTAssertEqual(a, b)
        XCTAssertEqual(try Data(contentsOf: run.appendingPathComponent("config.json")),
                       try Data(contentsOf: train.appendingPathComponent("config.json")))
        for file in ["report.html", "checkpoint.safetensors", "fig1-stimulus.svg", "fig7-weights.svg"] {
            XCTAssertTrue(FileManager.default.fileExists(atPath: run.appendingPathComponent(file).path), file)
        }
    }

    /// Issue 10's test: 2 x 2 settings x 2 seeds write the three result files and the page;
    /// running the command again does nothing; a sweep killed with SIGKILL in the middle
    /// completes with the same results.
    func testRerunDoesNothingAndASweepKilledMidwayCompletesWithTheSameResults() throws {
        let dir = try folder()
        let straight = dir.appendingPathComponent("a/sweep")
        let first = try sweep(grid + ["--output", straight.path, "--jobs", "2"])
        XCTAssertTrue(first.stdout.contains("8 of 8 runs done"), first.stdout)
        for name in ["results.csv", "summary.csv", "sweep.html", "sweep.json"] {
            XCTAssertTrue(FileManager.default.fileExists(atPath: straight.appendingPathComponent(name).path), name)
        }
        let csv = try String(contentsOf: straight.appendingPathComponent("results.csv"), encoding: .utf8)
        XCTAssertEqual(csv.split(separator: "\n").count, 9)
        XCTAssertEqual(csv.components(separatedBy: ",done,").count - 1, 8)
        let summary = try String(contentsOf: straight.appendingPathComponent("summary.csv"), encoding: .utf8)
        XCTAssertTrue(summary.hasPrefix("tau-ms,hidden,runs,count,test_accuracy_mean,test_accuracy_std,"), summary)
        XCTAssertEqual(summary.split(separator: "\n").count, 5)

        let before = try results(straight)
        let tables = try ["results.csv", "summary.csv", "sweep.html"].map { try Data(contentsOf: straight.appendingPathComponent($0)) }
        let again = try sweep(grid + ["--output", straight.path, "--jobs", "2"])
        XCTAssertFalse(again.stdout.contains("done   "), "nothing trained again: \(again.stdout)")
        XCTAssertTrue(again.stdout.contains("8 of 8 runs done"), again.stdout)
        XCTAssertEqual(try ["results.csv", "summary.csv", "sweep.html"].map { try Data(contentsOf: straight.appendingPathComponent($0)) }, tables)
        XCTAssertEqual(try sweep([straight.path]).status, 0, "the folder alone continues the sweep")
        XCTAssertEqual(try results(straight), before)

        // the same sweep, killed with SIGKILL once a run is done and another has a checkpoint
        let killed = dir.appendingPathComponent("b/sweep")
        let (p, out, err) = try CommandRunner.start(["sweep"] + grid + ["--output", killed.path, "--jobs", "2"])
        let runs = killed.appendingPathComponent("runs")
        func midway() -> Bool {
            let names = (try? FileManager.default.contentsOfDirectory(atPath: runs.path)) ?? []
            let has = { (name: String, file: String) in FileManager.default.fileExists(atPath: runs.appendingPathComponent(name).appendingPathComponent(file).path) }
            return names.contains { has($0, "report.html") } && names.contains { has($0, "checkpoint.safetensors") && !has($0, "metrics.json") }
        }
        let deadline = Date().addingTimeInterval(120)
        while !midway() && p.isRunning && Date() < deadline { usleep(2000) }
        XCTAssertTrue(p.isRunning, "the sweep finished before it could be killed")
        kill(p.processIdentifier, SIGKILL)
        XCTAssertEqual(CommandRunner.finish(p, out, err).status, SIGKILL)
        let status = try sweep([killed.path, "--status"]).stdout
        XCTAssertFalse(status.contains("Complete"), status)
        XCTAssertTrue(status.range(of: #"interrupted +[1-9]"#, options: .regularExpression) != nil, status)
        XCTAssertTrue(status.contains("running     0"), "no lock outlives its process: \(status)")
        let resumed = try sweep(grid + ["--output", killed.path, "--jobs", "2"])
        XCTAssertTrue(resumed.stdout.contains("resume "), resumed.stdout)
        XCTAssertTrue(resumed.stdout.contains("8 of 8 runs done"), resumed.stdout)
        XCTAssertEqual(try results(killed), before)
        XCTAssertTrue(try sweep([killed.path, "--status"]).stdout.contains("Complete"))
    }

    func testSweepFileStatusAndSlurmScript() throws {
        let dir = try folder()
        let toml = dir.appendingPathComponent("tau.toml")
        try """
            seeds = "0-1"
            [options]
            epochs = 2
            lr = 0.01
            batch-size = 16
            train_batches = 4
            validation-batches = 2
            test-batches = 2
            [grid]
            tau-ms = [20, 2]
            """.write(to: toml, atomically: true, encoding: .utf8)
        let fromFile = dir.appendingPathComponent("file")
        let r = try sweep([toml.path, "--output", fromFile.path, "--slurm", "--tasks", "2", "--max-parallel", "1",
                           "--slurm-option", "partition=short", "--slurm-option", "time=00:05:00"])
        XCTAssertTrue(r.stdout.contains("4 runs in 2 array tasks, at most 1 at once"), r.stdout)
        let script = try String(contentsOf: fromFile.appendingPathComponent("sweep.sbatch"), encoding: .utf8)
        for line in ["#SBATCH --array=0-1%1", "#SBATCH --partition=short", "#SBATCH --time=00:05:00",
                     "#SBATCH --output=\(fromFile.path)/logs/task-%a.out", "sweep '\(fromFile.path)' --task-index \"$SLURM_ARRAY_TASK_ID\" --task-count 2"] {
            XCTAssertTrue(script.contains(line), "\(line) missing in:\n\(script)")
        }
        XCTAssertTrue(script.contains("exec '/"), "the binary by its absolute path")
        let status = try sweep([fromFile.path, "--status"]).stdout
        XCTAssertTrue(status.contains("4 runs (2 settings x 2 seeds)"), status)
        XCTAssertTrue(status.contains("missing     4"), status)
        XCTAssertTrue(status.contains("tau-ms=20,seed=0"), status)

        // the file gives the runs the command line gives
        let fromCommandLine = dir.appendingPathComponent("cli")
        _ = try sweep(["--set", "tau-ms=20,2", "--seeds", "0,1", "--epochs", "2", "--lr", "0.01", "--output", fromCommandLine.path, "--slurm"]
                      + CommandRunner.small)
        func runs(_ folder: URL) throws -> NSArray {
            let json = try JSONSerialization.jsonObject(with: Data(contentsOf: folder.appendingPathComponent("sweep.json"))) as! NSDictionary
            return json["runs"] as! NSArray
        }
        XCTAssertEqual(try runs(fromFile), try runs(fromCommandLine))
        XCTAssertEqual((try runs(fromFile)).count, 4)

        // one array task runs its share: task 1 of 2 trains runs 1 and 3
        let task = try sweep([fromFile.path, "--task-index", "1", "--task-count", "2"])
        XCTAssertTrue(task.stdout.contains("Task 1 of 2: 2 runs"), task.stdout)
        let after = try sweep([fromFile.path, "--status"]).stdout
        XCTAssertTrue(after.contains("done        2") && after.contains("missing     2"), after)
        let results = try String(contentsOf: fromFile.appendingPathComponent("results.csv"), encoding: .utf8)
        XCTAssertTrue(results.contains("\"tau-ms=20,seed=1\",20,1,done,"), results)
        XCTAssertTrue(results.contains("\"tau-ms=20,seed=0\",20,0,missing,"), results)
    }
}
