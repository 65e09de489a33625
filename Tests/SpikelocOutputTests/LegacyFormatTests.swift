import Foundation
import SoundLocalization
import SpikelocOutput
import SpikingCore
import XCTest

/// Files written by spikeloc 0.1.0, before format versions (`Fixtures/v0.1.0`, see its README),
/// still load, evaluate, decode and resume; files of today carry `format_version`, decode with
/// defaults for missing keys, and a newer version is refused instead of misread.
final class LegacyFormatTests: XCTestCase {
    func fixture(_ path: String) throws -> URL {
        let base = try XCTUnwrap(Bundle.module.url(forResource: "v0.1.0", withExtension: nil, subdirectory: "Fixtures"))
        return base.appendingPathComponent(path)
    }

    /// The configuration of `finished/` (`train --epochs 3 --train-batches 2 --validation-batches 2 --test-batches 2`).
    var finishedConfig: ExperimentConfig {
        var c = ExperimentConfig()
        c.epochs = 3; c.trainBatches = 2; c.validationBatches = 2; c.testBatches = 2
        return c
    }

    /// The old model evaluates to what `spikeloc evaluate --model finished/model.safetensors --json`
    /// (test set 1 of seed 0) and `... --seed 7 --repeats 2` (test sets 0 and 1 of seed 7) report.
    /// spikeloc 0.1.0 reported 14.0625 % / 57.129 deg and 18.75 / 14.84 %; 0.2.0 made the fixed
    /// noise of every data set independent (issue 11), which changed the test sets' spikes once.
    func testOldModelEvaluatesAsBefore() throws {
        let model = try SavedModel.load(from: fixture("finished/model.safetensors"))
        XCTAssertEqual(model.config, finishedConfig)
        let exp = Experiment(model.config)
        let engine = NetworkEngine(threads: 2)
        let set1 = exp.evaluateTestSets(model.network, seed: 0, count: 1, first: 1, engine: engine)[0]
        XCTAssertEqual(set1.accuracy, 13.28125)
        XCTAssertEqual(set1.absErrorDeg, 56.08195627962166, accuracy: 1e-9)
        let zeros = [Int](repeating: 0, count: 12)
        XCTAssertEqual(set1.confusion, [
            [6, 6, 8, 3, 4, 5, 3, 1, 3, 3, 2, 3], zeros, zeros, zeros, zeros, zeros,
            [0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 2], zeros,
            [0, 0, 2, 1, 1, 0, 0, 1, 1, 1, 0, 0],
            [1, 0, 0, 0, 1, 1, 0, 1, 1, 3, 1, 2], zeros,
            [1, 0, 1, 2, 3, 1, 11, 11, 9, 9, 6, 7],
        ])
        let seed7 = exp.evaluateTestSets(model.network, seed: 7, count: 2, engine: engine)
        XCTAssertEqual(seed7.map(\.accuracy), [14.84375, 11.71875])
        XCTAssertEqual(seed7[0].absErrorDeg, 56.70192897477969, accuracy: 1e-9)
        XCTAssertEqual(seed7[1].absErrorDeg, 56.8723515564362, accuracy: 1e-9)
    }

    func testOldConfigAndMetricsDecode() throws {
        XCTAssertEqual(try JSONFiles.read(ExperimentConfig.self, from: fixture("finished/config.json")), finishedConfig)
        var interrupted = finishedConfig
        interrupted.epochs = 6; interrupted.trainBatches = 32
        XCTAssertEqual(try JSONFiles.read(ExperimentConfig.self, from: fixture("interrupted/config.json")), interrupted)
        let m = try JSONFiles.read(RunMetrics.self, from: fixture("finished/metrics.json"))
        XCTAssertEqual(m.spikelocVersion, "0.1.0")
        XCTAssertEqual(m.epochsRun, 3)
        XCTAssertEqual(m.bestEpoch, 1)
        XCTAssertNil(m.earlyStopEpoch)
        XCTAssertEqual(m.testedWeights, "best")
        XCTAssertEqual(m.trainLoss.count, 3)
        XCTAssertEqual(m.trainLoss[0], 2.6197, accuracy: 5e-5)
        XCTAssertEqual(m.testAccuracy, 15.625)
        XCTAssertEqual(m.testSets, 1)
        XCTAssertEqual(m.chanceAccuracy, 100.0 / 12, accuracy: 1e-12)
        XCTAssertEqual(m.testConfusion.count, 12)
        XCTAssertEqual(m.testConfusion.joined().reduce(0, +), 128)
    }

    func testOldFinishedCheckpointLoads() throws {
        let checkpoint = try Checkpoint.load(from: fixture("finished/checkpoint.safetensors"))
        XCTAssertEqual(checkpoint.config, finishedConfig)
        XCTAssertEqual(checkpoint.state.epoch, 3)
        XCTAssertTrue(checkpoint.state.isFinished(epochs: 3))
        XCTAssertEqual(checkpoint.state.bestEpoch, 0)
        XCTAssertEqual(checkpoint.state.optimizer.step, 6)
        let model = try SavedModel.load(from: fixture("finished/model.safetensors"))
        XCTAssertTrue(checkpoint.state.best.withEffectiveWeights.inputWeights == model.w1 && checkpoint.state.best.withEffectiveWeights.readoutWeights == model.w2,
                      "the saved model is the checkpoint's best weights")
    }

    /// The checkpoint of a run stopped by SIGINT after epoch 2 of 6 resumes and finishes.
    func testOldInterruptedCheckpointResumesAndFinishes() throws {
        let checkpoint = try Checkpoint.load(from: fixture("interrupted/checkpoint.safetensors"))
        var state = checkpoint.state
        XCTAssertEqual(state.epoch, 2)
        XCTAssertEqual(state.optimizer.step, 64)
        XCTAssertEqual(state.trainLoss[0], 2.3908, accuracy: 5e-5)
        XCTAssertEqual(state.validationLoss[1], 1.7405, accuracy: 5e-5)
        let before = state.trainLoss
        let trainer = Trainer(experiment: Experiment(checkpoint.config), engine: NetworkEngine(threads: 2))
        while !state.isFinished(epochs: checkpoint.config.epochs) { try trainer.runEpoch(&state) }
        XCTAssertEqual(state.epoch, 6)
        XCTAssertEqual(Array(state.trainLoss.prefix(2)), before)
        XCTAssertTrue(state.trainLoss.allSatisfy(\.isFinite) && state.network.isFinite)
        XCTAssertLessThan(state.validationLoss[5], state.validationLoss[1], "training went on learning")
    }

    /// A configuration with keys missing (a file from before their options) takes the defaults;
    /// unknown keys (a file from a newer version, within the same format) are ignored.
    func testMissingKeysTakeDefaults() throws {
        XCTAssertEqual(try JSONFiles.decode(ExperimentConfig.self, from: Data("{}".utf8)), ExperimentConfig())
        let partial = try JSONFiles.decode(ExperimentConfig.self, from: Data(#"{"hidden": 50, "seed": 3, "some_future_option": "x", "dales": null}"#.utf8))
        var expected = ExperimentConfig()
        expected.hidden = 50; expected.seed = 3
        XCTAssertEqual(partial, expected)
        // every key of today's file dropped in turn
        let full = try XCTUnwrap(JSONSerialization.jsonObject(with: JSONFiles.encode(finishedConfig)) as? [String: Any])
        for key in full.keys {
            var less = full
            less[key] = nil
            let c = try JSONFiles.decode(ExperimentConfig.self, from: JSONSerialization.data(withJSONObject: less))
            XCTAssertEqual(c.epochs, key == "epochs" ? ExperimentConfig().epochs : 3, key)
        }
        let metrics = try JSONFiles.decode(RunMetrics.self, from: Data(#"{"train_loss": [2, 1], "test_accuracy": 50}"#.utf8))
        XCTAssertEqual(metrics.epochsRun, 2)
        XCTAssertEqual(metrics.testAccuracies, [50])
        XCTAssertEqual(metrics.testSets, 1)
        XCTAssertEqual(metrics.spikelocVersion, "unknown")
        XCTAssertNil(metrics.bestEpoch)
    }

    /// The checkpoint's progress record tolerates missing keys too.
    func testCheckpointProgressWithMissingKeys() throws {
        var file = try Safetensors(contentsOf: fixture("interrupted/checkpoint.safetensors"))
        var progress = try XCTUnwrap(JSONSerialization.jsonObject(with: Data(file.metadata["spikeloc_progress"]!.utf8)) as? [String: Any])
        progress["epoch_seconds"] = nil
        progress["best_validation_loss"] = nil
        progress["a_later_key"] = [1, 2]
        file.metadata["spikeloc_progress"] = String(decoding: try JSONSerialization.data(withJSONObject: progress), as: UTF8.self)
        let checkpoint = try Checkpoint(file)
        XCTAssertEqual(checkpoint.state.epochSeconds, [0, 0])
        XCTAssertEqual(checkpoint.state.bestValidationLoss, checkpoint.state.validationLoss.min())
    }

    /// Every file written today carries `format_version`; a newer version is refused with a message.
    func testFormatVersionIsWrittenAndANewerOneRefused() throws {
        let config = try XCTUnwrap(JSONSerialization.jsonObject(with: JSONFiles.encode(ExperimentConfig())) as? [String: Any])
        XCTAssertEqual(config["format_version"] as? Int, SpikelocFormat.version)
        let old = try Checkpoint.load(from: fixture("finished/checkpoint.safetensors"))
        let file = Checkpoint(config: old.config, state: old.state).safetensors
        XCTAssertEqual(file.metadata["format_version"], String(SpikelocFormat.version))
        let metricsJSON = try XCTUnwrap(JSONSerialization.jsonObject(with: JSONFiles.encode(
            try JSONFiles.read(RunMetrics.self, from: fixture("finished/metrics.json")))) as? [String: Any])
        XCTAssertEqual(metricsJSON["format_version"] as? Int, SpikelocFormat.version)

        let newer = SpikelocFormat.version + 1
        XCTAssertThrowsError(try JSONFiles.decode(ExperimentConfig.self, from: Data(#"{"format_version": \#(newer)}"#.utf8))) {
            XCTAssertTrue("\($0)".contains("configuration has format_version \(newer)"), "\($0)")
        }
        XCTAssertThrowsError(try JSONFiles.decode(RunMetrics.self, from: Data(#"{"format_version": \#(newer)}"#.utf8))) {
            XCTAssertTrue("\($0)".contains("metrics has format_version \(newer)"), "\($0)")
        }
        var future = file
        future.metadata["format_version"] = String(newer)
        XCTAssertThrowsError(try Checkpoint(future)) { XCTAssertTrue("\($0)".contains("format_version \(newer)"), "\($0)") }
        future.metadata["format_version"] = "one"
        XCTAssertThrowsError(try Checkpoint(future)) { XCTAssertTrue("\($0)".contains("not a whole number"), "\($0)") }
        XCTAssertNoThrow(try JSONFiles.decode(ExperimentConfig.self, from: Data(#"{"format_version": 0}"#.utf8)))
    }

    /// Every stored property is written (a new option added to the struct but not to its coding
    /// keys would be lost), and a configuration of non-default values round-trips.
    func testEveryValueIsWrittenAndReadBack() throws {
        var c = ExperimentConfig()
        c.dtMs = 0.5; c.durationMs = 80; c.anfPerEar = 10; c.stimulusFrequencyHz = 30; c.rateMaxHz = 500; c.envelopePower = 3
        c.classes = 9; c.hidden = 7; c.tauMs = 4; c.threshold = 0.9; c.surrogateBeta = 4; c.outputScale = 0.02; c.dales = true
        c.ieRatio = 0.3; c.lr = 0.001; c.adamBeta1 = 0.8; c.adamBeta2 = 0.99; c.adamEpsilon = 1e-7; c.epochs = 5; c.batchSize = 8
        c.trainBatches = 3; c.validationBatches = 4; c.testBatches = 5; c.earlyStopWindow = 6; c.earlyStopAfter = 7
        c.testWeights = .final; c.seed = 11
        c.offsetMode = .sample; c.envelope = .integral; c.phaseJitter = 0.1; c.daleMask = .random; c.excitatory = .inputs
        c.tauHiddenMs = 3; c.tauOutputMs = 6; c.learnTau = true; c.flushSubnormals = true; c.spikeTiming = .current; c.reset = .subtract
        c.adaptiveThreshold = 1; c.thresholdTauMs = 8; c.readout = .max; c.w1Bound = 0.3; c.w2Bound = 0.4
        c.ratePenalty = 2; c.penaltyRateMinHz = 90; c.penaltyRateMaxHz = 190; c.hiddenDropout = 0.2; c.earlyStop = false
        c.preset = .paperBasic
        c.phaseDelays = .none; c.delays = .dclsInput; c.maxDelayMs = 20; c.delaySigmaStart = 9; c.delaySigmaFloor = 0.3
        c.delaySigmaEpochs = 12; c.delayPositionSd = 0.7; c.positionLr = 0.2; c.positionSchedule = .constant; c.lrSchedule = .oneCycle
        c.oneCyclePctStart = 0.4; c.oneCycleDivFactor = 20; c.oneCycleFinalDivFactor = 1000; c.oneCycleBeta1Min = 0.8
        c.oneCycleBeta1Max = 0.9; c.weightInit = .kaiming
        let json = JSONFiles.encode(c)
        XCTAssertEqual(try JSONFiles.decode(ExperimentConfig.self, from: json), c)
        let keys = try XCTUnwrap(JSONSerialization.jsonObject(with: json) as? [String: Any]).keys
        XCTAssertEqual(keys.count, Mirror(reflecting: c).children.count + 1, "every property and format_version")
        for child in Mirror(reflecting: c).children where c != ExperimentConfig() {
            XCTAssertNotEqual("\(child.value)", "\(Mirror(reflecting: ExperimentConfig()).children.first { $0.label == child.label }!.value)",
                              "\(child.label!) is set to a non-default value above")
        }

        let m = try JSONFiles.read(RunMetrics.self, from: fixture("finished/metrics.json"))
        let mJSON = JSONFiles.encode(m)
        XCTAssertEqual(try JSONFiles.decode(RunMetrics.self, from: mJSON), m)
        var withStop = m
        withStop.earlyStopEpoch = 2
        let mKeys = try XCTUnwrap(JSONSerialization.jsonObject(with: JSONFiles.encode(withStop)) as? [String: Any]).keys
        XCTAssertEqual(mKeys.count, Mirror(reflecting: withStop).children.count + 1, "every property and format_version")
    }
}
