import Foundation
import SpikelocOutput
import XCTest

/// The command line on run folders written by spikeloc 0.1.0 (before format versions):
/// `Tests/SpikelocOutputTests/Fixtures/v0.1.0`.
final class LegacyRunTests: XCTestCase {
    static let fixtures = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("SpikelocOutputTests/Fixtures/v0.1.0")

    /// A copy of a fixture run folder in a fresh temporary folder.
    func copy(_ name: String, into dir: URL) throws -> URL {
        let run = dir.appendingPathComponent(name)
        try FileManager.default.copyItem(at: Self.fixtures.appendingPathComponent(name), to: run)
        return run
    }

    /// `evaluate` prints what the 0.1.0 binary printed for the same model.
    func testEvaluateOldModel() throws {
        let model = Self.fixtures.appendingPathComponent("finished/model.safetensors").path
        let r = try CommandRunner.run(["evaluate", "--model", model, "--json"])
        XCTAssertEqual(r.status, 0, r.stderr)
        let json = try XCTUnwrap(JSONSerialization.jsonObject(with: Data(r.stdout.utf8)) as? [String: Any])
        XCTAssertEqual(json["test_accuracy"] as? Double, 13.28125)  // 0.1.0: 14.0625 (noise changed in 0.2.0)
        XCTAssertEqual(try XCTUnwrap(json["test_abs_error_deg"] as? Double), 56.08195627962166, accuracy: 1e-9)
        XCTAssertEqual(json["samples_per_set"] as? Int, 128)
    }

    /// `train --resume` continues the 0.1.0 checkpoint of a run interrupted after epoch 2 of 6,
    /// finishes it and writes today's files (with format_version); `report` rebuilds its report.
    func testResumeOldInterruptedRun() throws {
        let dir = try CommandRunner.temporaryFolder()
        defer { try? FileManager.default.removeItem(at: dir) }
        let run = try copy("interrupted", into: dir)
        let r = try CommandRunner.run(["train", "--resume", run.path, "--threads", "2"])
        XCTAssertEqual(r.status, 0, r.stderr)
        XCTAssertTrue(r.stdout.contains("Resuming \(run.path) after epoch 2 of at most 6"), r.stdout)
        XCTAssertTrue(r.stdout.contains("epoch   6"), r.stdout)
        let metrics = try JSONFiles.read(RunMetrics.self, from: run.appendingPathComponent("metrics.json"))
        XCTAssertEqual(metrics.epochsRun, 6)
        XCTAssertEqual(metrics.trainLoss.count, 6)
        let written = try XCTUnwrap(JSONSerialization.jsonObject(with: Data(contentsOf: run.appendingPathComponent("metrics.json"))) as? [String: Any])
        XCTAssertEqual(written["format_version"] as? Int, 1)
        let checkpoint = try Safetensors(contentsOf: run.appendingPathComponent("checkpoint.safetensors"))
        XCTAssertEqual(checkpoint.metadata["format_version"], "1")
        XCTAssertNoThrow(try SavedModel.load(from: run.appendingPathComponent("model.safetensors")))
    }

    func testReportOfOldRun() throws {
        let dir = try CommandRunner.temporaryFolder()
        defer { try? FileManager.default.removeItem(at: dir) }
        let run = try copy("finished", into: dir)
        let r = try CommandRunner.run(["report", run.path, "--threads", "2"])
        XCTAssertEqual(r.status, 0, r.stderr)
        XCTAssertTrue(FileManager.default.fileExists(atPath: run.appendingPathComponent("report.html").path))
    }
}
