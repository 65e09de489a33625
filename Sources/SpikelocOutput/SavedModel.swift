import Foundation
import SoundLocalization
import SpikingCore

/// A trained model as spikeloc saves it in `model.safetensors`: the *effective* weights the
/// network uses (already `|w| * sign` under Dale's law) as tensors `w1` `[inputs, hidden]` and
/// `w2` `[hidden, classes]`, float32, with the run's configuration as JSON in the header's
/// `__metadata__` under `spikeloc_config`.
public struct SavedModel: SafetensorsDocument, Equatable, Sendable {
    /// The configuration the model was trained with (defaults, sized from the tensors, for a
    /// file without spikeloc metadata, e.g. one written from PyTorch).
    public var config: ExperimentConfig
    /// Effective input-to-hidden weights.
    public var w1: Matrix
    /// Effective hidden-to-output weights.
    public var w2: Matrix

    /// A model of a configuration and its effective weights.
    public init(config: ExperimentConfig, w1: Matrix, w2: Matrix) {
        self.config = config
        self.w1 = w1
        self.w2 = w2
    }

    /// The model of a trained network.
    public init(config: ExperimentConfig, network: SpikingNetwork) {
        self.init(config: config, w1: network.effectiveW1, w2: network.effectiveW2)
    }

    /// The network that runs this model.
    public var network: SpikingNetwork {
        Experiment(config).network(effectiveW1: w1, effectiveW2: w2)
    }

    /// The safetensors form.
    public var safetensors: Safetensors {
        Safetensors(
            tensors: ["w1": .init(shape: [w1.rows, w1.columns], values: w1.values),
                      "w2": .init(shape: [w2.rows, w2.columns], values: w2.values)],
            metadata: ["format": "spikeloc-model", "spikeloc_version": SpikelocVersion.current,
                       "spikeloc_config": String(decoding: JSONFiles.encode(config), as: UTF8.self)])
    }

    /// The model held by a parsed safetensors file.
    public init(_ file: Safetensors) throws {
        func matrix(_ name: String) throws -> Matrix {
            guard let t = file.tensors[name] else {
                throw SafetensorsError("has no tensor '\(name)' (expected 'w1' [inputs, hidden] and 'w2' [hidden, classes])")
            }
            guard t.shape.count == 2, t.shape[0] > 0, t.shape[1] > 0 else {
                throw SafetensorsError("tensor '\(name)' has shape \(t.shape); expected two positive dimensions")
            }
            return Matrix(rows: t.shape[0], columns: t.shape[1], values: t.values)
        }
        let w1 = try matrix("w1"), w2 = try matrix("w2")
        guard w1.columns == w2.rows else {
            throw SafetensorsError("w1 is \(w1.rows) x \(w1.columns) but w2 is \(w2.rows) x \(w2.columns); their hidden sizes differ")
        }
        var config: ExperimentConfig
        if let json = file.metadata["spikeloc_config"] {
            do { config = try JSONFiles.decode(ExperimentConfig.self, from: Data(json.utf8)) } catch let e as JSONFileError {
                throw SafetensorsError("metadata spikeloc_config: \(e.reason)")
            }
            do { try config.validate() } catch let e as ConfigError {
                throw SafetensorsError("metadata spikeloc_config: \(e)")
            }
            guard config.inputs == w1.rows, config.hidden == w1.columns, config.classes == w2.columns else {
                throw SafetensorsError("tensor shapes w1 \(w1.rows) x \(w1.columns), w2 \(w2.rows) x \(w2.columns) do not match its configuration (\(config.inputs) inputs, \(config.hidden) hidden, \(config.classes) classes)")
            }
        } else {
            guard w1.rows % 2 == 0 else {
                throw SafetensorsError("w1 has \(w1.rows) rows; expected an even number (two ears)")
            }
            config = ExperimentConfig()
            config.anfPerEar = w1.rows / 2
            config.hidden = w1.columns
            config.classes = w2.columns
            do { try config.validate() } catch let e as ConfigError { throw SafetensorsError("\(e)") }
        }
        self.init(config: config, w1: w1, w2: w2)
    }
}

/// A model file that cannot be used.
public struct ModelFileError: Error, CustomStringConvertible {
    /// The file.
    public var path: String
    /// What is wrong with it.
    public var reason: String
    public var description: String { "\(path): \(reason)" }
}

/// The version of spikeloc written into every output.
public enum SpikelocVersion {
    /// The current version.
    public static let current = "0.1.0"
}
