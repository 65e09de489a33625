import ArgumentParser
import SoundLocalization
import SpikingCore

/// The options that set an ``ExperimentConfig``; every default is the notebook's value.
struct ExperimentOptions: ParsableArguments {
    private static let d = ExperimentConfig()

    @Option(help: "Maximum number of training epochs.") var epochs = d.epochs
    @Option(help: "Adam learning rate.") var lr = d.lr
    @Option(help: "Samples per batch.") var batchSize = d.batchSize
    @Option(help: "Training batches per epoch (training set = batch-size x train-batches).") var trainBatches = d.trainBatches
    @Option(help: "Validation batches (the notebook uses as many as training batches).") var validationBatches = d.validationBatches
    @Option(help: "Batches per test set.") var testBatches = d.testBatches
    @Option(help: "Hidden LIF neurons.") var hidden = d.hidden
    @Option(help: "Membrane time constant in ms (both layers).") var tauMs = d.tauMs
    @Flag(help: "Constrain weights by Dale's law.") var dales = false
    @Option(help: "Share of inhibitory rows under Dale's law, in [0, 1].") var ieRatio = d.ieRatio
    @Option(help: "Auditory nerve fibres per ear (inputs = 2 x this).") var anfPerEar = d.anfPerEar
    @Option(help: "Seed of every random number of the run.") var seed = d.seed
    @Option(help: "Simulation time step in ms.") var dtMs = d.dtMs
    @Option(help: "Stimulus duration in ms.") var durationMs = d.durationMs
    @Option(help: "Tone frequency in Hz.") var stimulusFrequencyHz = d.stimulusFrequencyHz
    @Option(help: "Peak Poisson rate in Hz.") var rateMaxHz = d.rateMaxHz
    @Option(help: "Exponent of the firing envelope.") var envelopePower = d.envelopePower
    @Option(help: "IPD classes over (-90, 90) degrees.") var classes = d.classes
    @Option(help: "Firing threshold of the hidden neurons.") var threshold = d.threshold
    @Option(help: "Steepness of the sigmoid surrogate gradient.") var surrogateBeta = d.surrogateBeta
    @Option(help: "Factor on the summed output in the training loss.") var outputScale = d.outputScale
    @Option(help: "Adam beta1.") var adamBeta1 = d.adamBeta1
    @Option(help: "Adam beta2.") var adamBeta2 = d.adamBeta2
    @Option(help: "Adam epsilon.") var adamEpsilon = d.adamEpsilon
    @Option(help: "Early stopping window in epochs.") var earlyStopWindow = d.earlyStopWindow
    @Option(help: "Check early stopping only after this (0-based) epoch.") var earlyStopAfter = d.earlyStopAfter
    @Option(help: "Weights to test and save: best (lowest validation loss) or final (what the notebook tests without Dale's law).")
    var testWeights = d.testWeights

    /// The configuration, validated.
    func config() throws -> ExperimentConfig {
        var c = ExperimentConfig()
        c.epochs = epochs; c.lr = lr; c.batchSize = batchSize; c.trainBatches = trainBatches
        c.validationBatches = validationBatches; c.testBatches = testBatches; c.hidden = hidden; c.tauMs = tauMs
        c.dales = dales; c.ieRatio = ieRatio; c.anfPerEar = anfPerEar; c.seed = seed; c.dtMs = dtMs
        c.durationMs = durationMs; c.stimulusFrequencyHz = stimulusFrequencyHz; c.rateMaxHz = rateMaxHz
        c.envelopePower = envelopePower; c.classes = classes; c.threshold = threshold; c.surrogateBeta = surrogateBeta
        c.outputScale = outputScale; c.adamBeta1 = adamBeta1; c.adamBeta2 = adamBeta2; c.adamEpsilon = adamEpsilon
        c.earlyStopWindow = earlyStopWindow; c.earlyStopAfter = earlyStopAfter; c.testWeights = testWeights
        try c.validate()
        return c
    }
}

extension ExperimentConfig.TestWeights: ExpressibleByArgument {}

/// `--threads`, shared by the commands that compute.
struct ThreadOptions: ParsableArguments {
    @Option(help: "Worker threads (default: all cores). Results are identical for any value.")
    var threads: Int?

    func count() throws -> Int {
        if let threads {
            guard threads > 0 else { throw ConfigError(option: "--threads", message: "must be a positive whole number, got \(threads)") }
            return threads
        }
        return ParallelChunks.availableCores
    }
}
