import Foundation

/// Every constant of the "Noise offsets in every iteration" notebook, with the notebook's values
/// as defaults. Stored in `config.json` and in the model's metadata (keys in snake_case).
public struct ExperimentConfig: Codable, Equatable, Sendable {
    // Stimulus
    /// Simulation time step in milliseconds (`DT`).
    public var dtMs: Double = 1
    /// Stimulus duration in milliseconds (`DURATION`).
    public var durationMs: Double = 100
    /// Auditory nerve fibres per ear (`ANF_PER_EAR`); the network has twice as many inputs.
    public var anfPerEar: Int = 100
    /// Frequency of the tone in hertz (`stimulus_frequency`).
    public var stimulusFrequencyHz: Double = 20
    /// Peak Poisson rate in hertz (`rate_max`).
    public var rateMaxHz: Double = 600
    /// Exponent of the firing envelope (`envelope_power`).
    public var envelopePower: Double = 2
    /// Number of IPD classes over (-90, 90) degrees (`NUM_CLASSES`, 180 / 15).
    public var classes: Int = 12

    // Network
    /// Hidden LIF neurons (`NUM_HIDDEN`).
    public var hidden: Int = 30
    /// Membrane time constant in milliseconds (`TAU`), for both layers.
    public var tauMs: Double = 5
    /// Firing threshold of the hidden neurons.
    public var threshold: Float = 1
    /// Steepness of the sigmoid surrogate gradient.
    public var surrogateBeta: Float = 5
    /// Factor on the time-summed output in the training and validation loss (the notebook's 0.01).
    public var outputScale: Float = 0.01
    /// Whether the weights obey Dale's law (`DALES_LAW`).
    public var dales: Bool = false
    /// Share of inhibitory rows under Dale's law (`IE_RATIO`).
    public var ieRatio: Double = 0.5

    // Training
    /// Adam learning rate (`LR`).
    public var lr: Double = 0.005
    /// Adam's first-moment decay.
    public var adamBeta1: Double = 0.9
    /// Adam's second-moment decay.
    public var adamBeta2: Double = 0.999
    /// Adam's epsilon.
    public var adamEpsilon: Double = 1e-8
    /// Maximum number of epochs (`N_EPOCHS`).
    public var epochs: Int = 150
    /// Samples per batch (`batch_size`).
    public var batchSize: Int = 64
    /// Training batches per epoch (`n_training_batches`); the training set has `batchSize x trainBatches` samples.
    public var trainBatches: Int = 64
    /// Validation batches; the notebook's validation set is as large as its training set.
    public var validationBatches: Int = 64
    /// Test batches (`n_testing_batches`).
    public var testBatches: Int = 32
    /// Early stopping window: stop when the oldest of the last `earlyStopWindow` validation losses is the lowest.
    public var earlyStopWindow: Int = 10
    /// Early stopping is checked only after this epoch (0-based `e > 10` in the notebook).
    public var earlyStopAfter: Int = 10
    /// Which weights are tested: `best` (a copy of the best-validation weights) or `final`
    /// (what the notebook ends up testing without Dale's law, because it keeps references).
    public var testWeights: TestWeights = .best
    /// Seed of every random number of the run.
    public var seed: UInt64 = 0

    /// The notebook's configuration.
    public init() {}

    /// Which weights a finished run keeps and tests.
    public enum TestWeights: String, Codable, Sendable, CaseIterable {
        /// The weights of the epoch with the lowest validation loss.
        case best
        /// The weights after the last epoch.
        case final
    }

    /// Time steps per stimulus, `round(duration / dt)`.
    public var steps: Int { Int((durationMs / dtMs).rounded()) }
    /// Network inputs, two ears of `anfPerEar` fibres.
    public var inputs: Int { 2 * anfPerEar }
    /// Training samples.
    public var trainSamples: Int { batchSize * trainBatches }
    /// Validation samples.
    public var validationSamples: Int { batchSize * validationBatches }
    /// Test samples.
    public var testSamples: Int { batchSize * testBatches }

    /// Checks every value; throws a ``ConfigError`` naming the offending option.
    public func validate() throws {
        func positive(_ value: Int, _ option: String) throws {
            guard value > 0 else { throw ConfigError(option: option, message: "must be a positive whole number, got \(value)") }
        }
        func positive(_ value: Double, _ option: String) throws {
            guard value > 0, value.isFinite else { throw ConfigError(option: option, message: "must be a positive number, got \(value)") }
        }
        try positive(dtMs, "--dt-ms")
        try positive(durationMs, "--duration-ms")
        guard steps >= 2 else { throw ConfigError(option: "--duration-ms", message: "must span at least 2 time steps of --dt-ms, got \(steps)") }
        try positive(anfPerEar, "--anf-per-ear")
        guard inputs * steps <= Int(UInt32.max) else {
            throw ConfigError(option: "--anf-per-ear", message: "2 x anf-per-ear x steps must stay below 2^32, got \(inputs * steps)")
        }
        try positive(stimulusFrequencyHz, "--stimulus-frequency-hz")
        try positive(rateMaxHz, "--rate-max-hz")
        guard envelopePower >= 0, envelopePower.isFinite else {
            throw ConfigError(option: "--envelope-power", message: "must be a number >= 0, got \(envelopePower)")
        }
        guard rateMaxHz * dtMs / 1000 <= 1 else {
            throw ConfigError(option: "--rate-max-hz", message: "times --dt-ms must be a probability per step <= 1, got \(rateMaxHz * dtMs / 1000)")
        }
        guard classes >= 2 else { throw ConfigError(option: "--classes", message: "must be at least 2, got \(classes)") }
        try positive(hidden, "--hidden")
        try positive(tauMs, "--tau-ms")
        guard threshold.isFinite else { throw ConfigError(option: "--threshold", message: "must be a finite number") }
        try positive(Double(surrogateBeta), "--surrogate-beta")
        guard outputScale.isFinite, outputScale > 0 else {
            throw ConfigError(option: "--output-scale", message: "must be a positive number, got \(outputScale)")
        }
        guard (0 ... 1).contains(ieRatio) else {
            throw ConfigError(option: "--ie-ratio", message: "must lie in [0, 1], got \(ieRatio)")
        }
        try positive(lr, "--lr")
        guard (0 ..< 1).contains(adamBeta1) else { throw ConfigError(option: "--adam-beta1", message: "must lie in [0, 1), got \(adamBeta1)") }
        guard (0 ..< 1).contains(adamBeta2) else { throw ConfigError(option: "--adam-beta2", message: "must lie in [0, 1), got \(adamBeta2)") }
        try positive(adamEpsilon, "--adam-epsilon")
        try positive(epochs, "--epochs")
        try positive(batchSize, "--batch-size")
        try positive(trainBatches, "--train-batches")
        try positive(validationBatches, "--validation-batches")
        try positive(testBatches, "--test-batches")
        try positive(earlyStopWindow, "--early-stop-window")
        guard earlyStopAfter >= 0 else {
            throw ConfigError(option: "--early-stop-after", message: "must be >= 0, got \(earlyStopAfter)")
        }
    }
}

/// An invalid configuration value: which option, and what is expected.
public struct ConfigError: Error, CustomStringConvertible, Equatable {
    /// The command-line option (or configuration key) at fault.
    public var option: String
    /// What is wrong and what is expected.
    public var message: String

    /// An error about `option`.
    public init(option: String, message: String) {
        self.option = option
        self.message = message
    }

    public var description: String { "\(option) \(message)" }
}
