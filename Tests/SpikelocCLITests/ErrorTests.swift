import Foundation
import SpikelocOutput
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
