import Foundation
import SoundLocalization
import SpikingCore

/// The complete state of a training run between two epochs, saved after every epoch as
/// `checkpoint.safetensors`: the raw weights, the best weights and Adam's moments as tensors,
/// and the configuration, Adam's step and the loss histories as JSON in the metadata. Every
/// random number of an epoch derives from the seed and the epoch number (``RandomStream``), so
/// this is all a resumed run needs to continue bit-identically.
public struct Checkpoint: SafetensorsDocument, Sendable {
    /// The run's configuration.
    public var config: ExperimentConfig
    /// The training state.
    public var state: TrainingState

    /// A checkpoint of a state.
    public init(config: ExperimentConfig, state: TrainingState) {
        self.config = config
        self.state = state
    }

    /// The scalar part of the state, stored as JSON.
    private struct Progress: Codable {
        var epoch: Int
        var adamStep: Int
        var trainLoss: [Double]
        var validationLoss: [Double]
        var bestValidationLoss: Double
        var bestEpoch: Int?
        var earlyStopEpoch: Int?
        var epochSeconds: [Double]
        /// The positions' optimiser's step (networks with delays).
        var positionAdamStep: Int?
        /// The delays' Gaussian width (networks with delays).
        var delaySigma: Float?

        init(epoch: Int, adamStep: Int, trainLoss: [Double], validationLoss: [Double], bestValidationLoss: Double,
             bestEpoch: Int?, earlyStopEpoch: Int?, epochSeconds: [Double], positionAdamStep: Int?, delaySigma: Float?) {
            (self.epoch, self.adamStep, self.trainLoss, self.validationLoss) = (epoch, adamStep, trainLoss, validationLoss)
            (self.bestValidationLoss, self.bestEpoch, self.earlyStopEpoch, self.epochSeconds) = (bestValidationLoss, bestEpoch, earlyStopEpoch, epochSeconds)
            (self.positionAdamStep, self.delaySigma) = (positionAdamStep, delaySigma)
        }

        /// A missing key takes a default (what the other values imply); unknown keys are ignored.
        init(from decoder: Decoder) throws {
            let c = try decoder.container(keyedBy: CodingKeys.self)
            trainLoss = try c.decodeIfPresent([Double].self, forKey: .trainLoss) ?? []
            validationLoss = try c.decodeIfPresent([Double].self, forKey: .validationLoss) ?? []
            epoch = try c.decodeIfPresent(Int.self, forKey: .epoch) ?? trainLoss.count
            adamStep = try c.decodeIfPresent(Int.self, forKey: .adamStep) ?? 0
            bestValidationLoss = try c.decodeIfPresent(Double.self, forKey: .bestValidationLoss) ?? validationLoss.min() ?? .infinity
            bestEpoch = try c.decodeIfPresent(Int.self, forKey: .bestEpoch)
            earlyStopEpoch = try c.decodeIfPresent(Int.self, forKey: .earlyStopEpoch)
            epochSeconds = try c.decodeIfPresent([Double].self, forKey: .epochSeconds) ?? Array(repeating: 0, count: epoch)
            positionAdamStep = try c.decodeIfPresent(Int.self, forKey: .positionAdamStep)
            delaySigma = try c.decodeIfPresent(Float.self, forKey: .delaySigma)
        }
    }

    /// The safetensors form.
    public var safetensors: Safetensors {
        var tensors: [String: Safetensors.Tensor] = [:]
        for p in state.network.parameters { tensors[p.name] = .init(shape: p.shape, values: p.values) }
        for p in state.best.parameters { tensors["best_" + p.name] = .init(shape: p.shape, values: p.values) }
        let o = state.optimizer
        for p in state.network.parameters {  // names are unique: each has moments in one optimiser
            guard let m = o.moments[p.name] ?? state.positionOptimizer?.moments[p.name] else { continue }
            tensors["adam_m_" + p.name] = .init(shape: p.shape, values: m.first)
            tensors["adam_v_" + p.name] = .init(shape: p.shape, values: m.second)
        }
        let progress = Progress(
            epoch: state.epoch, adamStep: o.step, trainLoss: state.trainLoss, validationLoss: state.validationLoss,
            bestValidationLoss: state.bestValidationLoss, bestEpoch: state.bestEpoch, earlyStopEpoch: state.earlyStopEpoch,
            epochSeconds: state.epochSeconds, positionAdamStep: state.positionOptimizer?.step, delaySigma: state.network.delaySigma)
        return Safetensors(tensors: tensors, metadata: [
            "format": "spikeloc-checkpoint", "format_version": String(SpikelocFormat.version), "spikeloc_version": SpikelocVersion.current,
            "spikeloc_config": String(decoding: JSONFiles.encode(config), as: UTF8.self),
            "spikeloc_progress": String(decoding: JSONFiles.encode(progress), as: UTF8.self),
        ])
    }

    /// The checkpoint held by a parsed safetensors file.
    public init(_ file: Safetensors) throws {
        guard file.metadata["format"] == "spikeloc-checkpoint" else {
            throw SafetensorsError("is not a spikeloc checkpoint (metadata format is \(file.metadata["format"].map { "'\($0)'" } ?? "missing"))")
        }
        do { try SpikelocFormat.check(metadata: file.metadata["format_version"], what: "the checkpoint") } catch let e as FormatVersionError {
            throw SafetensorsError("\(e)")
        }
        let model = try SavedModel(file)  // checks w1, w2 and the configuration
        let config = model.config
        guard let progressJSON = file.metadata["spikeloc_progress"] else { throw SafetensorsError("has no spikeloc_progress metadata") }
        let progress: Progress
        do { progress = try JSONFiles.decode(Progress.self, from: Data(progressJSON.utf8)) } catch let e as JSONFileError {
            throw SafetensorsError("metadata spikeloc_progress: \(e.reason)")
        }
        let trainedEpochs = progress.epoch
        guard trainedEpochs >= 0, trainedEpochs <= config.epochs, progress.trainLoss.count == trainedEpochs,
              progress.validationLoss.count == trainedEpochs, progress.epochSeconds.count == trainedEpochs,
              progress.adamStep == trainedEpochs * config.trainBatches,
              progress.bestEpoch.map({ (0 ..< trainedEpochs).contains($0) }) ?? true,
              progress.earlyStopEpoch.map({ (0 ..< trainedEpochs).contains($0) }) ?? true
        else { throw SafetensorsError("metadata spikeloc_progress is inconsistent with its configuration (epochs, batches)") }
        let exp = Experiment(config)
        let initial = exp.initialNetwork()
        /// The raw parameters stored under `prefix + name`; time constants that are not learned
        /// may be missing (files written before they were stored) and keep the configuration's.
        func parameters(_ prefix: String) throws -> [Parameter] {
            try initial.parameters.map { p in
                guard let t = file.tensors[prefix + p.name] else {
                    guard p.name.hasPrefix("tau"), !p.isLearnable else { throw SafetensorsError("has no tensor '\(prefix + p.name)'") }
                    return p
                }
                guard t.shape == p.shape else {
                    throw SafetensorsError("tensor '\(prefix + p.name)' has shape \(t.shape); expected \(p.shape) for its configuration")
                }
                var q = p
                q.setValues(t.values)
                return q
            }
        }
        var network = initial, best = initial
        network.parameters = try parameters("")
        best.parameters = try parameters("best_")
        /// The Adam moments of the learnable parameters that `include` selects, after `step` steps.
        func moments(step: Int, _ include: (Parameter) -> Bool) throws -> [String: Adam.Moments] {
            guard step > 0 else { return [:] }
            var moments: [String: Adam.Moments] = [:]
            for p in initial.parameters where p.isLearnable && include(p) {
                guard let m = file.tensors["adam_m_" + p.name], let v = file.tensors["adam_v_" + p.name] else {
                    throw SafetensorsError("has no Adam moments for '\(p.name)' (tensors adam_m_\(p.name), adam_v_\(p.name))")
                }
                guard m.shape == p.shape, v.shape == p.shape else {
                    throw SafetensorsError("Adam moments of '\(p.name)' have shapes \(m.shape), \(v.shape); expected \(p.shape)")
                }
                moments[p.name] = Adam.Moments(first: m.values, second: v.values)
            }
            return moments
        }
        let delays = initial.hasDelays
        var optimizer = Adam(learningRate: config.lr, beta1: config.adamBeta1, beta2: config.adamBeta2, epsilon: config.adamEpsilon)
        optimizer.restore(step: progress.adamStep, moments: try moments(step: progress.adamStep) { !delays || !TrainingState.isPosition($0) })
        var positionOptimizer: Adam?
        if delays {
            let step = progress.positionAdamStep ?? progress.adamStep
            guard step == progress.adamStep else {
                throw SafetensorsError("metadata spikeloc_progress: the positions' optimiser took \(step) steps, the weights' \(progress.adamStep)")
            }
            var o = Adam(learningRate: config.positionLr)
            o.restore(step: step, moments: try moments(step: step, TrainingState.isPosition))
            positionOptimizer = o
            best.setDelaySigma(config.delaySigma(epoch: progress.bestEpoch ?? 0))  // the width when the copy was taken
        }
        var state = TrainingState(network: network, optimizer: optimizer, positionOptimizer: positionOptimizer)
        // the schedules' values of the last epoch, as the trainer left them (sigma, written as
        // delay_sigma for readers, follows from the epoch)
        if progress.epoch > 0 { state.applySchedules(of: config, epoch: progress.epoch - 1) }
        state.best = best
        state.epoch = progress.epoch
        state.trainLoss = progress.trainLoss
        state.validationLoss = progress.validationLoss
        state.bestValidationLoss = progress.bestValidationLoss
        state.bestEpoch = progress.bestEpoch
        state.earlyStopEpoch = progress.earlyStopEpoch
        state.epochSeconds = progress.epochSeconds
        self.init(config: config, state: state)
    }
}
