import Foundation
import SpikelocOutput
import XCTest

/// `--preset dcls` through the command line: train, the report's delay figures, and `evaluate` of
/// the saved model scoring what `train` scored.
final class DelayCommandTests: XCTestCase {
    func testTrainEvaluateAndReportADelayModel() throws {
        let dir = try CommandRunner.temporaryFolder()
        defer { try? FileManager.default.removeItem(at: dir) }
        let run = dir.appendingPathComponent("run")
        let r = try CommandRunner.run(["train", "--preset", "dcls", "--epochs", "15", "--lr-schedule", "constant", "--lr", "0.01",
                                       "--batch-size", "32", "--train-batches", "8", "--validation-batches", "2", "--test-batches", "4",
                                       "--anf-per-ear", "20",
                                       "--hidden", "8", "--max-delay-ms", "10", "--threads", "2", "--output", run.path])
        XCTAssertEqual(r.status, 0, r.stderr)
        XCTAssertTrue(r.stdout.contains("learned delays (dcls, up to 10.0 ms: 11 taps)"), r.stdout)
        let metrics = try JSONFiles.read(RunMetrics.self, from: run.appendingPathComponent("metrics.json"))
        XCTAssertEqual(metrics.learnedDelays.map(\.layer), ["w1", "w2"])
        XCTAssertTrue(metrics.learnedDelays.allSatisfy { $0.minMs >= 0 && $0.maxMs <= 10 && $0.stdMs > 0 })
        for figure in ["fig8a-delays-input.svg", "fig8b-delays-output.svg", "fig9-delay-histograms.svg"] {
            XCTAssertTrue(FileManager.default.fileExists(atPath: run.appendingPathComponent(figure).path), figure)
        }
        // these settings learn (about 35 %, chance 8 %): with the positions lost, evaluate scored 2 %
        XCTAssertGreaterThan(metrics.testAccuracy, 20)
        let e = try CommandRunner.run(["evaluate", "--model", run.appendingPathComponent("model.safetensors").path, "--seed", "0", "--json"])
        XCTAssertEqual(e.status, 0, e.stderr)
        let json = try XCTUnwrap(JSONSerialization.jsonObject(with: Data(e.stdout.utf8)) as? [String: Any])
        XCTAssertEqual(try XCTUnwrap(json["test_accuracy"] as? Double), metrics.testAccuracy, accuracy: 1e-9,
                       "evaluate --seed 0 scores test set 0 as train did, with the learned delays")
        let bad = try CommandRunner.run(["train", "--preset", "dcls", "--max-delay-ms", "150", "--output", dir.appendingPathComponent("x").path])
        XCTAssertEqual(bad.status, 2)
        XCTAssertTrue(bad.stderr.contains("--max-delay-ms"), bad.stderr)
    }
}
