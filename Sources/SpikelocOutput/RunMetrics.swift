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
    /// Mean distance between the true and the predicted class midpoints on the training set,
    /// degrees (the paper's error: 0 when the class is right).
    public var trainMidpointErrorDeg: Double
    /// The paper's error over the test sets, degrees.
    public var testMidpointErrorDeg: Double
    /// The model variant in words.
    public var variant: String
    /// Learned time constants of the hidden neurons in ms (empty unless learned).
    public var learnedTauHiddenMs: [Float]
    /// Learned time constants of the output units in ms (empty unless learned).
    public var learnedTauOutputMs: [Float]
    /// Learned delays of each delayed layer, input layer first (empty without delays).
    public var learnedDelays: [DelayStatistics]

    /// Summary of the learned delays (the evaluation kernel's integer delays) of one layer, ms.
    public struct DelayStatistics: Codable, Equatable, Sendable {
        /// "w1" (input to hidden) or "w2" (hidden to output).
        public var layer: String
        public var minMs: Double
        public var maxMs: Double
        public var meanMs: Double
        /// Sample standard deviation.
        public var stdMs: Double

        /// The statistics of `synapse`'s delays at time step `dtMs`.
        public init(layer: String, synapse: DelaySynapse, dtMs: Double) {
            let delays = synapse.integerDelays.map { Double($0) * dtMs }
            self.layer = layer
            minMs = delays.min() ?? 0
            maxMs = delays.max() ?? 0
            let summary = Summary(delays)
            meanMs = summary.mean
            stdMs = summary.std
        }
    }

    private enum CodingKeys: String, CodingKey {
        case formatVersion, spikelocVersion, seed, threads, epochsRun, bestEpoch, earlyStopEpoch, testedWeights
        case trainLoss, validationLoss, epochSeconds, chanceAccuracy, trainAccuracy, trainAbsErrorDeg
        case testAccuracy, testAccuracyStd, testAbsErrorDeg, testSets, testAccuracies, trainConfusion, testConfusion, wallSeconds
        case trainMidpointErrorDeg, testMidpointErrorDeg, variant, learnedTauHiddenMs, learnedTauOutputMs, learnedDelays
    }

    /// Decodes `metrics.json`: a missing key (a file from a version that did not record it) takes
    /// a default (0, empty, or what the other values imply), unknown keys are ignored, and a
    /// `format_version` newer than ``SpikelocFormat/version`` is refused.
    public init(from decoder: Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        try SpikelocFormat.check(c.decodeIfPresent(Int.self, forKey: .formatVersion), what: "metrics")
        func value<T: Decodable>(_ key: CodingKeys, _ fallback: @autoclosure () -> T) throws -> T {
            try c.decodeIfPresent(T.self, forKey: key) ?? fallback()
        }
        spikelocVersion = try value(.spikelocVersion, "unknown")
        seed = try value(.seed, 0)
        threads = try value(.threads, 0)
        trainLoss = try value(.trainLoss, [])
        validationLoss = try value(.validationLoss, [])
        epochSeconds = try value(.epochSeconds, [])
        epochsRun = try value(.epochsRun, trainLoss.count)
        bestEpoch = try c.decodeIfPresent(Int.self, forKey: .bestEpoch)
        earlyStopEpoch = try c.decodeIfPresent(Int.self, forKey: .earlyStopEpoch)
        testedWeights = try value(.testedWeights, ExperimentConfig.TestWeights.best.rawValue)
        trainConfusion = try value(.trainConfusion, [])
        testConfusion = try value(.testConfusion, [])
        let classes = max(trainConfusion.count, testConfusion.count)
        chanceAccuracy = try value(.chanceAccuracy, classes > 0 ? 100 / Double(classes) : 0)
        trainAccuracy = try value(.trainAccuracy, 0)
        trainAbsErrorDeg = try value(.trainAbsErrorDeg, 0)
        testAccuracy = try value(.testAccuracy, 0)
        testAccuracyStd = try value(.testAccuracyStd, 0)
        testAbsErrorDeg = try value(.testAbsErrorDeg, 0)
        testAccuracies = try value(.testAccuracies, [testAccuracy])
        testSets = try value(.testSets, testAccuracies.count)
        wallSeconds = try value(.wallSeconds, 0)
        trainMidpointErrorDeg = try value(.trainMidpointErrorDeg, 0)
        testMidpointErrorDeg = try value(.testMidpointErrorDeg, 0)
        variant = try value(.variant, "")
        learnedTauHiddenMs = try value(.learnedTauHiddenMs, [])
        learnedTauOutputMs = try value(.learnedTauOutputMs, [])
        learnedDelays = try value(.learnedDelays, [])
    }

    /// Encodes every value and the ``SpikelocFormat/version``.
    public func encode(to encoder: Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(SpikelocFormat.version, forKey: .formatVersion)
        try c.encode(spikelocVersion, forKey: .spikelocVersion)
        try c.encode(seed, forKey: .seed)
        try c.encode(threads, forKey: .threads)
        try c.encode(epochsRun, forKey: .epochsRun)
        try c.encodeIfPresent(bestEpoch, forKey: .bestEpoch)
        try c.encodeIfPresent(earlyStopEpoch, forKey: .earlyStopEpoch)
        try c.encode(testedWeights, forKey: .testedWeights)
        try c.encode(trainLoss, forKey: .trainLoss)
        try c.encode(validationLoss, forKey: .validationLoss)
        try c.encode(epochSeconds, forKey: .epochSeconds)
        try c.encode(chanceAccuracy, forKey: .chanceAccuracy)
        try c.encode(trainAccuracy, forKey: .trainAccuracy)
        try c.encode(trainAbsErrorDeg, forKey: .trainAbsErrorDeg)
        try c.encode(testAccuracy, forKey: .testAccuracy)
        try c.encode(testAccuracyStd, forKey: .testAccuracyStd)
        try c.encode(testAbsErrorDeg, forKey: .testAbsErrorDeg)
        try c.encode(testSets, forKey: .testSets)
        try c.encode(testAccuracies, forKey: .testAccuracies)
        try c.encode(trainConfusion, forKey: .trainConfusion)
        try c.encode(testConfusion, forKey: .testConfusion)
        try c.encode(wallSeconds, forKey: .wallSeconds)
        try c.encode(trainMidpointErrorDeg, forKey: .trainMidpointErrorDeg)
        try c.encode(testMidpointErrorDeg, forKey: .testMidpointErrorDeg)
        try c.encode(variant, forKey: .variant)
        try c.encode(learnedTauHiddenMs, forKey: .learnedTauHiddenMs)
        try c.encode(learnedTauOutputMs, forKey: .learnedTauOutputMs)
        try c.encode(learnedDelays, forKey: .learnedDelays)
    }

    /// The metrics of a finished run.
    public init(
        config: ExperimentConfig, state: TrainingState, threads: Int, train: Evaluation, tests: [Evaluation], wallSeconds: Double,
        network: SpikingNetwork? = nil
    ) {
        trainMidpointErrorDeg = train.midpointErrorDeg
        testMidpointErrorDeg = Summary(tests.map(\.midpointErrorDeg)).mean
        variant = config.variantDescription
        let tested = network ?? state.network
        learnedTauHiddenMs = config.learnTau ? tested.layers[0].tau.values : []
        learnedTauOutputMs = config.learnTau ? tested.readout.tau.values : []
        learnedDelays = [tested.layers[0].delays.map { DelayStatistics(layer: "w1", synapse: $0, dtMs: config.dtMs) },
                         tested.readout.delays.map { DelayStatistics(layer: "w2", synapse: $0, dtMs: config.dtMs) }].compactMap { $0 }
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
