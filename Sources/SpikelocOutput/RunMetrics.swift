import Foundation
import SoundLocalization
import SpikingCore

/// Everything `metrics.json` records about a training run. Epoch numbers are 1-based; accuracies
/// are in percent and errors in degrees.
public struct RunMetrics: Codable, Equatable, Sendable {
    /// spikeloc version that wrote the file.
    public var spikelocVersion = SpikelocVersion.current
    /// The run's seed.
    public var seed: UInt64
    /// Threads used (results do not depend on it).
    public var threads: Int
    /// Epochs completed.
    public var epochsRun: Int
    /// Epoch with the lowest validation loss.
    public var bestEpoch: Int?
    /// Epoch at which early stopping triggered, if it did.
    public var earlyStopEpoch: Int?
    /// Which weights were tested and saved: "best" or "final".
    public var testedWeights: String
    /// Mean training loss per epoch.
    public var trainLoss: [Double]
    /// Mean validation loss per epoch.
    public var validationLoss: [Double]
    /// Wall time of each epoch, seconds.
    public var epochSeconds: [Double]
    /// Accuracy of always guessing one class, percent.
    public var chanceAccuracy: Double
    /// Accuracy on the training set (fresh phase offset), percent.
    public var trainAccuracy: Double
    /// Mean absolute IPD error on the training set, degrees.
    public var trainAbsErrorDeg: Double
    /// Mean test accuracy over ``testSets`` test sets, percent.
    public var testAccuracy: Double
    /// Standard deviation of the test accuracy over the test sets (0 for one set).
    public var testAccuracyStd: Double
    /// Mean absolute IPD error over the test sets, degrees.
    public var testAbsErrorDeg: Double
    /// Number of test sets (each with its own phase offset) the test figures rest on.
    public var testSets: Int
    /// Test accuracy of each test set, percent.
    public var testAccuracies: [Double]
    /// `[estimated][true]` counts on the training set.
    public var trainConfusion: [[Int]]
    /// `[estimated][true]` counts on the first test set.
    public var testConfusion: [[Int]]
    /// Wall time of the whole command, seconds.
    public var wallSeconds: Double

    /// The metrics of a finished run.
    public init(
        config: ExperimentConfig, state: TrainingState, threads: Int, train: Evaluation, tests: [Evaluation], wallSeconds: Double
    ) {
        seed = config.seed
        self.threads = threads
        epochsRun = state.epoch
        bestEpoch = state.bestEpoch.map { $0 + 1 }
        earlyStopEpoch = state.earlyStopEpoch.map { $0 + 1 }
        testedWeights = config.testWeights.rawValue
        trainLoss = state.trainLoss
        validationLoss = state.validationLoss
        epochSeconds = state.epochSeconds
        chanceAccuracy = 100 / Double(config.classes)
        trainAccuracy = train.accuracy
        trainAbsErrorDeg = train.absErrorDeg
        let accuracy = Summary(tests.map(\.accuracy))
        testAccuracy = accuracy.mean
        testAccuracyStd = accuracy.std
        testAbsErrorDeg = Summary(tests.map(\.absErrorDeg)).mean
        testSets = tests.count
        testAccuracies = tests.map(\.accuracy)
        trainConfusion = train.confusion
        testConfusion = tests[0].confusion
        self.wallSeconds = wallSeconds
    }
}
