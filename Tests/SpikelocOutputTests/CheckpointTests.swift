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
        let straight = try Self.assertResumeIsBitIdentical(config())
        XCTAssertEqual(straight.epoch, config().epochs)
    }

    /// Trains `c` straight through, and again interrupted after epochs 1 and 3, saved as
    /// checkpoint bytes, reloaded and continued: every continued run must end in the same state
    /// (weights, positions, both optimisers, losses, best weights and epoch; not the epochs'
    /// times). Returns the
    /// straight run for further checks.
    @discardableResult
    static func assertResumeIsBitIdentical(_ c: ExperimentConfig, file: StaticString = #filePath, line: UInt = #line) throws -> TrainingState {
        let trainer = Trainer(experiment: Experiment(c), engine: NetworkEngine(threads: 2))
        var straight = trainer.initialState()
        while !straight.isFinished(epochs: c.epochs) { try trainer.runEpoch(&straight) }
        for k in [1, 3] {
            var state = trainer.initialState()
            for _ in 0 ..< k { try trainer.runEpoch(&state) }
            let loaded = try Checkpoint(Safetensors(data: Checkpoint(config: c, state: state).safetensors.serialized()))
            XCTAssertEqual(loaded.config, c, file: file, line: line)
            var resumed = loaded.state
            XCTAssertTrue(resumed == state, "checkpoint after epoch \(k) restores the state", file: file, line: line)
            while !resumed.isFinished(epochs: c.epochs) { try trainer.runEpoch(&resumed) }
            XCTAssertTrue(resumed.network == straight.network && resumed.best == straight.best,
                          "resumed after epoch \(k): weights or positions differ", file: file, line: line)
            XCTAssertTrue(resumed.optimizer == straight.optimizer && resumed.positionOptimizer == straight.positionOptimizer,
                          file: file, line: line)
            XCTAssertEqual(resumed.validationLoss, straight.validationLoss, file: file, line: line)
            XCTAssertEqual(resumed.bestEpoch, straight.bestEpoch, file: file, line: line)
        }
        return straight
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
