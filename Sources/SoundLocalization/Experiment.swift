import Foundation
import SpikingCore

/// The sound-localisation experiment of a configuration: its stimulus, its data sets, its
/// initial network and its loss, all derived from the configuration and its seed.
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
        var training = IPDDataset.random(count: config.trainSamples, ipdGenerator: &g,
                                         noise: Self.noise(seed: config.seed, set: 1))
        g = RandomStream.validationIPDs.generator(seed: config.seed)
        var validation = IPDDataset.random(count: config.validationSamples, ipdGenerator: &g,
                                           noise: Self.noise(seed: config.seed, set: 2))
        if config.phaseJitter > 0 {
            var j = RandomStream.trainJitter.generator(seed: config.seed)
            training.phaseJitter = IPDDataset.jitter(count: config.inputs, sigma: config.phaseJitter, using: &j)
            j = RandomStream.validationJitter.generator(seed: config.seed)
            validation.phaseJitter = IPDDataset.jitter(count: config.inputs, sigma: config.phaseJitter, using: &j)
        }
        if config.offsetMode == .sample {
            var o = RandomStream.trainSampleOffsets.generator(seed: config.seed)
            training.sampleOffsets = (0 ..< training.count).map { _ in o.nextUnitDouble() }
            o = RandomStream.validationSampleOffsets.generator(seed: config.seed)
            validation.sampleOffsets = (0 ..< validation.count).map { _ in o.nextUnitDouble() }
        }
        trainingSet = training
        validationSet = validation
    }

    /// Test set number `index` drawn from `seed`: its own IPDs, uniforms and phase offset (or
    /// per-sample offsets), with phase-delay noise of `phaseJitter` radians if asked (test sets
    /// are clean by default, as in Noise_robustness).
    public func testSet(seed: UInt64, index: Int, phaseJitter: Double = 0) -> (data: IPDDataset, offset: Double) {
        var g = RandomStream.testIPDs.generator(seed: seed, index)
        var data = IPDDataset.random(count: config.testSamples, ipdGenerator: &g,
                                     noise: Self.noise(seed: seed, set: 3 + UInt64(index)))
        if phaseJitter > 0 {
            var j = RandomStream.testJitter.generator(seed: seed, index)
            data.phaseJitter = IPDDataset.jitter(count: config.inputs, sigma: phaseJitter, using: &j)
        }
        if config.offsetMode == .sample {
            var o = RandomStream.testSampleOffsets.generator(seed: seed, index)
            data.sampleOffsets = (0 ..< data.count).map { _ in o.nextUnitDouble() }
        }
        return (data, RandomStream.testOffset.unitDouble(seed: seed, index))
    }

    /// The fixed noise of data set `set` of a seed: 1 training, 2 validation, 3 + i test set i,
    /// 0 the report's examples. Sets of one seed never share noise (``FixedNoise``).
    public static func noise(seed: UInt64, set: UInt64) -> FixedNoise {
        FixedNoise(key: RandomStream.trainUniforms.key(seed: seed), set: set)
    }

    /// The phase offset of the training spikes of epoch `epoch` (``ExperimentConfig/OffsetMode``;
    /// ignored in `sample` mode, where the data set carries one per sample).
    public func trainingOffset(epoch: Int) -> Double {
        config.offsetMode == .epoch
            ? RandomStream.trainOffset.unitDouble(seed: config.seed, epoch) : RandomStream.trainOffset.unitDouble(seed: config.seed)
    }

    /// The phase offset of the validation spikes of epoch `epoch`.
    public func validationOffset(epoch: Int) -> Double {
        config.offsetMode == .epoch
            ? RandomStream.validationOffset.unitDouble(seed: config.seed, epoch)
            : RandomStream.validationOffset.unitDouble(seed: config.seed)
    }

    /// The offset the training accuracy is measured with: a fresh one when offsets change every
    /// epoch, else the training set's own.
    public var trainEvaluationOffset: Double {
        config.offsetMode == .epoch ? RandomStream.trainEvaluationOffset.unitDouble(seed: config.seed) : trainingOffset(epoch: 0)
    }

    /// The hidden neuron model of the configuration.
    public var hiddenNeuron: any NeuronModel {
        let surrogate = SigmoidSurrogate(beta: config.surrogateBeta)
        guard config.adaptiveThreshold > 0 else {
            return LIFNeuron(threshold: config.threshold, timing: config.spikeTiming, reset: config.reset, surrogate: surrogate)
        }
        return AdaptiveLIFNeuron(threshold: config.threshold, beta: Float(config.adaptiveThreshold),
                                 rho: Float(exp(-config.dtMs / config.adaptationTauMs)),
                                 timing: config.spikeTiming, reset: config.reset, surrogate: surrogate)
    }

    /// The network's initial weights: uniform in `(-bound, bound)`, by default `1/sqrt(fan)` where
    /// `fan` is what PyTorch's `_calculate_fan_in_and_fan_out` reports for the notebook's
    /// `(in, out)` tensors, i.e. their second dimension (hidden for w1, classes for w2).
    /// With ``ExperimentConfig/WeightInit-swift.enum/kaiming`` (the default with delays) the bounds
    /// are `sqrt(6 / fan_in)`, `fan_in` the layer's inputs; delay positions start from
    /// `N(0, delayPositionSd)` (clamped to the kernel).
    public func initialNetwork() -> SpikingNetwork {
        var g = RandomStream.initialWeights.generator(seed: config.seed)
        let kaiming = config.effectiveWeightInit == .kaiming
        let bound1 = config.w1Bound ?? (kaiming ? (6 / Double(config.inputs)).squareRoot() : 1 / Double(config.hidden).squareRoot())
        let bound2 = config.w2Bound ?? (kaiming ? (6 / Double(config.hidden)).squareRoot() : 1 / Double(config.classes).squareRoot())
        let w1 = Matrix.uniform(rows: config.inputs, columns: config.hidden, bound: Float(bound1), using: &g)
        let w2 = Matrix.uniform(rows: config.hidden, columns: config.classes, bound: Float(bound2), using: &g)
        var p = RandomStream.delayPositions.generator(seed: config.seed)
        let p1 = config.inputDelays ? initialPositions(rows: config.inputs, columns: config.hidden, using: &p) : nil
        let p2 = config.readoutDelays ? initialPositions(rows: config.hidden, columns: config.classes, using: &p) : nil
        return network(w1: w1, w2: w2, positions: (p1, p2))
    }

    private func initialPositions(rows: Int, columns: Int, using g: inout Xoshiro256StarStar) -> Matrix {
        let m = Double(config.delayTaps / 2)
        let values = IPDDataset.jitter(count: rows * columns, sigma: config.delayPositionSd, using: &g)
        return Matrix(rows: rows, columns: columns, values: values.map { Float(min(max($0, -m), m)) })
    }

    /// A network of this configuration over given raw weights, with its constraints (Dale's law,
    /// excitatory-only weights) and learnable time constants as configured.
    /// `positions` are the delay positions of the layers that have delays (``ExperimentConfig/delays``).
    public func network(w1: Matrix, w2: Matrix, positions: (Matrix?, Matrix?) = (nil, nil)) -> SpikingNetwork {
        var constraints: (ParameterConstraint, ParameterConstraint) = (.none, .none)
        if config.dales {
            var g = RandomStream.daleMask.generator(seed: config.seed)
            let signs = config.daleMask == .contiguous
                ? (DaleMask.contiguous(rows: config.inputs, ieRatio: config.ieRatio),
                   DaleMask.contiguous(rows: config.hidden, ieRatio: config.ieRatio))
                : (DaleMask.random(rows: config.inputs, ieRatio: config.ieRatio, using: &g),
                   DaleMask.random(rows: config.hidden, ieRatio: config.ieRatio, using: &g))
            constraints = (.signedRows(signs.0), .signedRows(signs.1))
        }
        if config.excitatory.inputs { constraints.0 = .nonNegative }
        if config.excitatory.hidden { constraints.1 = .nonNegative }
        return network(w1: w1, w2: w2, constraints: constraints, positions: positions)
    }

    /// A network of this configuration that uses given *effective* weights as they are (no
    /// constraints): how a saved model is run.
    public func network(effectiveW1 w1: Matrix, effectiveW2 w2: Matrix, positions: (Matrix?, Matrix?) = (nil, nil)) -> SpikingNetwork {
        network(w1: w1, w2: w2, constraints: (.none, .none), positions: positions)
    }

    private func network(w1: Matrix, w2: Matrix, constraints: (ParameterConstraint, ParameterConstraint),
                         positions: (Matrix?, Matrix?)) -> SpikingNetwork {
        let taps = config.delayTaps, sigma = config.delaySigma(epoch: 0)
        func delays(_ p: Matrix?, rows: Int, columns: Int, _ on: Bool) -> DelaySynapse? {
            guard on else { return nil }
            return DelaySynapse(positions: p ?? Matrix(rows: rows, columns: columns), taps: taps, sigma: sigma)
        }
        let layer = SpikingLayer(neuron: hiddenNeuron, weights: w1, weightConstraint: constraints.0,
                                 tauMs: [Float(config.hiddenTauMs)], learnTau: config.learnTau,
                                 delays: delays(positions.0, rows: config.inputs, columns: config.hidden, config.inputDelays))
        let outputNeuron = config.readout == .spikeCount
            ? LIFNeuron(threshold: config.threshold, timing: config.spikeTiming, reset: config.reset,
                        surrogate: SigmoidSurrogate(beta: config.surrogateBeta)) : nil
        let readout = Readout(kind: config.readout, weights: w2, weightConstraint: constraints.1,
                              tauMs: [Float(config.outputTauMs)], learnTau: config.learnTau, neuron: outputNeuron,
                              delays: delays(positions.1, rows: config.hidden, columns: config.classes, config.readoutDelays))
        return SpikingNetwork(inputs: config.inputs, layers: [layer], readout: readout, steps: config.steps, dtMs: config.dtMs)
    }

    /// The training loss of the configuration.
    public var loss: ClassificationLoss {
        ClassificationLoss(
            outputScale: config.outputScale,
            ratePenalty: config.ratePenalty > 0
                ? RatePenalty(weight: Float(config.ratePenalty), minHz: Float(config.penaltyRateMinHz), maxHz: Float(config.penaltyRateMaxHz))
                : nil)
    }

    /// The dropout of training batch `batch` of epoch `epoch`, if configured.
    public func dropout(epoch: Int, batch: Int) -> Dropout? {
        config.hiddenDropout > 0
            ? Dropout(probability: config.hiddenDropout, key: RandomStream.dropout.key(seed: config.seed, epoch, batch)) : nil
    }
}
