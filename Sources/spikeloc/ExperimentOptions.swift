import ArgumentParser
import SoundLocalization
import SpikingCore

/// The options that set an ``ExperimentConfig``; every default is the notebook's value.
struct ExperimentOptions: ParsableArguments {
    private static let d = ExperimentConfig()

    @Option(parsing: .unconditional, help: "Maximum number of training epochs.") var epochs = d.epochs
    @Option(parsing: .unconditional, help: "Adam learning rate.") var lr = d.lr
    @Option(parsing: .unconditional, help: "Samples per batch.") var batchSize = d.batchSize
    @Option(parsing: .unconditional, help: "Training batches per epoch (training set = batch-size x train-batches).") var trainBatches = d.trainBatches
    @Option(parsing: .unconditional, help: "Validation batches (the notebook uses as many as training batches).") var validationBatches = d.validationBatches
    @Option(parsing: .unconditional, help: "Batches per test set.") var testBatches = d.testBatches
    @Option(parsing: .unconditional, help: "Hidden LIF neurons.") var hidden = d.hidden
    @Option(parsing: .unconditional, help: "Membrane time constant in ms (both layers).") var tauMs = d.tauMs
    @Flag(help: "Constrain weights by Dale's law.") var dales = false
    @Option(parsing: .unconditional, help: "Share of inhibitory rows under Dale's law, in [0, 1].") var ieRatio = d.ieRatio
    @Option(parsing: .unconditional, help: "Auditory nerve fibres per ear (inputs = 2 x this).") var anfPerEar = d.anfPerEar
    @Option(parsing: .unconditional, help: "Seed of every random number of the run.") var seed = d.seed
    @Option(parsing: .unconditional, help: "Simulation time step in ms.") var dtMs = d.dtMs
    @Option(parsing: .unconditional, help: "Stimulus duration in ms.") var durationMs = d.durationMs
    @Option(parsing: .unconditional, help: "Tone frequency in Hz.") var stimulusFrequencyHz = d.stimulusFrequencyHz
    @Option(parsing: .unconditional, help: "Peak Poisson rate in Hz.") var rateMaxHz = d.rateMaxHz
    @Option(parsing: .unconditional, help: "Exponent of the firing envelope.") var envelopePower = d.envelopePower
    @Option(parsing: .unconditional, help: "IPD classes over (-90, 90) degrees.") var classes = d.classes
    @Option(parsing: .unconditional, help: "Firing threshold of the hidden neurons.") var threshold = d.threshold
    @Option(parsing: .unconditional, help: "Steepness of the sigmoid surrogate gradient.") var surrogateBeta = d.surrogateBeta
    @Option(parsing: .unconditional, help: "Factor on the summed output in the training loss.") var outputScale = d.outputScale
    @Option(parsing: .unconditional, help: "Adam beta1.") var adamBeta1 = d.adamBeta1
    @Option(parsing: .unconditional, help: "Adam beta2.") var adamBeta2 = d.adamBeta2
    @Option(parsing: .unconditional, help: "Adam epsilon.") var adamEpsilon = d.adamEpsilon
    @Option(parsing: .unconditional, help: "Early stopping window in epochs.") var earlyStopWindow = d.earlyStopWindow
    @Option(parsing: .unconditional, help: "Check early stopping only after this (0-based) epoch.") var earlyStopAfter = d.earlyStopAfter
    @Option(help: "Weights to test and save: best (lowest validation loss) or final (what the notebook tests without Dale's law).")
    var testWeights = d.testWeights

    /// The configuration, validated for a command that evaluates `testSets` test sets on
    /// `threads` threads (see ``ExperimentConfig/validate(testSets:testSetsOption:threads:memoryLimit:)``).
    func config(testSets: Int = 1, threads: Int? = nil) throws -> ExperimentConfig {
        var c = ExperimentConfig()
        c.epochs = epochs; c.lr = lr; c.batchSize = batchSize; c.trainBatches = trainBatches
        c.validationBatches = validationBatches; c.testBatches = testBatches; c.hidden = hidden; c.tauMs = tauMs
        c.dales = dales; c.ieRatio = ieRatio; c.anfPerEar = anfPerEar; c.seed = seed; c.dtMs = dtMs
        c.durationMs = durationMs; c.stimulusFrequencyHz = stimulusFrequencyHz; c.rateMaxHz = rateMaxHz
        c.envelopePower = envelopePower; c.classes = classes; c.threshold = threshold; c.surrogateBeta = surrogateBeta
        c.outputScale = outputScale; c.adamBeta1 = adamBeta1; c.adamBeta2 = adamBeta2; c.adamEpsilon = adamEpsilon
        c.earlyStopWindow = earlyStopWindow; c.earlyStopAfter = earlyStopAfter; c.testWeights = testWeights
        try c.validate(testSets: testSets, threads: threads)
        return c
    }
}

extension ExperimentConfig.TestWeights: ExpressibleByArgument {}

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
