import Foundation
import SoundLocalization
import SpikelocOutput
import SpikingCore
import XCTest

/// Training with learned delays (`--preset dcls`, small): checkpoints carry positions, sigma and
/// both optimisers, so a resumed run is bit-identical; models keep positions and sigma.
final class DelayRunTests: XCTestCase {
    func config() -> ExperimentConfig {
        var c = ExperimentConfig.preset(.dcls)
        c.batchSize = 16; c.trainBatches = 3; c.validationBatches = 2; c.testBatches = 2; c.epochs = 8
        c.anfPerEar = 20; c.hidden = 10; c.maxDelayMs = 10
        return c
    }

    func testResumeFromSavedBytesIsBitIdentical() throws {
        let c = config()
        let straight = try CheckpointTests.assertResumeIsBitIdentical(c)
        XCTAssertNotNil(straight.positionOptimizer)
        XCTAssertNotEqual(straight.network.layers[0].delays!.positions, Experiment(c).initialNetwork().layers[0].delays!.positions,
                          "positions were trained")
        XCTAssertEqual(straight.network.delaySigma, c.delaySigma(epoch: c.epochs - 1))
    }

    func testSavedModelKeepsPositionsAndSigma() throws {
        let c = config()
        let trainer = Trainer(experiment: Experiment(c), engine: NetworkEngine(threads: 1))
        var state = trainer.initialState()
        for _ in 0 ..< 3 { try trainer.runEpoch(&state) }
        let model = SavedModel(config: c, network: state.network)
        let file = model.safetensors
        XCTAssertEqual(Set(file.tensors.keys), ["w1", "p1", "w2", "p2"])
        let loaded = try SavedModel(Safetensors(data: file.serialized()))
        XCTAssertTrue(loaded.network == model.network)
        XCTAssertEqual(loaded.network.delaySigma, state.network.delaySigma)
        XCTAssertEqual(loaded.network.layers[0].delays?.taps, 11)
    }

    func testCheckpointWithoutPositionMomentsIsRefused() throws {
        let c = config()
        let trainer = Trainer(experiment: Experiment(c), engine: NetworkEngine(threads: 1))
        var state = trainer.initialState()
        try trainer.runEpoch(&state)
        var file = Checkpoint(config: c, state: state).safetensors
        file.tensors["adam_m_p1"] = nil
        XCTAssertThrowsError(try Checkpoint(file)) { XCTAssertTrue("\($0)".contains("adam_m_p1"), "\($0)") }
    }
}
