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

        init(epoch: Int, adamStep: Int, trainLoss: [Double], validationLoss: [Double], bestValidationLoss: Double,
             bestEpoch: Int?, earlyStopEpoch: Int?, epochSeconds: [Double]) {
            (self.epoch, self.adamStep, self.trainLoss, self.validationLoss) = (epoch, adamStep, trainLoss, validationLoss)
            (self.bestValidationLoss, self.bestEpoch, self.earlyStopEpoch, self.epochSeconds) = (bestValidationLoss, bestEpoch, earlyStopEpoch, epochSeconds)
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
        }
    }

    /// The safetensors form.
    public var safetensors: Safetensors {
        var tensors: [String: Safetensors.Tensor] = [:]
        func put(_ name: String, _ m: Matrix) { tensors[name] = .init(shape: [m.rows, m.columns], values: m.values) }
        put("w1", state.network.w1)
        put("w2", state.network.w2)
        put("best_w1", state.best.w1)
        put("best_w2", state.best.w2)
        let o = state.optimizer
        if !o.firstMoments.isEmpty {
            put("adam_m_w1", Matrix(rows: state.network.w1.rows, columns: state.network.w1.columns, values: o.firstMoments[0]))
            put("adam_m_w2", Matrix(rows: state.network.w2.rows, columns: state.network.w2.columns, values: o.firstMoments[1]))
            put("adam_v_w1", Matrix(rows: state.network.w1.rows, columns: state.network.w1.columns, values: o.secondMoments[0]))
            put("adam_v_w2", Matrix(rows: state.network.w2.rows, columns: state.network.w2.columns, values: o.secondMoments[1]))
        }
        let progress = Progress(
            epoch: state.epoch, adamStep: o.step, trainLoss: state.trainLoss, validationLoss: state.validationLoss,
            bestValidationLoss: state.bestValidationLoss, bestEpoch: state.bestEpoch, earlyStopEpoch: state.earlyStopEpoch,
            epochSeconds: state.epochSeconds)
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
        func matrix(_ name: String, like m: Matrix) throws -> Matrix {
            guard let t = file.tensors[name] else { throw SafetensorsError("has no tensor '\(name)'") }
            guard t.shape == [m.rows, m.columns] else {
                throw SafetensorsError("tensor '\(name)' has shape \(t.shape); expected [\(m.rows), \(m.columns)] for its configuration")
            }
            return Matrix(rows: m.rows, columns: m.columns, values: t.values)
        }
        let trainedEpochs = progress.epoch
        guard trainedEpochs >= 0, trainedEpochs <= config.epochs, progress.trainLoss.count == trainedEpochs,
              progress.validationLoss.count == trainedEpochs, progress.epochSeconds.count == trainedEpochs,
              progress.adamStep == trainedEpochs * config.trainBatches,
              progress.bestEpoch.map({ (0 ..< trainedEpochs).contains($0) }) ?? true,
              progress.earlyStopEpoch.map({ (0 ..< trainedEpochs).contains($0) }) ?? true
        else { throw SafetensorsError("metadata spikeloc_progress is inconsistent with its configuration (epochs, batches)") }
        let exp = Experiment(config)
        var optimizer = Adam(learningRate: config.lr, beta1: config.adamBeta1, beta2: config.adamBeta2, epsilon: config.adamEpsilon)
        optimizer.step = progress.adamStep
        if progress.adamStep > 0 {
            optimizer.firstMoments = [try matrix("adam_m_w1", like: model.w1).values, try matrix("adam_m_w2", like: model.w2).values]
            optimizer.secondMoments = [try matrix("adam_v_w1", like: model.w1).values, try matrix("adam_v_w2", like: model.w2).values]
        }
        var state = TrainingState(network: exp.network(w1: model.w1, w2: model.w2), optimizer: optimizer)
        state.best = exp.network(w1: try matrix("best_w1", like: model.w1), w2: try matrix("best_w2", like: model.w2))
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
