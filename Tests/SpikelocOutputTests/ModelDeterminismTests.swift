import Foundation
import SoundLocalization
import SpikelocOutput
import SpikingCore
import XCTest

final class ModelDeterminismTests: XCTestCase {
    func smallConfig(seed: UInt64) -> ExperimentConfig {
        var c = ExperimentConfig()
        c.batchSize = 16; c.trainBatches = 8; c.validationBatches = 2; c.testBatches = 4; c.epochs = 3
        c.seed = seed
        return c
    }

    /// A full run as `spikeloc train` makes it (``TrainingRun``) in a temporary folder; the folder.
    func trainedRun(_ config: ExperimentConfig, threads: Int) throws -> RunFolder {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("spikeloc-determinism-\(getpid())-\(config.seed)-\(threads)")
        addTeardownBlock { try? FileManager.default.removeItem(at: url) }
        var run = try TrainingRun(config: config, folder: try RunFolder.prepare(url, force: true), threads: threads)
        try run.train()
        _ = try run.finish(wallSeconds: 0)
        return run.folder
    }

    func trainedModel(_ config: ExperimentConfig, threads: Int) throws -> SavedModel {
        try SavedModel.load(from: trainedRun(config, threads: threads).model)
    }

    /// Two runs with the same seed write identical `model.safetensors` bytes and metrics (but for
    /// times and threads), whatever the threads.
    func testSameSeedGivesIdenticalModelBytes() throws {
        let one = try trainedRun(smallConfig(seed: 5), threads: 1), two = try trainedRun(smallConfig(seed: 5), threads: 2)
        let a = try Data(contentsOf: one.model)
        XCTAssertEqual(a, try Data(contentsOf: two.model), "model bytes differ between two runs of seed 5")
        var m1 = try JSONFiles.read(RunMetrics.self, from: one.metrics), m2 = try JSONFiles.read(RunMetrics.self, from: two.metrics)
        m1.epochSeconds = []; m2.epochSeconds = []; m1.wallSeconds = 0; m2.wallSeconds = 0; m1.threads = 0; m2.threads = 0
        XCTAssertEqual(m1, m2)
        let c = try Data(contentsOf: trainedRun(smallConfig(seed: 6), threads: 2).model)
        XCTAssertNotEqual(a, c)
    }

    /// A saved model reloads to the same predictions (Dale's law on: effective weights are saved).
    func testSavedModelReloadsToSamePredictions() throws {
        var config = smallConfig(seed: 3)
        config.dales = true
        let model = try trainedModel(config, threads: 2)
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("spikeloc-test-\(getpid()).safetensors")
        defer { try? FileManager.default.removeItem(at: url) }
        try model.save(to: url)
        let loaded = try SavedModel.load(from: url)
        let exp = Experiment(config)
        let engine = NetworkEngine(threads: 2)
        let set = exp.testSet(seed: 9, index: 0)
        let trainedNet = exp.network(effectiveW1: model.w1, effectiveW2: model.w2)
        let before = exp.evaluate(trainedNet, on: set.data, offset: set.offset, engine: engine)
        let after = exp.evaluate(loaded.network, on: set.data, offset: set.offset, engine: engine)
        XCTAssertEqual(before.predictions, after.predictions)
        XCTAssertEqual(before.scores.values, after.scores.values)
        XCTAssertTrue(loaded.w1.values.prefix(100 * 30).allSatisfy { $0 <= 0 }, "first half of the inputs inhibitory")
        XCTAssertTrue(loaded.w1.values.suffix(100 * 30).allSatisfy { $0 >= 0 })
    }
}
