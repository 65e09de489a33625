import Foundation
import SpikingCore

/// Something that happened during training, for progress displays and logs.
public enum TrainingEvent: Sendable {
    /// A training batch finished (`batch` of `batches`, 0-based) with its loss.
    case batch(epoch: Int, batch: Int, batches: Int, loss: Double)
    /// An epoch finished; `improved` when its validation loss is the best so far.
    case epoch(epoch: Int, trainLoss: Double, validationLoss: Double, improved: Bool, seconds: Double)
    /// Early stopping triggered after `epoch`; the best epoch was `bestEpoch`.
    case earlyStop(epoch: Int, bestEpoch: Int)
}

/// Why training stopped before it was finished.
public enum TrainingError: Error, CustomStringConvertible, Equatable {
    /// The loss or a weight became NaN or infinite at `epoch`, `batch` (both 0-based).
    case nonFinite(epoch: Int, batch: Int, what: String)
    /// A stop was requested (signal); the state is that of the last completed epoch.
    case interrupted(afterEpochs: Int)

    public var description: String {
        switch self {
        case let .nonFinite(epoch, batch, what):
            return "training diverged: the \(what) became NaN or infinite at epoch \(epoch + 1), batch \(batch + 1); try a smaller --lr"
        case let .interrupted(epochs):
            return "training interrupted after \(epochs) complete epochs"
        }
    }
}

/// The notebook's training loop (`train`): every epoch the training spikes are rebuilt over the
/// fixed uniforms with a new phase offset, the samples are shuffled into batches, Adam takes a
/// step per batch on the NLL of `log_softmax(outputScale * scores)`, the validation loss is
/// measured on the validation set (also with a new offset), the best weights are copied, and
/// training stops early when the oldest of the last `earlyStopWindow` validation losses is the
/// lowest (checked after epoch `earlyStopAfter`).
public struct Trainer {
    /// The experiment.
    public let experiment: Experiment
    /// The engine that runs the network.
    public let engine: NetworkEngine

    /// A trainer for an experiment, running on `engine`.
    public init(experiment: Experiment, engine: NetworkEngine) {
        self.experiment = experiment
        self.engine = engine
    }

    /// The state before the first epoch: the initial network and a fresh optimiser.
    public func initialState() -> TrainingState {
        let c = experiment.config
        let network = experiment.initialNetwork()
        return TrainingState(
            network: network,
            optimizer: Adam(learningRate: c.lr, beta1: c.adamBeta1, beta2: c.adamBeta2, epsilon: c.adamEpsilon),
            positionOptimizer: network.hasDelays ? Adam(learningRate: c.positionLr) : nil)
    }


    /// Trains one epoch. `shouldStop` is asked after every batch; when it answers true the epoch
    /// is abandoned and ``TrainingError/interrupted(afterEpochs:)`` thrown, `state` untouched.
    /// Throws ``TrainingError/nonFinite(epoch:batch:what:)`` (state untouched) on divergence.
    /// The epoch runs (`observe` included) with subnormal floats flushed to zero when the
    /// configuration asks for it (``ExperimentConfig/flushSubnormals``, ``SubnormalMode``).
    public func runEpoch(
        _ state: inout TrainingState, observe: (TrainingEvent) -> Void = { _ in }, shouldStop: () -> Bool = { false }
    ) throws {
        try SubnormalMode.flushingToZero(experiment.config.flushSubnormals) {
            try epoch(&state, observe: observe, shouldStop: shouldStop)
        }
    }

    /// The work of ``runEpoch(_:observe:shouldStop:)``, which sets the floating-point mode.
    private func epoch(_ state: inout TrainingState, observe: (TrainingEvent) -> Void, shouldStop: () -> Bool) throws {
        let c = experiment.config
        let e = state.epoch
        let start = DispatchTime.now().uptimeNanoseconds
        var next = state
        next.applySchedules(of: c, epoch: e)
        let labels = experiment.trainingSet.labels(experiment.classes)
        var order = Array(0 ..< experiment.trainingSet.count)
        var g = RandomStream.shuffle.generator(seed: c.seed, e)
        order.fisherYatesShuffle(using: &g)
        var losses: [Double] = []
        var raster = SpikeRaster(samples: 0, steps: 0, channels: 0)
        for b in 0 ..< c.trainBatches {
            let samples = Array(order[b * c.batchSize ..< (b + 1) * c.batchSize])
            // the spikes of the next few batches (not the whole epoch's: memory), each sample with
            // the spikes it has in the whole set
            let block = b % Experiment.batchesPerStimulus
            if block == 0 {
                let end = min(c.trainBatches, b + Experiment.batchesPerStimulus) * c.batchSize
                raster = experiment.stimulus.spikes(for: experiment.trainingSet, samples: Array(order[b * c.batchSize ..< end]),
                                                    offset: experiment.trainingOffset(epoch: e), threads: engine.threads)
            }
            let result = engine.lossAndGradients(next.network, raster: raster,
                                                 samples: Array(block * c.batchSize ..< (block + 1) * c.batchSize),
                                                 labels: samples.map { labels[$0] }, loss: experiment.loss,
                                                 dropout: experiment.dropout(epoch: e, batch: b))
            guard result.loss.isFinite else { throw TrainingError.nonFinite(epoch: e, batch: b, what: "loss") }
            next.step(result)
            guard next.network.isFinite else { throw TrainingError.nonFinite(epoch: e, batch: b, what: "weights") }
            losses.append(result.loss)
            observe(.batch(epoch: e, batch: b, batches: c.trainBatches, loss: result.loss))
            if shouldStop() { throw TrainingError.interrupted(afterEpochs: state.epoch) }
        }
        let validation = validationLoss(next.network, epoch: e)
        guard validation.isFinite else { throw TrainingError.nonFinite(epoch: e, batch: c.trainBatches - 1, what: "validation loss") }
        let trainLoss = losses.reduce(0, +) / Double(losses.count)
        next.trainLoss.append(trainLoss)
        next.validationLoss.append(validation)
        let improved = validation < next.bestValidationLoss
        if improved {
            next.bestValidationLoss = validation
            next.best = next.network  // a copy: the notebook keeps a reference here (see README)
            next.bestEpoch = e
        }
        next.epoch = e + 1
        let seconds = Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9
        next.epochSeconds.append(seconds)
        observe(.epoch(epoch: e, trainLoss: trainLoss, validationLoss: validation, improved: improved, seconds: seconds))
        if c.earlyStop, Self.shouldStopEarly(validationLoss: next.validationLoss, window: c.earlyStopWindow, after: c.earlyStopAfter) {
            next.earlyStopEpoch = e
            observe(.earlyStop(epoch: e, bestEpoch: next.bestEpoch ?? e))
        }
        state = next
    }

    /// The notebook's rule, checked after each epoch `e = validationLoss.count - 1`: stop when
    /// `e > after` and `argmin(validationLoss[-window:]) == 0`, i.e. the oldest of the last
    /// `window` losses is the lowest (ties go to the oldest, like `argmin`).
    public static func shouldStopEarly(validationLoss: [Double], window: Int, after: Int) -> Bool {
        let recent = validationLoss.suffix(window)
        guard validationLoss.count - 1 > after, let oldest = recent.first else { return false }
        return recent.allSatisfy { oldest <= $0 }
    }

    /// The notebook's validation loss: the mean over validation batches of each batch's mean loss
    /// (delays with the evaluation kernel, ``DelaySynapse/Kernel-swift.enum/max``).
    public func validationLoss(_ network: SpikingNetwork, epoch: Int) -> Double {
        let c = experiment.config
        let data = experiment.validationSet
        let scores = experiment.scores(network, on: data, offset: experiment.validationOffset(epoch: epoch), engine: engine)
        let labels = data.labels(experiment.classes)
        var total = 0.0
        for b in 0 ..< c.validationBatches {
            var batch = 0.0
            for n in b * c.batchSize ..< (b + 1) * c.batchSize {
                let logits = (0 ..< c.classes).map { c.outputScale * scores.values[n * c.classes + $0] }
                batch += Double(SoftmaxCrossEntropy.loss(logits: logits, label: labels[n]))
            }
            total += batch / Double(c.batchSize)
        }
        return total / Double(c.validationBatches)
    }

    /// The weights a finished run tests and saves (``ExperimentConfig/testWeights``).
    public func finalNetwork(_ state: TrainingState) -> SpikingNetwork {
        experiment.config.testWeights == .best && state.bestEpoch != nil ? state.best : state.network
    }
}
