import Foundation
import SoundLocalization
import SpikelocOutput
import SpikingCore
import XCTest

/// Every user error ends with one line on standard error naming what was wrong, a non-zero exit
/// status, and no crash trace.
final class ErrorTests: XCTestCase {
    func assertOneLineError(
        _ args: [String], status: Int32, contains expected: [String], file: StaticString = #filePath, line: UInt = #line
    ) throws {
        let r = try CommandRunner.run(args)
        XCTAssertEqual(r.status, status, "status of \(args): \(r.stderr)", file: file, line: line)
        let lines = r.stderr.split(separator: "\n")
        XCTAssertEqual(lines.count, 1, "one line expected, got: \(r.stderr)", file: file, line: line)
        XCTAssertTrue(r.stderr.hasPrefix("spikeloc: error: "), r.stderr, file: file, line: line)
        for text in expected { XCTAssertTrue(r.stderr.contains(text), "'\(text)' missing in: \(r.stderr)", file: file, line: line) }
        XCTAssertFalse(r.stderr.contains("Fatal error") || r.stderr.contains("Stack dump"), file: file, line: line)
    }

    func testInvalidOptionValues() throws {
        try assertOneLineError(["train", "--batch-size", "0"], status: 2, contains: ["--batch-size", "positive", "got 0"])
        try assertOneLineError(["train", "--hidden=-3"], status: 2, contains: ["--hidden", "got -3"])
        try assertOneLineError(["train", "--ie-ratio", "1.5"], status: 2, contains: ["--ie-ratio", "[0, 1]"])
        try assertOneLineError(["train", "--tau-ms", "0"], status: 2, contains: ["--tau-ms"])
        try assertOneLineError(["train", "--threads", "0"], status: 2, contains: ["--threads"])
        try assertOneLineError(["evaluate", "--model", "x", "--repeats", "0"], status: 2, contains: ["--repeats"])
    }

    /// Sizes and scales are checked in floating point before any conversion, products of sizes
    /// for overflow, every floating option for NaN and infinity, and the memory a run needs
    /// before anything is allocated: all one line, status 2, no trap.
    func testHugeTinyAndNonFiniteValues() throws {
        let cases: [([String], [String])] = [
            (["--dt-ms", "1e-300"], ["--dt-ms", "time steps"]),
            (["--duration-ms", "1e300"], ["--duration-ms", "time steps"]),
            (["--dt-ms", "1e300"], ["--duration-ms", "at least 2 time steps"]),
            (["--batch-size", "4611686018427387904", "--train-batches", "2"], ["--batch-size", "4611686018427387904"]),
            (["--batch-size", "2147483648", "--train-batches", "2147483648"], ["--batch-size x --train-batches", "samples"]),
            (["--classes", "1000000000"], ["--classes", "got 1000000000"]),
            (["--hidden", "100000000"], ["--hidden", "got 100000000"]),
            (["--anf-per-ear", "100000000"], ["--anf-per-ear", "got 100000000"]),
            (["--epochs", "9223372036854775807"], ["--epochs"]),
            (["--early-stop-window", "9223372036854775807"], ["--early-stop-window"]),
            (["--hidden", "-3"], ["--hidden", "got -3"]),
            (["--threads", "1000000"], ["--threads", "at most"]),
            (["--lr", "nan"], ["--lr", "finite", "nan"]),
            (["--tau-ms", "inf"], ["--tau-ms", "finite", "inf"]),
            (["--threshold", "nan"], ["--threshold", "finite", "nan"]),
            (["--output-scale", "-inf"], ["--output-scale", "finite", "-inf"]),
            (["--surrogate-beta", "1e39"], ["--surrogate-beta", "finite", "inf"]),
            (["--dt-ms", "nan"], ["--dt-ms", "finite"]),
            (["--duration-ms", "inf"], ["--duration-ms", "finite"]),
            (["--stimulus-frequency-hz", "nan"], ["--stimulus-frequency-hz", "finite"]),
            (["--rate-max-hz", "inf"], ["--rate-max-hz", "finite"]),
            (["--envelope-power", "inf"], ["--envelope-power", "finite"]),
            (["--ie-ratio", "nan"], ["--ie-ratio", "finite"]),
            (["--adam-beta1", "nan"], ["--adam-beta1", "finite"]),
            (["--adam-beta2", "-inf"], ["--adam-beta2", "finite"]),
            (["--adam-epsilon", "nan"], ["--adam-epsilon", "finite"]),
            // fits every single bound, but not in memory: the estimate names the options
            (["--batch-size", "1000000", "--train-batches", "1000"], ["--batch-size", "--train-batches", "memory", "TiB", "stimulus rasters"]),
            (["--hidden", "1000000"], ["--hidden", "memory", "GiB"]),
        ]
        let dir = try CommandRunner.temporaryFolder()
        defer { try? FileManager.default.removeItem(at: dir) }
        for (options, expected) in cases {
            for command in ["train", "bench", "examples"] {
                let output = command == "bench" ? [] : ["--output", dir.appendingPathComponent(command == "train" ? "run" : "x.svg").path]
                try assertOneLineError([command] + options + output, status: 2, contains: expected)
            }
        }
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: dir.path), [], "nothing written")
        try assertOneLineError(["train", "--test-sets", "1000000", "--output", dir.path], status: 2, contains: ["--test-sets", "got 1000000"])
    }

    func testEvaluateChecksItsSizes() throws {
        let dir = try CommandRunner.temporaryFolder()
        defer { try? FileManager.default.removeItem(at: dir) }
        let model = dir.appendingPathComponent("model.safetensors")
        let c = ExperimentConfig()
        try SavedModel(config: c, w1: Matrix(rows: c.inputs, columns: c.hidden), w2: Matrix(rows: c.hidden, columns: c.classes)).save(to: model)
        try assertOneLineError(["evaluate", "--model", model.path, "--repeats", "1000000"], status: 2, contains: ["--repeats", "got 1000000"])
        try assertOneLineError(["evaluate", "--model", model.path, "--repeats", "-2"], status: 2, contains: ["--repeats", "got -2"])
        try assertOneLineError(["evaluate", "--model", model.path, "--test-batches", "10000000000"], status: 2,
                               contains: ["--test-batches", "got 10000000000"])
        try assertOneLineError(["evaluate", "--model", model.path, "--test-batches", "0"], status: 2, contains: ["--test-batches", "got 0"])
        try assertOneLineError(["evaluate", "--model", model.path, "--test-batches", "100000000"], status: 2,
                               contains: ["--test-batches", "memory"])
    }

    /// Syntax errors are one line too, with status 64.
    func testSyntaxErrorsAreOneLine() throws {
        try assertOneLineError(["train", "--batch-size", "abc"], status: 64, contains: ["'abc'", "--batch-size"])
        try assertOneLineError(["train", "--bogus"], status: 64, contains: ["--bogus"])
        try assertOneLineError(["train", "--epochs"], status: 64, contains: ["--epochs"])
        try assertOneLineError(["evaluate", "--model", "m", "--seed", "-1"], status: 64, contains: ["--seed"])
    }

    func testMissingAndMalformedModelFiles() throws {
        let dir = try CommandRunner.temporaryFolder()
        defer { try? FileManager.default.removeItem(at: dir) }
        let missing = dir.appendingPathComponent("none.safetensors").path
        try assertOneLineError(["evaluate", "--model", missing], status: 1, contains: [missing, "no such file"])

        let good = Safetensors(tensors: [
            "w1": .init(shape: [200, 30], values: [Float](repeating: 0.1, count: 6000)),
            "w2": .init(shape: [30, 12], values: [Float](repeating: 0.1, count: 360)),
        ]).serialized()
        let truncated = dir.appendingPathComponent("truncated.safetensors")
        try good.prefix(good.count - 100).write(to: truncated)
        try assertOneLineError(["evaluate", "--model", truncated.path], status: 1, contains: [truncated.path, "data_offsets"])
        let tiny = dir.appendingPathComponent("tiny.safetensors")
        try Data([1, 2, 3]).write(to: tiny)
        try assertOneLineError(["evaluate", "--model", tiny.path], status: 1, contains: [tiny.path, "shorter than"])
        let names = dir.appendingPathComponent("names.safetensors")
        try Safetensors(tensors: ["hidden": .init(shape: [2, 2], values: [1, 2, 3, 4])]).serialized().write(to: names)
        try assertOneLineError(["evaluate", "--model", names.path], status: 1, contains: ["no tensor 'w1'"])
        let shapes = dir.appendingPathComponent("shapes.safetensors")
        try Safetensors(tensors: [
            "w1": .init(shape: [200, 30], values: [Float](repeating: 0, count: 6000)),
            "w2": .init(shape: [20, 12], values: [Float](repeating: 0, count: 240)),
        ]).serialized().write(to: shapes)
        try assertOneLineError(["evaluate", "--model", shapes.path], status: 1, contains: ["hidden sizes differ"])
        let dtype = dir.appendingPathComponent("dtype.safetensors")
        var bytes = good
        bytes.replaceSubrange(bytes.range(of: Data("\"F32\"".utf8))!, with: Data("\"I32\"".utf8))
        try bytes.write(to: dtype)
        try assertOneLineError(["evaluate", "--model", dtype.path], status: 1, contains: ["dtype I32", "F32"])
    }

    func testOutputFolderProblemsAreReportedBeforeTraining() throws {
        let dir = try CommandRunner.temporaryFolder()
        defer { try? FileManager.default.removeItem(at: dir) }
        let file = dir.appendingPathComponent("a-file")
        try Data("x".utf8).write(to: file)
        try assertOneLineError(["train", "--output", file.appendingPathComponent("run").path] + CommandRunner.small,
                               status: 1, contains: ["cannot be created"])
        try assertOneLineError(["train", "--output", file.path] + CommandRunner.small, status: 1, contains: ["not a folder"])
        let run = dir.appendingPathComponent("run")
        let first = try CommandRunner.run(["train", "--output", run.path, "--epochs", "1"] + CommandRunner.small)
        XCTAssertEqual(first.status, 0, first.stderr)
        let before = try Data(contentsOf: run.appendingPathComponent("model.safetensors"))
        try assertOneLineError(["train", "--output", run.path, "--epochs", "2"] + CommandRunner.small,
                               status: 1, contains: ["already holds a run", "--force"])
        XCTAssertEqual(try Data(contentsOf: run.appendingPathComponent("model.safetensors")), before, "nothing overwritten")
        let forced = try CommandRunner.run(["train", "--output", run.path, "--epochs", "2", "--force"] + CommandRunner.small)
        XCTAssertEqual(forced.status, 0, forced.stderr)
    }

    func testDivergenceStopsWithEpochAndBatch() throws {
        let dir = try CommandRunner.temporaryFolder()
        defer { try? FileManager.default.removeItem(at: dir) }
        let r = try CommandRunner.run(["train", "--output", dir.path, "--force", "--lr", "1e30", "--epochs", "3"] + CommandRunner.small)
        XCTAssertEqual(r.status, 3, r.stderr)
        XCTAssertTrue(r.stderr.contains("NaN or infinite at epoch 1, batch "), r.stderr)
        XCTAssertTrue(r.stderr.contains("--lr"), r.stderr)
        XCTAssertFalse(FileManager.default.fileExists(atPath: dir.appendingPathComponent("model.safetensors").path),
                       "no model from a run that never finished an epoch")
    }
}
