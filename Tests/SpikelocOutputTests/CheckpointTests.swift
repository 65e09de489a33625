import Foundation
import SoundLocalization
import SpikelocOutput
import SpikingCore
import XCTest

final class CheckpointTests: XCTestCase {
    func config() -> ExperimentConfig {
        var c = ExperimentConfig()
        c.batchSize = 16; c.trainBatches = 4; c.validationBatches = 2; c.testBatches = 2; c.epochs = 5
        return c
    }

    /// Training interrupted after epoch k, saved, reloaded from bytes and continued ends in the
    /// same state as training straight through.
    func testResumeFromSavedBytesIsBitIdentical() throws {
        let c = config()
        let trainer = Trainer(experiment: Experiment(c), engine: NetworkEngine(threads: 2))
        var straight = trainer.initialState()
        while !straight.isFinished(epochs: c.epochs) { try trainer.runEpoch(&straight) }

        for k in [1, 3] {
            var state = trainer.initialState()
            for _ in 0 ..< k { try trainer.runEpoch(&state) }
            let bytes = Checkpoint(config: c, state: state).safetensors.serialized()
            let loaded = try Checkpoint(Safetensors(data: bytes))
            XCTAssertEqual(loaded.config, c)
            var resumed = loaded.state
            XCTAssertTrue(resumed.network == state.network && resumed.optimizer == state.optimizer)
            XCTAssertEqual(resumed.trainLoss, state.trainLoss)
            while !resumed.isFinished(epochs: c.epochs) { try trainer.runEpoch(&resumed) }
            XCTAssertTrue(resumed.network == straight.network, "resumed after epoch \(k): weights differ")
            XCTAssertTrue(resumed.best == straight.best && resumed.optimizer == straight.optimizer)
            XCTAssertEqual(resumed.validationLoss, straight.validationLoss)
            XCTAssertEqual(resumed.bestEpoch, straight.bestEpoch)
        }
    }

    func testInterruptionLeavesStateAtLastCompleteEpoch() throws {
        let c = config()
        let trainer = Trainer(experiment: Experiment(c), engine: NetworkEngine(threads: 1))
        var state = trainer.initialState()
        try trainer.runEpoch(&state)
        let before = state
        var batches = 0
        XCTAssertThrowsError(try trainer.runEpoch(&state, observe: { if case .batch = $0 { batches += 1 } }, shouldStop: { batches == 2 })) {
            XCTAssertEqual($0 as? TrainingError, .interrupted(afterEpochs: 1))
        }
        XCTAssertTrue(state.network == before.network && state.optimizer == before.optimizer)
        XCTAssertEqual(state.epoch, 1)
    }

    func testCheckpointFromIncompatibleConfigurationIsRejected() throws {
        var c = config()
        let trainer = Trainer(experiment: Experiment(c), engine: NetworkEngine(threads: 1))
        var state = trainer.initialState()
        try trainer.runEpoch(&state)
        c.hidden = 20  // the tensors are 30 wide
        let file = Checkpoint(config: c, state: state).safetensors
        XCTAssertThrowsError(try Checkpoint(file)) { XCTAssertTrue("\($0)".contains("do not match its configuration"), "\($0)") }
        var other = config()
        other.trainBatches = 7  // Adam's step count no longer fits
        XCTAssertThrowsError(try Checkpoint(Checkpoint(config: other, state: state).safetensors)) {
            XCTAssertTrue("\($0)".contains("inconsistent"), "\($0)")
        }
        let model = SavedModel(config: config(), network: state.network).safetensors
        XCTAssertThrowsError(try Checkpoint(model)) { XCTAssertTrue("\($0)".contains("not a spikeloc checkpoint")) }
    }
}
