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

    func trainedModel(_ config: ExperimentConfig, threads: Int) throws -> SavedModel {
        let trainer = Trainer(experiment: Experiment(config), engine: NetworkEngine(threads: threads))
        var state = trainer.initialState()
        while !state.isFinished(epochs: config.epochs) { try trainer.runEpoch(&state) }
        return SavedModel(config: config, network: trainer.finalNetwork(state))
    }

    /// Two runs with the same seed write identical `model.safetensors` bytes, whatever the threads.
    func testSameSeedGivesIdenticalModelBytes() throws {
        let a = try trainedModel(smallConfig(seed: 5), threads: 1).safetensors.serialized()
        let b = try trainedModel(smallConfig(seed: 5), threads: 2).safetensors.serialized()
        XCTAssertTrue(a == b, "model bytes differ between two runs of seed 5")
        let c = try trainedModel(smallConfig(seed: 6), threads: 2).safetensors.serialized()
        XCTAssertFalse(a == c)
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
