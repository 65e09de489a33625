import Foundation
import SpikingCore

/// The sound-localisation experiment of a configuration: its stimulus, its data sets and its
/// initial network, all derived from the configuration and its seed.
public struct Experiment: Sendable {
    /// The configuration.
    public let config: ExperimentConfig
    /// The stimulus.
    public let stimulus: SoundStimulus
    /// The IPD classes.
    public let classes: IPDClasses
    /// The training set.
    public let trainingSet: IPDDataset
    /// The validation set (as large as the training set by default, as in the notebook).
    public let validationSet: IPDDataset

    /// The experiment of a valid configuration (see ``ExperimentConfig/validate()``).
    public init(_ config: ExperimentConfig) {
        self.config = config
        stimulus = SoundStimulus(config)
        classes = IPDClasses(count: config.classes)
        var g = RandomStream.trainIPDs.generator(seed: config.seed)
        trainingSet = .random(count: config.trainSamples, ipdGenerator: &g,
                              uniformsKey: RandomStream.trainUniforms.key(seed: config.seed))
        g = RandomStream.validationIPDs.generator(seed: config.seed)
        validationSet = .random(count: config.validationSamples, ipdGenerator: &g,
                                uniformsKey: RandomStream.validationUniforms.key(seed: config.seed))
    }

    /// Test set number `index` drawn from `seed`: its own IPDs, uniforms and phase offset.
    public func testSet(seed: UInt64, index: Int) -> (data: IPDDataset, offset: Double) {
        var g = RandomStream.testIPDs.generator(seed: seed, index)
        let data = IPDDataset.random(count: config.testSamples, ipdGenerator: &g,
                                     uniformsKey: RandomStream.testUniforms.key(seed: seed, index))
        return (data, RandomStream.testOffset.unitDouble(seed: seed, index))
    }

    /// The hidden neuron model of the configuration.
    public var hiddenNeuron: LIFNeuron {
        LIFNeuron(threshold: config.threshold, surrogate: SigmoidSurrogate(beta: config.surrogateBeta))
    }

    /// The network's initial weights: uniform in `(-1/sqrt(fan), 1/sqrt(fan))` where `fan` is
    /// what PyTorch's `_calculate_fan_in_and_fan_out` reports for the notebook's `(in, out)`
    /// tensors, i.e. their second dimension (hidden for w1, classes for w2).
    public func initialNetwork() -> SpikingNetwork {
        var g = RandomStream.initialWeights.generator(seed: config.seed)
        let w1 = Matrix.uniform(rows: config.inputs, columns: config.hidden,
                                bound: Float(1 / Double(config.hidden).squareRoot()), using: &g)
        let w2 = Matrix.uniform(rows: config.hidden, columns: config.classes,
                                bound: Float(1 / Double(config.classes).squareRoot()), using: &g)
        return network(w1: w1, w2: w2)
    }

    /// A network of this configuration over given weights (with Dale's-law signs if configured).
    public func network(w1: Matrix, w2: Matrix) -> SpikingNetwork {
        let signs = config.dales
            ? (w1: DaleMask.contiguous(rows: config.inputs, ieRatio: config.ieRatio),
               w2: DaleMask.contiguous(rows: config.hidden, ieRatio: config.ieRatio)) : nil
        return SpikingNetwork.notebook(w1: w1, w2: w2, tauMs: config.tauMs, dtMs: config.dtMs, steps: config.steps,
                                       neuron: hiddenNeuron, signs: signs)
    }

    /// A network of this configuration that uses given *effective* weights as they are (no signs):
    /// how a saved model is run.
    public func network(effectiveW1 w1: Matrix, effectiveW2 w2: Matrix) -> SpikingNetwork {
        SpikingNetwork.notebook(w1: w1, w2: w2, tauMs: config.tauMs, dtMs: config.dtMs, steps: config.steps, neuron: hiddenNeuron)
    }

    /// The training loss of the configuration.
    public var loss: ClassificationLoss { ClassificationLoss(outputScale: config.outputScale) }
}
