import Foundation

/// The output layer of a classifier and how it scores each class over time (docs/core-model.md):
/// a leaky integrator `v[t+1] = alpha v[t] + I[t]` from `v[0] = 0` recorded at every step and
/// reduced by ``Kind-swift.enum``, or a spiking layer whose spikes are counted.
public struct Readout: Sendable {
    /// How the output over time becomes a class score.
    public enum Kind: String, Sendable, Codable, CaseIterable {
        /// The integrator's membrane summed over time (the seed notebook's).
        case sum
        /// The membrane averaged over time (the community's "mean"; `sum / steps`).
        case mean
        /// The membrane's maximum over time.
        case max
        /// The membrane at the last step.
        case last
        /// Spike counts of a spiking output layer.
        case spikeCount = "spike-count"
    }

    /// The reduction.
    public var kind: Kind
    /// Weights from the last hidden layer, `[hidden, classes]`.
    public var weights: Parameter
    /// Time constant of each output unit in ms, `[classes]`.
    public var tau: Parameter
    /// The neuron of a ``Kind-swift.enum/spikeCount`` read-out (`nil` for the integrator).
    public var neuron: (any NeuronModel)?
    /// Learned delays of the read-out's input connections (DCLS), or `nil`.
    public var delays: DelaySynapse?

    /// A read-out. `tauMs` has one value per class, or a single value for all; `neuron` is
    /// required for ``Kind-swift.enum/spikeCount`` and ignored otherwise.
    public init(kind: Kind = .sum, weights: Matrix, weightConstraint: ParameterConstraint = .none, tauMs: [Float],
                learnTau: Bool = false, neuron: (any NeuronModel)? = nil, delays: DelaySynapse? = nil) {
        precondition(weights.rows > 0 && weights.columns > 0, "Readout: empty weights \(weights.rows) x \(weights.columns)")
        let c = weights.columns
        precondition(tauMs.count == c || tauMs.count == 1, "Readout: \(tauMs.count) time constants for \(c) classes")
        precondition(tauMs.allSatisfy { $0 > 0 && $0.isFinite }, "Readout: time constants must be positive and finite")
        precondition(kind != .spikeCount || neuron != nil, "Readout: a spike-count read-out needs a neuron model")
        if let delays {
            precondition(delays.positions.shape == [weights.rows, c],
                         "Readout: delay positions \(delays.positions.shape) for weights \(weights.rows) x \(c)")
        }
        self.delays = delays
        self.kind = kind
        self.weights = Parameter(name: "w", matrix: weights, constraint: weightConstraint)
        self.tau = Parameter(name: "tau", shape: [c], values: tauMs.count == 1 ? Array(repeating: tauMs[0], count: c) : tauMs,
                             constraint: .atLeast(SpikingLayer.minimumTauMs), isLearnable: learnTau)
        self.neuron = kind == .spikeCount ? neuron : nil
    }

    /// Number of classes.
    public var classes: Int { weights.shape[1] }
    /// Number of inputs (neurons of the last hidden layer).
    public var inputs: Int { weights.shape[0] }

    /// `alpha = exp(-dt / tau)` of every output unit.
    public func decays(dtMs: Double) -> [Float] { tau.values.map { Float(exp(-dtMs / Double($0))) } }

    /// `c_k`, the weight of the input at step `k` in the time-summed membrane of an integrator
    /// with decay `alpha` over `steps` points: `c_k = sum_{j=0}^{steps-2-k} alpha^j`, `c_{steps-1} = 0`.
    /// The notebook's kernel computes the summed score, and its gradient, with them.
    public static func timeWeights(alpha: Float, steps: Int) -> [Float] {
        var weights = [Float](repeating: 0, count: steps)
        var c: Float = 0
        for k in stride(from: steps - 2, through: 0, by: -1) {
            c = c * alpha + 1
            weights[k] = c
        }
        return weights
    }
}

extension Readout: Equatable {
    public static func == (a: Readout, b: Readout) -> Bool {
        let neuronsEqual: Bool
        switch (a.neuron, b.neuron) {
        case (nil, nil): neuronsEqual = true
        case let (x?, y?): neuronsEqual = x.isEqual(to: y)
        default: neuronsEqual = false
        }
        return a.kind == b.kind && a.weights == b.weights && a.tau == b.tau && a.delays == b.delays && neuronsEqual
    }
}
