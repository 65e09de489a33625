import ArgumentParser
import SoundLocalization
import SpikingCore

private let d = ExperimentConfig()

/// The options of the stimulus; unset ones keep the base configuration's value.
struct StimulusOptions: ParsableArguments {
    @Option(parsing: .unconditional, help: "Simulation time step in ms (default \(d.dtMs)).") var dtMs: Double?
    @Option(parsing: .unconditional, help: "Stimulus duration in ms (default \(d.durationMs)).") var durationMs: Double?
    @Option(parsing: .unconditional, help: "Auditory nerve fibres per ear; inputs = 2 x this (default \(d.anfPerEar)).") var anfPerEar: Int?
    @Option(parsing: .unconditional, help: "Tone frequency in Hz (default \(d.stimulusFrequencyHz)).") var stimulusFrequencyHz: Double?
    @Option(parsing: .unconditional, help: "Peak Poisson rate of a fibre in Hz (default \(d.rateMaxHz)).") var rateMaxHz: Double?
    @Option(parsing: .unconditional, help: "Exponent of the firing envelope (default \(d.envelopePower)).") var envelopePower: Double?
    @Option(help: "Spike probability of a time bin: power (the rate at its start, the seed's) or integral (the exact integral over the bin, the paper's; power 2 only).")
    var envelope: ExperimentConfig.Envelope?
    @Option(parsing: .unconditional, help: "IPD classes over (-90, 90) degrees (default \(d.classes)).") var classes: Int?
    @Option(help: "Phase offsets: epoch (a new one every epoch, the seed's), dataset (one per data set, fixed: most community notebooks) or sample (one per sample, fixed).")
    var offsetMode: ExperimentConfig.OffsetMode?
    @Option(help: "Phase delays of each ear's fibres: linear (linspace(0, pi/2), the seed's) or none (all 0, the DCLS notebook's).")
    var phaseDelays: ExperimentConfig.PhaseDelays?

    func apply(to c: inout ExperimentConfig) {
        if let dtMs { c.dtMs = dtMs }
        if let durationMs { c.durationMs = durationMs }
        if let anfPerEar { c.anfPerEar = anfPerEar }
        if let stimulusFrequencyHz { c.stimulusFrequencyHz = stimulusFrequencyHz }
        if let rateMaxHz { c.rateMaxHz = rateMaxHz }
        if let envelopePower { c.envelopePower = envelopePower }
        if let envelope { c.envelope = envelope }
        if let classes { c.classes = classes }
        if let offsetMode { c.offsetMode = offsetMode }
        if let phaseDelays { c.phaseDelays = phaseDelays }
    }
}

/// The options of the network; unset ones keep the base configuration's value.
struct NetworkOptions: ParsableArguments {
    @Option(parsing: .unconditional, help: "Hidden neurons (default \(d.hidden)).") var hidden: Int?
    @Option(parsing: .unconditional, help: "Membrane time constant in ms of both layers (default \(d.tauMs)).") var tauMs: Double?
    @Option(parsing: .unconditional, help: "Membrane time constant of the hidden layer in ms (default: --tau-ms).") var tauHiddenMs: Double?
    @Option(parsing: .unconditional, help: "Membrane time constant of the read-out in ms (default: --tau-ms).") var tauOutputMs: Double?
    @Option(parsing: .unconditional, help: "Firing threshold (default \(d.threshold)).") var threshold: Float?
    @Option(parsing: .unconditional, help: "Steepness of the sigmoid surrogate gradient (default \(d.surrogateBeta)).") var surrogateBeta: Float?
    @Option(help: "previous (spike from the previous membrane, reset a step later: the notebook's) or current (the standard discrete LIF).")
    var spikeTiming: SpikeTiming?
    @Option(help: "zero (membrane times 1 - spike: the notebook's) or subtract (the threshold is subtracted).") var reset: ResetRule?
    @Option(parsing: .unconditional, help: "Adaptive threshold 1 + BETA a, a a leaky trace of the neuron's spikes (the community used 1; default 0: off).")
    var adaptiveThreshold: Double?
    @Option(parsing: .unconditional, help: "Time constant of the adaptive threshold's trace in ms (default: the hidden tau).") var thresholdTauMs: Double?
    @Option(help: "Class score: sum (membrane summed over time, the notebook's), mean, max, last, or spike-count (a spiking output layer).")
    var readout: Readout.Kind?
    @Flag(help: "Constrain weights by Dale's law.") var dales = false
    @Option(parsing: .unconditional, help: "Share of inhibitory rows under Dale's law, in [0, 1] (default \(d.ieRatio)).") var ieRatio: Double?
    @Option(help: "Dale's-law rows: contiguous (the first ones, the seed's) or random (drawn from the seed, Dales_law).")
    var daleMask: ExperimentConfig.DaleMaskKind?
    @Option(help: "Weights used as |w| (excitatory only): none, inputs, hidden or all.") var excitatory: ExperimentConfig.Excitatory?

    func apply(to c: inout ExperimentConfig) {
        if let hidden { c.hidden = hidden }
        if let tauMs { c.tauMs = tauMs }
        if let tauHiddenMs { c.tauHiddenMs = tauHiddenMs }
        if let tauOutputMs { c.tauOutputMs = tauOutputMs }
        if let threshold { c.threshold = threshold }
        if let surrogateBeta { c.surrogateBeta = surrogateBeta }
        if let spikeTiming { c.spikeTiming = spikeTiming }
        if let reset { c.reset = reset }
        if let adaptiveThreshold { c.adaptiveThreshold = adaptiveThreshold }
        if let thresholdTauMs { c.thresholdTauMs = thresholdTauMs }
        if let readout { c.readout = readout }
        if dales { c.dales = true }
        if let ieRatio { c.ieRatio = ieRatio }
        if let daleMask { c.daleMask = daleMask }
        if let excitatory { c.excitatory = excitatory }
    }

    /// Whether an option that sets a time constant was given (it replaces learned ones).
    var setsTimeConstants: Bool { tauMs != nil || tauHiddenMs != nil || tauOutputMs != nil }
}

/// The options of learned synaptic delays (DCLS) and their training schedule.
struct DelayOptions: ParsableArguments {
    @Option(help: "Learned synaptic delays: none, dcls (both weight layers, the DCLS notebook's) or dcls-input (input layer only).")
    var delays: ExperimentConfig.DelayMode?
    @Option(parsing: .unconditional, help: "Longest learned delay in ms; kernels have max-delay / dt taps, made odd (default \(d.maxDelayMs)).")
    var maxDelayMs: Double?
    @Option(parsing: .unconditional, help: "Gaussian width of the delay kernels at the start, in steps (default: taps / 2, i.e. 15).")
    var delaySigmaStart: Double?
    @Option(parsing: .unconditional, help: "Width the schedule shrinks the Gaussian to (default \(d.delaySigmaFloor)).") var delaySigmaFloor: Double?
    @Option(parsing: .unconditional, help: "Epochs over which the width shrinks geometrically (default: epochs / 4, i.e. 37).")
    var delaySigmaEpochs: Int?
    @Option(parsing: .unconditional, help: "Standard deviation of the initial delay positions in steps (default \(d.delayPositionSd)).")
    var delayPositionSd: Double?
    @Option(parsing: .unconditional, help: "Adam learning rate of the delay positions (default \(d.positionLr)).") var positionLr: Double?
    @Option(help: "Positions' learning-rate schedule: cosine (annealed to 0 over the epochs, the notebook's) or constant.")
    var positionSchedule: ExperimentConfig.PositionSchedule?
    @Option(help: "Weights' learning-rate schedule: constant or one-cycle (peak --lr; default one-cycle with delays, else constant).")
    var lrSchedule: ExperimentConfig.LRSchedule?
    @Option(parsing: .unconditional, help: "One-cycle: share of the epochs rising to the peak (default \(d.oneCyclePctStart)).") var oneCyclePctStart: Double?
    @Option(parsing: .unconditional, help: "One-cycle: peak / starting learning rate (default \(d.oneCycleDivFactor)).") var oneCycleDivFactor: Double?
    @Option(parsing: .unconditional, help: "One-cycle: starting / final learning rate (default \(d.oneCycleFinalDivFactor)).")
    var oneCycleFinalDivFactor: Double?
    @Option(parsing: .unconditional, help: "One-cycle: Adam beta1 at the peak (default \(d.oneCycleBeta1Min)).") var oneCycleBeta1Min: Double?
    @Option(parsing: .unconditional, help: "One-cycle: Adam beta1 at the start and end (default \(d.oneCycleBeta1Max)).") var oneCycleBeta1Max: Double?
    @Option(help: "Weight initialisation: notebook (uniform +-1/sqrt(columns)) or kaiming (+-sqrt(6/inputs); default with delays).")
    var weightInit: ExperimentConfig.WeightInit?

    func apply(to c: inout ExperimentConfig) {
        if let delays { c.delays = delays }
        if let maxDelayMs { c.maxDelayMs = maxDelayMs }
        if let delaySigmaStart { c.delaySigmaStart = delaySigmaStart }
        if let delaySigmaFloor { c.delaySigmaFloor = delaySigmaFloor }
        if let delaySigmaEpochs { c.delaySigmaEpochs = delaySigmaEpochs }
        if let delayPositionSd { c.delayPositionSd = delayPositionSd }
        if let positionLr { c.positionLr = positionLr }
        if let positionSchedule { c.positionSchedule = positionSchedule }
        if let lrSchedule { c.lrSchedule = lrSchedule }
        if let oneCyclePctStart { c.oneCyclePctStart = oneCyclePctStart }
        if let oneCycleDivFactor { c.oneCycleDivFactor = oneCycleDivFactor }
        if let oneCycleFinalDivFactor { c.oneCycleFinalDivFactor = oneCycleFinalDivFactor }
        if let oneCycleBeta1Min { c.oneCycleBeta1Min = oneCycleBeta1Min }
        if let oneCycleBeta1Max { c.oneCycleBeta1Max = oneCycleBeta1Max }
        if let weightInit { c.weightInit = weightInit }
    }
}

/// The options that set an ``ExperimentConfig`` for training: a preset (or the seed notebook's
/// configuration) with every given option applied on top.
struct ExperimentOptions: ParsableArguments {
    @Option(help: "Start from a preset: paper-basic (the paper's basic model) or dcls (learned delays, the DCLS notebook). Options given explicitly override it.")
    var preset: ExperimentConfig.Preset?
    @OptionGroup(title: "Stimulus") var stimulus: StimulusOptions
    @OptionGroup(title: "Network") var network: NetworkOptions
    @OptionGroup(title: "Learned delays (DCLS)") var delayOptions: DelayOptions
    @Option(parsing: .unconditional, help: "Maximum number of training epochs (default \(d.epochs)).") var epochs: Int?
    @Option(parsing: .unconditional, help: "Adam learning rate (default \(d.lr)).") var lr: Double?
    @Option(parsing: .unconditional, help: "Samples per batch (default \(d.batchSize)).") var batchSize: Int?
    @Option(parsing: .unconditional, help: "Training batches per epoch; training set = batch-size x train-batches (default \(d.trainBatches)).") var trainBatches: Int?
    @Option(parsing: .unconditional, help: "Validation batches (default \(d.validationBatches), as many as training batches in the notebook).") var validationBatches: Int?
    @Option(parsing: .unconditional, help: "Batches per test set (default \(d.testBatches)).") var testBatches: Int?
    @Option(parsing: .unconditional, help: "Seed of every random number of the run (default \(d.seed)).") var seed: UInt64?
    @Option(parsing: .unconditional, help: "Factor on the score in the loss (default 0.01 for sum and spike-count read-outs, 1 for mean, max, last).")
    var outputScale: Float?
    @Option(parsing: .unconditional, help: "Adam beta1 (default \(d.adamBeta1)).") var adamBeta1: Double?
    @Option(parsing: .unconditional, help: "Adam beta2 (default \(d.adamBeta2)).") var adamBeta2: Double?
    @Option(parsing: .unconditional, help: "Adam epsilon (default \(d.adamEpsilon)).") var adamEpsilon: Double?
    @Option(help: "Early stopping: on (the notebook's rule) or off.") var earlyStop: OnOff?
    @Option(parsing: .unconditional, help: "Early stopping window in epochs (default \(d.earlyStopWindow)).") var earlyStopWindow: Int?
    @Option(parsing: .unconditional, help: "Check early stopping only after this (0-based) epoch (default \(d.earlyStopAfter)).") var earlyStopAfter: Int?
    @Option(help: "Weights to test and save: best (lowest validation loss) or final (what the notebook tests without Dale's law).")
    var testWeights: ExperimentConfig.TestWeights?
    @Flag(help: "Train per-neuron membrane time constants of both layers.") var learnTau = false
    @Flag(help: "Flush subnormal floats to zero in the network's arithmetic: trained networks train about twice as fast; results differ from the exact (default) ones in tiny terms.") var flushSubnormals = false
    @Option(parsing: .unconditional, help: "Bound of the uniform initial input weights (default 1/sqrt(hidden)).") var w1Bound: Double?
    @Option(parsing: .unconditional, help: "Bound of the uniform initial read-out weights (default 1/sqrt(classes)).") var w2Bound: Double?
    @Option(parsing: .unconditional, help: "Weight C of the paper's firing-rate penalty (ln 12 = 2.4849 in the paper; default 0: off).") var ratePenalty: Double?
    @Option(parsing: .unconditional, help: "Hidden rate below which the penalty charges nothing, Hz (default \(d.penaltyRateMinHz)).") var penaltyRateMinHz: Double?
    @Option(parsing: .unconditional, help: "Hidden rate at which the penalty charges C, Hz (default \(d.penaltyRateMaxHz)).") var penaltyRateMaxHz: Double?
    @Option(parsing: .unconditional, help: "Phase-delay noise of the training and validation sets, radians (default 0).") var phaseJitter: Double?
    @Option(parsing: .unconditional, help: "Inverted dropout of hidden spikes during training, probability in [0, 1) (default 0).") var hiddenDropout: Double?

    /// The configuration, validated for a command that evaluates `testSets` test sets on
    /// `threads` threads (see ``ExperimentConfig/validate(testSets:testSetsOption:threads:memoryLimit:)``).
    func config(testSets: Int = 1, threads: Int? = nil) throws -> ExperimentConfig {
        var c = preset.map(ExperimentConfig.preset) ?? ExperimentConfig()
        stimulus.apply(to: &c)
        network.apply(to: &c)
        delayOptions.apply(to: &c)
        if let epochs { c.epochs = epochs }
        if let lr { c.lr = lr }
        if let batchSize { c.batchSize = batchSize }
        if let trainBatches { c.trainBatches = trainBatches }
        if let validationBatches { c.validationBatches = validationBatches }
        if let testBatches { c.testBatches = testBatches }
        if let seed { c.seed = seed }
        if let outputScale {
            c.outputScale = outputScale
        } else if network.readout != nil {
            c.outputScale = [.sum, .spikeCount].contains(c.readout) ? 0.01 : 1
        }
        if let adamBeta1 { c.adamBeta1 = adamBeta1 }
        if let adamBeta2 { c.adamBeta2 = adamBeta2 }
        if let adamEpsilon { c.adamEpsilon = adamEpsilon }
        if let earlyStop { c.earlyStop = earlyStop == .on }
        if let earlyStopWindow { c.earlyStopWindow = earlyStopWindow }
        if let earlyStopAfter { c.earlyStopAfter = earlyStopAfter }
        if let testWeights { c.testWeights = testWeights }
        if learnTau { c.learnTau = true }
        if flushSubnormals { c.flushSubnormals = true }
        if let w1Bound { c.w1Bound = w1Bound }
        if let w2Bound { c.w2Bound = w2Bound }
        if let ratePenalty { c.ratePenalty = ratePenalty }
        if let penaltyRateMinHz { c.penaltyRateMinHz = penaltyRateMinHz }
        if let penaltyRateMaxHz { c.penaltyRateMaxHz = penaltyRateMaxHz }
        if let phaseJitter { c.phaseJitter = phaseJitter }
        if let hiddenDropout { c.hiddenDropout = hiddenDropout }
        try c.validate(testSets: testSets, threads: threads)
        return c
    }
}

/// A switch given as `on` or `off`.
enum OnOff: String, ExpressibleByArgument, CaseIterable {
    case on, off
}

extension ExperimentConfig.TestWeights: ExpressibleByArgument {}
extension ExperimentConfig.Envelope: ExpressibleByArgument {}
extension ExperimentConfig.OffsetMode: ExpressibleByArgument {}
extension ExperimentConfig.DaleMaskKind: ExpressibleByArgument {}
extension ExperimentConfig.Excitatory: ExpressibleByArgument {}
extension ExperimentConfig.Preset: ExpressibleByArgument {}
extension ExperimentConfig.PhaseDelays: ExpressibleByArgument {}
extension ExperimentConfig.DelayMode: ExpressibleByArgument {}
extension ExperimentConfig.PositionSchedule: ExpressibleByArgument {}
extension ExperimentConfig.LRSchedule: ExpressibleByArgument {}
extension ExperimentConfig.WeightInit: ExpressibleByArgument {}
extension SpikeTiming: ExpressibleByArgument {}
extension ResetRule: ExpressibleByArgument {}
extension Readout.Kind: ExpressibleByArgument {}

/// `--threads`, shared by the commands that compute.
struct ThreadOptions: ParsableArguments {
    @Option(parsing: .unconditional, help: "Worker threads (default: all cores). Results are identical for any value.")
    var threads: Int?

    func count() throws -> Int {
        if let threads {
            guard threads > 0 else { throw ConfigError(option: "--threads", message: "must be a positive whole number, got \(threads)") }
            guard threads <= ExperimentConfig.Limits.threads else {
                throw ConfigError(option: "--threads", message: "must be at most \(ExperimentConfig.Limits.threads), got \(threads)")
            }
            return threads
        }
        return ParallelChunks.availableCores
    }
}
