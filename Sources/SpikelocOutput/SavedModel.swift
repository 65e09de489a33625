import Foundation
import SoundLocalization
import SpikingCore

/// A trained model as spikeloc saves it in `model.safetensors`: the *effective* weights the
/// network uses (already `|w| * sign` under Dale's law) as float32 tensors named as the network's
/// parameters (`w1` `[inputs, hidden]` and `w2` `[hidden, classes]` for the notebook's network;
/// recurrent weights `v1`...; learned delay positions `p1`, `p2` with the delays' last Gaussian
/// width as `delay_sigma`; learned time constants `tau1`... in ms), with the run's
/// configuration as JSON in the header's `__metadata__` under `spikeloc_config`.
public struct SavedModel: SafetensorsDocument, Equatable, Sendable {
    /// The configuration the model was trained with (defaults, sized from the tensors, for a
    /// file without spikeloc metadata, e.g. one written from PyTorch).
    public var config: ExperimentConfig
    /// The network, with effective weights and no constraints.
    public private(set) var network: SpikingNetwork

    /// The model of a trained network (its effective weights are stored).
    public init(config: ExperimentConfig, network: SpikingNetwork) {
        self.config = config
        self.network = network.withEffectiveWeights
    }

    /// A model of a configuration and its effective weights.
    public init(config: ExperimentConfig, w1: Matrix, w2: Matrix) {
        self.init(config: config, network: Experiment(config).network(effectiveW1: w1, effectiveW2: w2))
    }

    /// Effective input-to-hidden weights.
    public var w1: Matrix { network.inputWeights }
    /// Effective read-out weights.
    public var w2: Matrix { network.readoutWeights }

    /// The safetensors form: every weight tensor, and the time constants when they were learned.
    public var safetensors: Safetensors {
        var tensors: [String: Safetensors.Tensor] = [:]
        for p in network.parameters where !p.name.hasPrefix("tau") || p.isLearnable {
            tensors[p.name] = .init(shape: p.shape, values: p.values)
        }
        var metadata = ["format": "spikeloc-model", "format_version": String(SpikelocFormat.version),
                        "spikeloc_version": SpikelocVersion.current,
                        "spikeloc_config": String(decoding: JSONFiles.encode(config), as: UTF8.self)]
        if let sigma = network.delaySigma { metadata["delay_sigma"] = "\(sigma)" }
        return Safetensors(tensors: tensors, metadata: metadata)
    }

    /// The model held by a parsed safetensors file.
    public init(_ file: Safetensors) throws {
        do { try SpikelocFormat.check(metadata: file.metadata["format_version"], what: "the model") } catch let e as FormatVersionError {
            throw SafetensorsError("\(e)")
        }
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
            do { try config.validateValues() } catch let e as ConfigError {  // not the memory check: only the network is needed
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
        var network = Experiment(config).network(effectiveW1: w1, effectiveW2: w2)
        network.parameters = try network.parameters.map { p in
            guard let t = file.tensors[p.name] else {
                guard p.name.hasPrefix("tau") else { throw SafetensorsError("has no tensor '\(p.name)' its configuration needs") }
                return p  // time constants that were not learned come from the configuration
            }
            guard t.shape == p.shape else {
                throw SafetensorsError("tensor '\(p.name)' has shape \(t.shape); expected \(p.shape) for its configuration")
            }
            var q = p
            q.setValues(t.values)
            return q
        }
        if network.hasDelays, let text = file.metadata["delay_sigma"] {
            guard let sigma = Float(text), sigma.isFinite else { throw SafetensorsError("metadata delay_sigma '\(text)' is not a finite number") }
            network.setDelaySigma(sigma)
        }
        self.config = config
        self.network = network
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
    public static let current = "0.2.0"
}
