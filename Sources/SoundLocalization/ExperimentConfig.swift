import Foundation
import SpikingCore

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
    /// How phase offsets are drawn (the seed notebook: a new one every epoch).
    public var offsetMode: OffsetMode = .epoch
    /// How the spike probability of a time bin is computed (the seed: the rate at its start).
    public var envelope: Envelope = .power
    /// Standard deviation (radians) of the Gaussian noise on the fibres' phase delays, drawn once
    /// per training and validation set (Noise_robustness); 0 = none.
    public var phaseJitter: Double = 0

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
    /// Which rows Dale's law makes inhibitory.
    public var daleMask: DaleMaskKind = .contiguous
    /// Weight matrices used as `|w|` (excitatory only).
    public var excitatory: Excitatory = .none
    /// Membrane time constant of the hidden layer in ms (`nil`: ``tauMs``).
    public var tauHiddenMs: Double? = nil
    /// Membrane time constant of the read-out in ms (`nil`: ``tauMs``).
    public var tauOutputMs: Double? = nil
    /// Whether per-neuron time constants of both layers are trained.
    public var learnTau: Bool = false
    /// Flush subnormal floats to zero in the network's arithmetic (``SubnormalMode``): faster
    /// training of trained networks, results that differ in tiny terms. Off: exact, as PyTorch.
    public var flushSubnormals: Bool = false
    /// When a hidden spike is read from the membrane.
    public var spikeTiming: SpikeTiming = .previous
    /// What a spike does to the membrane.
    public var reset: ResetRule = .zero
    /// Strength of the adaptive threshold (`1 + beta a`); 0 = a plain LIF.
    public var adaptiveThreshold: Double = 0
    /// Time constant of the adaptive threshold's spike trace in ms (`nil`: the hidden tau).
    public var thresholdTauMs: Double? = nil
    /// How the read-out scores a class.
    public var readout: Readout.Kind = .sum
    /// Bound of the uniform initial input-to-hidden weights (`nil`: 1/sqrt(hidden), the notebook's).
    public var w1Bound: Double? = nil
    /// Bound of the uniform initial hidden-to-output weights (`nil`: 1/sqrt(classes)).
    public var w2Bound: Double? = nil

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
    /// Weight `c` of the firing-rate penalty (the paper's regulariser); 0 = off.
    public var ratePenalty: Double = 0
    /// Hidden rate below which the penalty charges nothing, Hz.
    public var penaltyRateMinHz: Double = 100
    /// Hidden rate at which the penalty charges `c`, Hz.
    public var penaltyRateMaxHz: Double = 200
    /// Probability of dropping a hidden spike on its way to the read-out during training.
    public var hiddenDropout: Double = 0
    /// Whether early stopping is on.
    public var earlyStop: Bool = true
    /// Phase delays of the fibres of each ear: `linear` (`linspace(0, pi/2)`, the seed's) or
    /// `none` (every fibre 0, as the DCLS notebook).
    public var phaseDelays: PhaseDelays = .linear
    /// Learned synaptic delays (DCLS): none, both weight layers, or the input layer only.
    public var delays: DelayMode = .none
    /// The longest learned delay in ms; the kernel has `maxDelayMs / dtMs` taps, made odd.
    public var maxDelayMs: Double = 30
    /// The Gaussian width of the delay kernels at the start (default: half the taps, rounded down).
    public var delaySigmaStart: Double? = nil
    /// The width the schedule shrinks the Gaussian to.
    public var delaySigmaFloor: Double = 0.23
    /// Epochs over which the width shrinks geometrically to the floor (default: a quarter of the epochs).
    public var delaySigmaEpochs: Int? = nil
    /// Standard deviation of the initial delay positions (steps, around the middle delay).
    public var delayPositionSd: Double = 0.5
    /// Adam's learning rate for the delay positions.
    public var positionLr: Double = 0.1
    /// The positions' learning-rate schedule.
    public var positionSchedule: PositionSchedule = .cosine
    /// The weights' learning-rate schedule (default: `one-cycle` with delays, else `constant`).
    public var lrSchedule: LRSchedule? = nil
    /// One-cycle: the share of the epochs spent rising to the peak `--lr`.
    public var oneCyclePctStart: Double = 0.3
    /// One-cycle: the peak divided by the starting learning rate.
    public var oneCycleDivFactor: Double = 25
    /// One-cycle: the starting learning rate divided by the final one.
    public var oneCycleFinalDivFactor: Double = 1e4
    /// One-cycle: Adam's beta1 at the peak learning rate.
    public var oneCycleBeta1Min: Double = 0.85
    /// One-cycle: Adam's beta1 at the start and the end.
    public var oneCycleBeta1Max: Double = 0.95
    /// How the weights are initialised (default: `kaiming` with delays, else `notebook`).
    public var weightInit: WeightInit? = nil
    /// The preset the configuration started from, if any (recorded for reports).
    public var preset: Preset? = nil
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

    private enum CodingKeys: String, CodingKey {
        case formatVersion
        case dtMs, durationMs, anfPerEar, stimulusFrequencyHz, rateMaxHz, envelopePower, classes
        case offsetMode, envelope, phaseJitter
        case hidden, tauMs, threshold, surrogateBeta, outputScale, dales, ieRatio
        case daleMask, excitatory, tauHiddenMs, tauOutputMs, learnTau, flushSubnormals, spikeTiming, reset, adaptiveThreshold, thresholdTauMs
        case readout, w1Bound, w2Bound
        case lr, adamBeta1, adamBeta2, adamEpsilon, epochs, batchSize, trainBatches, validationBatches, testBatches
        case ratePenalty, penaltyRateMinHz, penaltyRateMaxHz, hiddenDropout, earlyStop, preset
        case earlyStopWindow, earlyStopAfter, testWeights, seed
        case phaseDelays, delays, maxDelayMs, delaySigmaStart, delaySigmaFloor, delaySigmaEpochs, delayPositionSd
        case positionLr, positionSchedule, lrSchedule, oneCyclePctStart, oneCycleDivFactor, oneCycleFinalDivFactor
        case oneCycleBeta1Min, oneCycleBeta1Max, weightInit
    }

    /// Decodes a configuration: a key that is missing (a file written before its option existed)
    /// takes the notebook's default, unknown keys are ignored, and a `format_version` newer than
    /// ``SpikelocFormat/version`` is refused (``FormatVersionError``).
    public init(from decoder: Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        try SpikelocFormat.check(c.decodeIfPresent(Int.self, forKey: .formatVersion), what: "configuration")
        let d = ExperimentConfig()
        func value<T: Decodable>(_ key: CodingKeys, _ fallback: T) throws -> T { try c.decodeIfPresent(T.self, forKey: key) ?? fallback }
        dtMs = try value(.dtMs, d.dtMs)
        durationMs = try value(.durationMs, d.durationMs)
        anfPerEar = try value(.anfPerEar, d.anfPerEar)
        stimulusFrequencyHz = try value(.stimulusFrequencyHz, d.stimulusFrequencyHz)
        rateMaxHz = try value(.rateMaxHz, d.rateMaxHz)
        envelopePower = try value(.envelopePower, d.envelopePower)
        classes = try value(.classes, d.classes)
        hidden = try value(.hidden, d.hidden)
        tauMs = try value(.tauMs, d.tauMs)
        threshold = try value(.threshold, d.threshold)
        surrogateBeta = try value(.surrogateBeta, d.surrogateBeta)
        outputScale = try value(.outputScale, d.outputScale)
        dales = try value(.dales, d.dales)
        ieRatio = try value(.ieRatio, d.ieRatio)
        lr = try value(.lr, d.lr)
        adamBeta1 = try value(.adamBeta1, d.adamBeta1)
        adamBeta2 = try value(.adamBeta2, d.adamBeta2)
        adamEpsilon = try value(.adamEpsilon, d.adamEpsilon)
        epochs = try value(.epochs, d.epochs)
        batchSize = try value(.batchSize, d.batchSize)
        trainBatches = try value(.trainBatches, d.trainBatches)
        validationBatches = try value(.validationBatches, d.validationBatches)
        testBatches = try value(.testBatches, d.testBatches)
        earlyStopWindow = try value(.earlyStopWindow, d.earlyStopWindow)
        earlyStopAfter = try value(.earlyStopAfter, d.earlyStopAfter)
        testWeights = try value(.testWeights, d.testWeights)
        seed = try value(.seed, d.seed)
        offsetMode = try value(.offsetMode, d.offsetMode)
        envelope = try value(.envelope, d.envelope)
        phaseJitter = try value(.phaseJitter, d.phaseJitter)
        daleMask = try value(.daleMask, d.daleMask)
        excitatory = try value(.excitatory, d.excitatory)
        tauHiddenMs = try c.decodeIfPresent(Double.self, forKey: .tauHiddenMs)
        tauOutputMs = try c.decodeIfPresent(Double.self, forKey: .tauOutputMs)
        learnTau = try value(.learnTau, d.learnTau)
        flushSubnormals = try value(.flushSubnormals, d.flushSubnormals)
        spikeTiming = try value(.spikeTiming, d.spikeTiming)
        reset = try value(.reset, d.reset)
        adaptiveThreshold = try value(.adaptiveThreshold, d.adaptiveThreshold)
        thresholdTauMs = try c.decodeIfPresent(Double.self, forKey: .thresholdTauMs)
        readout = try value(.readout, d.readout)
        w1Bound = try c.decodeIfPresent(Double.self, forKey: .w1Bound)
        w2Bound = try c.decodeIfPresent(Double.self, forKey: .w2Bound)
        ratePenalty = try value(.ratePenalty, d.ratePenalty)
        penaltyRateMinHz = try value(.penaltyRateMinHz, d.penaltyRateMinHz)
        penaltyRateMaxHz = try value(.penaltyRateMaxHz, d.penaltyRateMaxHz)
        hiddenDropout = try value(.hiddenDropout, d.hiddenDropout)
        earlyStop = try value(.earlyStop, d.earlyStop)
        preset = try c.decodeIfPresent(Preset.self, forKey: .preset)
        phaseDelays = try value(.phaseDelays, d.phaseDelays)
        delays = try value(.delays, d.delays)
        maxDelayMs = try value(.maxDelayMs, d.maxDelayMs)
        delaySigmaStart = try c.decodeIfPresent(Double.self, forKey: .delaySigmaStart)
        delaySigmaFloor = try value(.delaySigmaFloor, d.delaySigmaFloor)
        delaySigmaEpochs = try c.decodeIfPresent(Int.self, forKey: .delaySigmaEpochs)
        delayPositionSd = try value(.delayPositionSd, d.delayPositionSd)
        positionLr = try value(.positionLr, d.positionLr)
        positionSchedule = try value(.positionSchedule, d.positionSchedule)
        lrSchedule = try c.decodeIfPresent(LRSchedule.self, forKey: .lrSchedule)
        oneCyclePctStart = try value(.oneCyclePctStart, d.oneCyclePctStart)
        oneCycleDivFactor = try value(.oneCycleDivFactor, d.oneCycleDivFactor)
        oneCycleFinalDivFactor = try value(.oneCycleFinalDivFactor, d.oneCycleFinalDivFactor)
        oneCycleBeta1Min = try value(.oneCycleBeta1Min, d.oneCycleBeta1Min)
        oneCycleBeta1Max = try value(.oneCycleBeta1Max, d.oneCycleBeta1Max)
        weightInit = try c.decodeIfPresent(WeightInit.self, forKey: .weightInit)
    }

    /// Encodes every value and the ``SpikelocFormat/version``.
    public func encode(to encoder: Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(SpikelocFormat.version, forKey: .formatVersion)
        try c.encode(dtMs, forKey: .dtMs)
        try c.encode(durationMs, forKey: .durationMs)
        try c.encode(anfPerEar, forKey: .anfPerEar)
        try c.encode(stimulusFrequencyHz, forKey: .stimulusFrequencyHz)
        try c.encode(rateMaxHz, forKey: .rateMaxHz)
        try c.encode(envelopePower, forKey: .envelopePower)
        try c.encode(classes, forKey: .classes)
        try c.encode(hidden, forKey: .hidden)
        try c.encode(tauMs, forKey: .tauMs)
        try c.encode(threshold, forKey: .threshold)
        try c.encode(surrogateBeta, forKey: .surrogateBeta)
        try c.encode(outputScale, forKey: .outputScale)
        try c.encode(dales, forKey: .dales)
        try c.encode(ieRatio, forKey: .ieRatio)
        try c.encode(lr, forKey: .lr)
        try c.encode(adamBeta1, forKey: .adamBeta1)
        try c.encode(adamBeta2, forKey: .adamBeta2)
        try c.encode(adamEpsilon, forKey: .adamEpsilon)
        try c.encode(epochs, forKey: .epochs)
        try c.encode(batchSize, forKey: .batchSize)
        try c.encode(trainBatches, forKey: .trainBatches)
        try c.encode(validationBatches, forKey: .validationBatches)
        try c.encode(testBatches, forKey: .testBatches)
        try c.encode(earlyStopWindow, forKey: .earlyStopWindow)
        try c.encode(earlyStopAfter, forKey: .earlyStopAfter)
        try c.encode(testWeights, forKey: .testWeights)
        try c.encode(seed, forKey: .seed)
        try c.encode(offsetMode, forKey: .offsetMode)
        try c.encode(envelope, forKey: .envelope)
        try c.encode(phaseJitter, forKey: .phaseJitter)
        try c.encode(daleMask, forKey: .daleMask)
        try c.encode(excitatory, forKey: .excitatory)
        try c.encodeIfPresent(tauHiddenMs, forKey: .tauHiddenMs)
        try c.encodeIfPresent(tauOutputMs, forKey: .tauOutputMs)
        try c.encode(learnTau, forKey: .learnTau)
        try c.encode(flushSubnormals, forKey: .flushSubnormals)
        try c.encode(spikeTiming, forKey: .spikeTiming)
        try c.encode(reset, forKey: .reset)
        try c.encode(adaptiveThreshold, forKey: .adaptiveThreshold)
        try c.encodeIfPresent(thresholdTauMs, forKey: .thresholdTauMs)
        try c.encode(readout, forKey: .readout)
        try c.encodeIfPresent(w1Bound, forKey: .w1Bound)
        try c.encodeIfPresent(w2Bound, forKey: .w2Bound)
        try c.encode(ratePenalty, forKey: .ratePenalty)
        try c.encode(penaltyRateMinHz, forKey: .penaltyRateMinHz)
        try c.encode(penaltyRateMaxHz, forKey: .penaltyRateMaxHz)
        try c.encode(hiddenDropout, forKey: .hiddenDropout)
        try c.encode(earlyStop, forKey: .earlyStop)
        try c.encodeIfPresent(preset, forKey: .preset)
        try c.encode(phaseDelays, forKey: .phaseDelays)
        try c.encode(delays, forKey: .delays)
        try c.encode(maxDelayMs, forKey: .maxDelayMs)
        try c.encodeIfPresent(delaySigmaStart, forKey: .delaySigmaStart)
        try c.encode(delaySigmaFloor, forKey: .delaySigmaFloor)
        try c.encodeIfPresent(delaySigmaEpochs, forKey: .delaySigmaEpochs)
        try c.encode(delayPositionSd, forKey: .delayPositionSd)
        try c.encode(positionLr, forKey: .positionLr)
        try c.encode(positionSchedule, forKey: .positionSchedule)
        try c.encodeIfPresent(lrSchedule, forKey: .lrSchedule)
        try c.encode(oneCyclePctStart, forKey: .oneCyclePctStart)
        try c.encode(oneCycleDivFactor, forKey: .oneCycleDivFactor)
        try c.encode(oneCycleFinalDivFactor, forKey: .oneCycleFinalDivFactor)
        try c.encode(oneCycleBeta1Min, forKey: .oneCycleBeta1Min)
        try c.encode(oneCycleBeta1Max, forKey: .oneCycleBeta1Max)
        try c.encodeIfPresent(weightInit, forKey: .weightInit)
    }

    /// The hidden layer's membrane time constant in ms.
    public var hiddenTauMs: Double { tauHiddenMs ?? tauMs }
    /// The read-out's membrane time constant in ms.
    public var outputTauMs: Double { tauOutputMs ?? tauMs }
    /// The adaptive threshold trace's time constant in ms.
    public var adaptationTauMs: Double { thresholdTauMs ?? hiddenTauMs }

    /// Time steps per stimulus, `round(duration / dt)` (of a valid configuration).
    public var steps: Int { Int((durationMs / dtMs).rounded()) }
    /// Network inputs, two ears of `anfPerEar` fibres.
    public var inputs: Int { 2 * anfPerEar }
    /// Training samples.
    public var trainSamples: Int { batchSize * trainBatches }
    /// Validation samples.
    public var validationSamples: Int { batchSize * validationBatches }
    /// Test samples.
    public var testSamples: Int { batchSize * testBatches }

    /// The largest values ``validate()`` accepts. They are far beyond any sensible run and keep
    /// every size and every product of sizes the code forms well inside `Int`; whether a run fits
    /// in memory is checked separately (``memoryEstimate(testSets:threads:)``).
    public enum Limits {
        /// Time steps per stimulus (`--duration-ms / --dt-ms`).
        public static let steps = 1_000_000
        /// Fibres per ear.
        public static let anfPerEar = 1_000_000
        /// Hidden neurons.
        public static let hidden = 1_000_000
        /// IPD classes (0.18 degrees each; the confusion matrices and their figures hold classes^2 cells).
        public static let classes = 1000
        /// Epochs, early-stopping window.
        public static let epochs = 1_000_000
        /// Samples per batch, batches per set.
        public static let batch = 1 << 31
        /// Samples of one data set (batch size x batches).
        public static let samples = 1 << 40
        /// Test sets of one command (`--test-sets`, `evaluate --repeats`).
        public static let testSets = 100_000
        /// Worker threads.
        public static let threads = 4096
    }

    /// Checks every value, and that a training run of this configuration (with one test set, on
    /// all cores) fits in this machine's memory; throws a ``ConfigError`` naming the offending
    /// options. Sizes and scales are checked in floating point before any conversion to `Int`,
    /// and products of sizes for overflow, so no value can make this trap.
    public func validate() throws {
        try validate(testSets: 1)
    }

    /// ``validate()`` for a command that evaluates `testSets` test sets (named `testSetsOption`
    /// in messages) on `threads` threads (default: all cores), against `memoryLimit` bytes
    /// (default: ``SystemMemory/limit``).
    public func validate(testSets: Int, testSetsOption: String = "--test-sets", threads: Int? = nil, memoryLimit: Double? = nil) throws {
        try validateValues()
        guard (1 ... Limits.testSets).contains(testSets) else {
            throw ConfigError(option: testSetsOption, message: "must be a whole number in [1, \(Limits.testSets)], got \(testSets)")
        }
        let threads = threads ?? ParallelChunks.availableCores
        guard (1 ... Limits.threads).contains(threads) else {
            throw ConfigError(option: "--threads", message: "must be a whole number in [1, \(Limits.threads)], got \(threads)")
        }
        let estimate = memoryEstimate(testSets: testSets, threads: threads)
        let limit = memoryLimit ?? SystemMemory.limit
        guard estimate.total <= limit else {
            let (part, options) = estimate.largest
            throw ConfigError(
                option: options,
                message: "ask for about \(MemoryEstimate.format(estimate.total)) of memory (\(part.rawValue) \(MemoryEstimate.format(estimate[part]))), more than the \(MemoryEstimate.format(limit)) \(memoryLimit == nil ? SystemMemory.limitSource : "allowed"); reduce them")
        }
    }

    /// The value and range checks of ``validate()``, without the memory estimate.
    public func validateValues() throws {
        func finite<F: BinaryFloatingPoint>(_ value: F, _ option: String) throws {
            guard value.isFinite else { throw ConfigError(option: option, message: "must be a finite number, got \(value)") }
        }
        // every floating option first: no NaN or infinity gets any further
        for (value, option) in [(dtMs, "--dt-ms"), (durationMs, "--duration-ms"), (stimulusFrequencyHz, "--stimulus-frequency-hz"),
                                (rateMaxHz, "--rate-max-hz"), (envelopePower, "--envelope-power"), (tauMs, "--tau-ms"),
                                (ieRatio, "--ie-ratio"), (lr, "--lr"), (adamBeta1, "--adam-beta1"), (adamBeta2, "--adam-beta2"),
                                (adamEpsilon, "--adam-epsilon")] {
            try finite(value, option)
        }
        for (value, option) in [(threshold, "--threshold"), (surrogateBeta, "--surrogate-beta"), (outputScale, "--output-scale")] {
            try finite(value, option)
        }
        func positive(_ value: Double, _ option: String) throws {
            guard value > 0 else { throw ConfigError(option: option, message: "must be a positive number, got \(value)") }
        }
        func whole(_ value: Int, _ option: String, in range: ClosedRange<Int>) throws {
            guard range.contains(value) else {
                throw ConfigError(option: option, message: range.lowerBound == 1 && value < 1
                    ? "must be a positive whole number, got \(value)" : "must be a whole number in [\(range.lowerBound), \(range.upperBound)], got \(value)")
            }
        }
        try positive(dtMs, "--dt-ms")
        try positive(durationMs, "--duration-ms")
        let stepCount = (durationMs / dtMs).rounded()  // in floating point: may be 0, huge or infinite
        guard stepCount >= 2 else {
            throw ConfigError(option: "--duration-ms", message: "must span at least 2 time steps of --dt-ms, got \(durationMs / dtMs)")
        }
        guard stepCount <= Double(Limits.steps) else {
            throw ConfigError(option: "--duration-ms / --dt-ms", message: "must give at most \(Limits.steps) time steps, got \(durationMs / dtMs)")
        }
        try whole(anfPerEar, "--anf-per-ear", in: 1 ... Limits.anfPerEar)
        guard inputs * steps <= Int(UInt32.max) else {  // both bounded above: no overflow
            throw ConfigError(option: "--anf-per-ear", message: "2 x anf-per-ear x steps must stay below 2^32, got \(inputs * steps)")
        }
        try positive(stimulusFrequencyHz, "--stimulus-frequency-hz")
        try positive(rateMaxHz, "--rate-max-hz")
        guard envelopePower >= 0 else {
            throw ConfigError(option: "--envelope-power", message: "must be a number >= 0, got \(envelopePower)")
        }
        guard rateMaxHz * dtMs / 1000 <= 1 else {
            throw ConfigError(option: "--rate-max-hz", message: "times --dt-ms must be a probability per step <= 1, got \(rateMaxHz * dtMs / 1000)")
        }
        try whole(classes, "--classes", in: 2 ... Limits.classes)
        try whole(hidden, "--hidden", in: 1 ... Limits.hidden)
        try positive(tauMs, "--tau-ms")
        try positive(Double(surrogateBeta), "--surrogate-beta")
        try positive(Double(outputScale), "--output-scale")
        guard (0 ... 1).contains(ieRatio) else {
            throw ConfigError(option: "--ie-ratio", message: "must lie in [0, 1], got \(ieRatio)")
        }
        try positive(lr, "--lr")
        guard (0 ..< 1).contains(adamBeta1) else { throw ConfigError(option: "--adam-beta1", message: "must lie in [0, 1), got \(adamBeta1)") }
        guard (0 ..< 1).contains(adamBeta2) else { throw ConfigError(option: "--adam-beta2", message: "must lie in [0, 1), got \(adamBeta2)") }
        try positive(adamEpsilon, "--adam-epsilon")
        try whole(epochs, "--epochs", in: 1 ... Limits.epochs)
        try whole(batchSize, "--batch-size", in: 1 ... Limits.batch)
        for (batches, option) in [(trainBatches, "--train-batches"), (validationBatches, "--validation-batches"), (testBatches, "--test-batches")] {
            try whole(batches, option, in: 1 ... Limits.batch)
            let (samples, overflow) = batchSize.multipliedReportingOverflow(by: batches)
            guard !overflow, samples <= Limits.samples else {
                throw ConfigError(option: "--batch-size x \(option)",
                                  message: "must be at most \(Limits.samples) samples, got \(batchSize) x \(batches)")
            }
        }
        for (value, option) in [(phaseJitter, "--phase-jitter"), (tauHiddenMs, "--tau-hidden-ms"), (tauOutputMs, "--tau-output-ms"),
                                (adaptiveThreshold, "--adaptive-threshold"), (thresholdTauMs, "--threshold-tau-ms"),
                                (w1Bound, "--w1-bound"), (w2Bound, "--w2-bound"), (ratePenalty, "--rate-penalty"),
                                (penaltyRateMinHz, "--penalty-rate-min-hz"), (penaltyRateMaxHz, "--penalty-rate-max-hz"),
                                (hiddenDropout, "--hidden-dropout")] as [(Double?, String)] {
            if let value { try finite(value, option) }
        }
        for (value, option) in [(tauHiddenMs, "--tau-hidden-ms"), (tauOutputMs, "--tau-output-ms"), (thresholdTauMs, "--threshold-tau-ms"),
                                (w1Bound, "--w1-bound"), (w2Bound, "--w2-bound")] {
            if let value { try positive(value, option) }
        }
        for (value, option) in [(phaseJitter, "--phase-jitter"), (adaptiveThreshold, "--adaptive-threshold"), (ratePenalty, "--rate-penalty"),
                                (penaltyRateMinHz, "--penalty-rate-min-hz")] {
            guard value >= 0 else { throw ConfigError(option: option, message: "must be a number >= 0, got \(value)") }
        }
        guard penaltyRateMaxHz > penaltyRateMinHz else {
            throw ConfigError(option: "--penalty-rate-max-hz", message: "must exceed --penalty-rate-min-hz (\(penaltyRateMinHz)), got \(penaltyRateMaxHz)")
        }
        guard (0 ..< 1).contains(hiddenDropout) else {
            throw ConfigError(option: "--hidden-dropout", message: "must lie in [0, 1), got \(hiddenDropout)")
        }
        if envelope == .integral {
            guard envelopePower == 2 else {
                throw ConfigError(option: "--envelope integral", message: "is defined for --envelope-power 2 only, got \(envelopePower)")
            }
        }
        // the fixed noise counts blocks of 8 channels per sample and step below 2^44 (FixedNoise)
        let blocks = Double(max(trainSamples, validationSamples, testSamples)) * Double(steps) * Double((inputs + 7) / 8)
        guard blocks < Double(1 << FixedNoise.counterBits) else {
            throw ConfigError(option: "--batch-size x batches x steps x anf-per-ear",
                              message: "make a data set of \(blocks) noise blocks; at most 2^\(FixedNoise.counterBits) are possible")
        }
        try validateDelayValues()
        try whole(earlyStopWindow, "--early-stop-window", in: 1 ... Limits.epochs)
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
