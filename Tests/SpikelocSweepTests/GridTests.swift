import Foundation
import SoundLocalization
import SpikelocSweep
import XCTest

/// Grids from the command line and from sweep files: what they expand to and how invalid ones
/// are refused, naming the entry.
final class GridTests: XCTestCase {
    let parser = FakeParser()

    func plan(_ set: [String], seeds: String? = nil, fixed: [String] = [], file: SweepFile? = nil) throws -> SweepPlan {
        let request = SweepRequest(file: file, setEntries: set, seeds: seeds, fixedArguments: fixed)
        return try SweepPlan(grid: request.grid(parser: parser), parser: parser)
    }

    func testSetEntriesAndSeedsExpandToEveryCombinationInOrder() throws {
        let p = try plan(["tau-ms=2,5", "--hidden=10,20,30"], seeds: "0-1", fixed: ["--epochs", "3", "--dales"])
        XCTAssertEqual(p.grid.axes.map(\.option), ["tau-ms", "hidden"])
        XCTAssertEqual(p.runs.count, 12)
        XCTAssertEqual(p.runs.prefix(3).map(\.name), ["tau-ms=2,hidden=10,seed=0", "tau-ms=2,hidden=10,seed=1", "tau-ms=2,hidden=20,seed=0"])
        XCTAssertEqual(p.runs.last?.name, "tau-ms=5,hidden=30,seed=1")
        let run = p.runs[5]
        XCTAssertEqual(run.values, ["2", "30"])
        XCTAssertEqual(run.config.tauMs, 2)
        XCTAssertEqual(run.config.hidden, 30)
        XCTAssertEqual(run.config.seed, 1)
        XCTAssertEqual(run.config.epochs, 3)
        XCTAssertTrue(run.config.dales)
    }

    func testFlagsTakeTrueAndFalseAndSeedCanBeSwept() throws {
        let p = try plan(["dales=false,true", "seed=3,7"])
        XCTAssertEqual(p.grid.seeds, [3, 7])
        XCTAssertEqual(p.grid.axes.map(\.option), ["dales"])
        XCTAssertEqual(p.runs.map(\.config.dales), [false, false, true, true])
        XCTAssertEqual(p.runs.map(\.config.seed), [3, 7, 3, 7])
        XCTAssertEqual(try parser.arguments(option: "dales", value: "false", source: "x"), ["--no-dales"])
        XCTAssertEqual(try parser.arguments(option: "dales", value: "TRUE", source: "x"), ["--dales"])
        XCTAssertEqual(try parser.arguments(option: "tau-ms", value: "-3", source: "x"), ["--tau-ms=-3"])
    }

    func testNoAxesIsOneRunPerSeed() throws {
        let p = try plan([], seeds: "4,9", fixed: ["--lr", "0.01"])
        XCTAssertEqual(p.runs.map(\.name), ["seed=4", "seed=9"])
        XCTAssertEqual(p.runs.map(\.config.lr), [0.01, 0.01])
    }

    func testInvalidGridsNameTheirEntry() {
        assertSweepError(["--set bogus=1,2", "no option --bogus"]) { try plan(["bogus=1,2"]) }
        assertSweepError(["--set tau-ms=2,x", "value x", "invalid"]) { try plan(["tau-ms=2,x"]) }
        assertSweepError(["--set tau-ms=2,-1", "value -1", "--tau-ms must be a positive number"]) { try plan(["tau-ms=2,-1"]) }
        assertSweepError(["--set tau-ms=", "empty"]) { try plan(["tau-ms="]) }
        assertSweepError(["--set tau-ms=2,,5", "a value is empty"]) { try plan(["tau-ms=2,,5"]) }
        assertSweepError(["--set tau-ms", "NAME=VALUE"]) { try plan(["tau-ms"]) }
        assertSweepError(["--set =1", "name is empty"]) { try plan(["=1"]) }
        assertSweepError(["--set tau-ms=2,2", "given twice"]) { try plan(["tau-ms=2,2"]) }
        assertSweepError(["tau-ms is swept twice"]) { try plan(["tau-ms=2", "tau-ms=5"]) }
        assertSweepError(["--set tau-ms=2", "also given as a fixed option"]) { try plan(["tau-ms=2"], fixed: ["--tau-ms", "3"]) }
        assertSweepError(["--set dales=maybe", "flag", "true and false"]) { try plan(["dales=maybe"]) }
        assertSweepError(["--set threads=1,2", "cannot be set per run"]) { try plan(["threads=1,2"]) }
        assertSweepError(["--set seed=1,x", "not a seed"]) { try plan(["seed=1,x"]) }
        assertSweepError(["--seeds 4-2", "empty"]) { try plan([], seeds: "4-2") }
        assertSweepError(["--seeds 1,1", "seed 1 is given twice"]) { try plan([], seeds: "1,1") }
        assertSweepError(["--seeds a", "not a seed"]) { try plan([], seeds: "a") }
        assertSweepError(["--seed", "--seeds"]) { try plan([], fixed: ["--seed", "3"]) }
        assertSweepError(["the fixed options --epochs x", "invalid"]) { try plan([], fixed: ["--epochs", "x"]) }
        // each value alone is valid, the combination is not
        assertSweepError(["the point dt-ms=1.5,duration-ms=2", "--duration-ms must span at least 2 time steps"]) {
            try plan(["dt-ms=1,1.5", "duration-ms=100,2"])
        }
    }

    func testRunNamesAreSafeAndDistinct() throws {
        let axes = [SweepAxis(option: "a", values: ["x/y", "x y"], source: "")]
        XCTAssertEqual(RunName.make(axes: axes, values: ["x/y"], seed: 2), "a=x_y,seed=2")
        let long = RunName.make(axes: axes, values: [String(repeating: "v", count: 400)], seed: 0)
        XCTAssertLessThanOrEqual(long.utf8.count, 200)
        XCTAssertNotEqual(long, RunName.make(axes: axes, values: [String(repeating: "v", count: 401)], seed: 0))
    }

    func testSeedListsReadAndWriteCompactly() throws {
        XCTAssertEqual(try SeedList.parse("0-4,10,12-13", source: "s"), [0, 1, 2, 3, 4, 10, 12, 13])
        XCTAssertEqual(SeedList.text([0, 1, 2, 3, 4, 10, 12, 13]), "0-4,10,12,13")
        XCTAssertEqual(SeedList.text([7]), "7")
    }

    // MARK: sweep files

    let tauFile = """
        # the tau sweep
        output = "sweeps/tau"
        seeds = "0-2"
        test-sets = 2

        [options]
        epochs = 10
        lr = 0.01
        dales = true

        [grid]
        tau_ms = [20, 2.5, 5]
        hidden = [30, 10]
        """

    func testSweepFileGivesTheSameGridAsTheCommandLine() throws {
        let file = try SweepFile.parse(tauFile, path: "tau.toml")
        XCTAssertEqual(file.output, "sweeps/tau")
        XCTAssertEqual(file.axes.map(\.option), ["tau-ms", "hidden"], "the file's order, not TOML's sorted keys")
        XCTAssertEqual(file.axes[0].values, ["20", "2.5", "5"])
        let fromFile = try plan([], file: file)
        let fromCommandLine = try plan(["tau-ms=20,2.5,5", "hidden=30,10"], seeds: "0-2", fixed: ["--epochs", "10", "--lr", "0.01", "--dales"])
        XCTAssertEqual(fromFile.runs, fromCommandLine.runs)
        XCTAssertEqual(fromFile.grid.testSets, 2)
        XCTAssertTrue(fromFile.runs.allSatisfy { $0.config.dales && $0.config.epochs == 10 })
    }

    func testCommandLineOverridesTheFile() throws {
        let file = try SweepFile.parse(tauFile, path: "tau.toml")
        let p = try plan(["hidden=5", "ie-ratio=0.2,0.8"], seeds: "9", fixed: ["--epochs", "4"], file: file)
        XCTAssertEqual(p.grid.axes.map(\.option), ["tau-ms", "hidden", "ie-ratio"])
        XCTAssertEqual(p.grid.axes[1].values, ["5"])
        XCTAssertEqual(p.grid.seeds, [9])
        XCTAssertEqual(Set(p.runs.map(\.config.epochs)), [4])
        XCTAssertEqual(p.runs.count, 3 * 1 * 2)
    }

    func testInvalidSweepFilesNameFileAndEntry() {
        func parse(_ text: String) throws -> SweepPlan {
            try plan([], file: SweepFile.parse(text, path: "bad.toml"))
        }
        assertSweepError(["bad.toml", "line 2"]) { try parse("[grid]\ntau-ms = [2, \n") }
        assertSweepError(["colour in bad.toml", "unknown key"]) { try parse("colour = 3") }
        assertSweepError(["grid.tau-ms in bad.toml", "list of values"]) { try parse("[grid]\ntau-ms = 2") }
        assertSweepError(["grid.tau-ms in bad.toml", "empty"]) { try parse("[grid]\ntau-ms = []") }
        assertSweepError(["grid.bogus in bad.toml", "no option --bogus"]) { try parse("[grid]\nbogus = [1]") }
        assertSweepError(["grid.tau-ms in bad.toml", "value 0"]) { try parse("[grid]\ntau-ms = [1, 0]") }
        assertSweepError(["options.bogus in bad.toml", "no option --bogus"]) { try parse("[options]\nbogus = 1") }
        assertSweepError(["options.lr in bad.toml", "string, number or boolean"]) { try parse("[options]\nlr = [1]") }
        assertSweepError(["seeds in bad.toml", "seed 1 is given twice"]) { try parse("seeds = [1, 1]") }
        assertSweepError(["seeds in bad.toml", "whole numbers"]) { try parse("seeds = [-1]") }
        assertSweepError(["grid in bad.toml", "table"]) { try parse("grid = 3") }
    }
}
