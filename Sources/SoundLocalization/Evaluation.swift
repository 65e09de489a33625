import Foundation
import SpikingCore

/// How well a network classifies one data set, as the notebook's `test_accuracy` and
/// `report_accuracy` measure it.
public struct Evaluation: Codable, Equatable, Sendable {
    /// Share of samples whose class is right, in percent.
    public var accuracy: Double
    /// Mean absolute difference between the true IPD and the midpoint of the predicted class, degrees.
    public var absErrorDeg: Double
    /// Mean absolute difference between the midpoints of the true and the predicted class, degrees
    /// (the paper's error: zero when the class is right).
    public var midpointErrorDeg: Double
    /// `confusion[estimated][true]` sample counts (the notebook's orientation).
    public var confusion: [[Int]]
    /// Number of samples.
    public var samples: Int

    /// Scores a set of predictions against true IPDs.
    public init(trueIPDs: [Double], predictions: [Int], classes: IPDClasses) {
        precondition(trueIPDs.count == predictions.count && !trueIPDs.isEmpty)
        var confusion = [[Int]](repeating: [Int](repeating: 0, count: classes.count), count: classes.count)
        var correct = 0
        var error = 0.0, midpointError = 0.0
        for (ipd, estimate) in zip(trueIPDs, predictions) {
            let truth = Float(ipd)  // the notebook compares the float32 tensor of true IPDs
            let label = classes.label(truth)
            confusion[estimate][label] += 1
            if label == estimate { correct += 1 }
            error += abs(Double(truth) - classes.midpoint(estimate)) * 180 / Double.pi
            midpointError += abs(classes.midpoint(label) - classes.midpoint(estimate)) * 180 / Double.pi
        }
        accuracy = 100 * Double(correct) / Double(trueIPDs.count)
        absErrorDeg = error / Double(trueIPDs.count)
        midpointErrorDeg = midpointError / Double(trueIPDs.count)
        self.confusion = confusion
        samples = trueIPDs.count
    }
}

/// A network's outputs on one data set with the resulting ``Evaluation``.
public struct EvaluatedSet: Sendable {
    /// The data set.
    public var data: IPDDataset
    /// The phase offset it was presented with.
    public var offset: Double
    /// The network's scores (and hidden records, if asked for).
    public var scores: Scores
    /// Predicted class of every sample.
    public var predictions: [Int]
    /// The metrics.
    public var evaluation: Evaluation
}

extension Experiment {
    /// Batches whose spikes are built at once (in parallel): training, validation and test sets
    /// are never held whole (at the defaults 1.6 MB of spikes instead of 13 MB per set).
    public static let batchesPerStimulus = 8

    /// The scores of `network` on `data` presented with phase offset `offset` (learned delays with
    /// the evaluation kernel), its spikes built ``batchesPerStimulus`` batches at a time, in the
    /// configuration's floating-point mode (``ExperimentConfig/flushSubnormals``).
    public func scores(
        _ network: SpikingNetwork, on data: IPDDataset, offset: Double, engine: NetworkEngine, recordHidden: Bool = false
    ) -> Scores {
        let evaluated = network.withDelayKernel(.max), block = Self.batchesPerStimulus * config.batchSize
        return SubnormalMode.flushingToZero(config.flushSubnormals) {
            Scores(concatenating: stride(from: 0, to: max(1, data.count), by: block).map { first in
                let samples = Array(first ..< min(data.count, first + block))
                let raster = stimulus.spikes(for: data, samples: samples, offset: offset, threads: engine.threads)
                return engine.scores(evaluated, raster: raster, samples: Array(0 ..< samples.count), recordHidden: recordHidden)
            })
        }
    }

    /// Runs `network` on `data` presented with phase offset `offset` and scores it (learned delays
    /// with the evaluation kernel, ``DelaySynapse/Kernel-swift.enum/max``, as the notebook tests).
    public func evaluate(
        _ network: SpikingNetwork, on data: IPDDataset, offset: Double, engine: NetworkEngine, recordHidden: Bool = false
    ) -> EvaluatedSet {
        let scores = self.scores(network, on: data, offset: offset, engine: engine, recordHidden: recordHidden)
        let predictions = (0 ..< data.count).map(scores.prediction)
        return EvaluatedSet(data: data, offset: offset, scores: scores, predictions: predictions,
                            evaluation: Evaluation(trueIPDs: data.ipds, predictions: predictions, classes: classes))
    }

    /// Evaluates `network` on `count` fresh test sets drawn from `seed` (sets `first ..< first + count`).
    public func evaluateTestSets(
        _ network: SpikingNetwork, seed: UInt64, count: Int, first: Int = 0, phaseJitter: Double = 0, engine: NetworkEngine
    ) -> [Evaluation] {
        (first ..< first + count).map { index in
            let set = testSet(seed: seed, index: index, phaseJitter: phaseJitter)
            return evaluate(network, on: set.data, offset: set.offset, engine: engine).evaluation
        }
    }
}

/// Mean and sample standard deviation of a list of numbers.
public struct Summary: Codable, Equatable, Sendable {
    /// The mean.
    public var mean: Double
    /// The sample standard deviation (0 for a single value).
    public var std: Double

    /// The summary of `values` (not empty).
    public init(_ values: [Double]) {
        mean = values.reduce(0, +) / Double(values.count)
        let m = mean
        std = values.count > 1
            ? (values.reduce(0) { $0 + ($1 - m) * ($1 - m) } / Double(values.count - 1)).squareRoot() : 0
    }
}
