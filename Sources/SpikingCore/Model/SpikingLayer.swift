import Foundation

/// A layer of spiking neurons with its input projection: dense input-major weights `w` from the
/// layer below (or the input spikes), optional recurrent weights `v` from the layer's own spikes
/// of the step before, and one membrane time constant per neuron (ms); the input connections may
/// carry learned delays (``DelaySynapse``). See docs/core-model.md.
public struct SpikingLayer: Sendable {
    /// The neuron model every neuron of the layer runs.
    public var neuron: any NeuronModel
    /// Input weights, `[inputs, neurons]`.
    public var weights: Parameter
    /// Recurrent weights, `[neurons, neurons]` (row = presynaptic), or `nil`.
    public var recurrent: Parameter?
    /// Learned delays of the input connections (DCLS), or `nil` for instantaneous synapses.
    public var delays: DelaySynapse?
    /// Membrane time constant of each neuron in ms, `[neurons]` (learnable when its
    /// ``Parameter/isLearnable`` is set; kept at or above a small positive floor).
    public var tau: Parameter

    /// A layer. `tauMs` has one value per neuron, or a single value for all.
    public init(neuron: any NeuronModel, weights: Matrix, recurrent: Matrix? = nil, weightConstraint: ParameterConstraint = .none,
                recurrentConstraint: ParameterConstraint = .none, tauMs: [Float], learnTau: Bool = false,
                delays: DelaySynapse? = nil) {
        precondition(weights.columns > 0 && weights.rows > 0, "SpikingLayer: empty weights \(weights.rows) x \(weights.columns)")
        let n = weights.columns
        precondition(tauMs.count == n || tauMs.count == 1, "SpikingLayer: \(tauMs.count) time constants for \(n) neurons")
        precondition(tauMs.allSatisfy { $0 > 0 && $0.isFinite }, "SpikingLayer: time constants must be positive and finite")
        if let recurrent {
            precondition(recurrent.rows == n && recurrent.columns == n,
                         "SpikingLayer: recurrent weights \(recurrent.rows) x \(recurrent.columns) for \(n) neurons")
        }
        if let delays {
            precondition(delays.positions.shape == [weights.rows, n],
                         "SpikingLayer: delay positions \(delays.positions.shape) for weights \(weights.rows) x \(n)")
        }
        self.neuron = neuron
        self.delays = delays
        self.weights = Parameter(name: "w", matrix: weights, constraint: weightConstraint)
        self.recurrent = recurrent.map { Parameter(name: "v", matrix: $0, constraint: recurrentConstraint) }
        self.tau = Parameter(name: "tau", shape: [n], values: tauMs.count == 1 ? Array(repeating: tauMs[0], count: n) : tauMs,
                             constraint: .atLeast(SpikingLayer.minimumTauMs), isLearnable: learnTau)
    }

    /// The smallest time constant training may reach, in ms.
    public static let minimumTauMs: Float = 1e-3

    /// Number of inputs.
    public var inputs: Int { weights.shape[0] }
    /// Number of neurons.
    public var neurons: Int { weights.shape[1] }

    /// `alpha = exp(-dt / tau)` of every neuron, computed in double precision and rounded to float.
    public func decays(dtMs: Double) -> [Float] { tau.values.map { Float(exp(-dtMs / Double($0))) } }
}

extension SpikingLayer: Equatable {
    public static func == (a: SpikingLayer, b: SpikingLayer) -> Bool {
        a.neuron.isEqual(to: b.neuron) && a.weights == b.weights && a.recurrent == b.recurrent && a.tau == b.tau && a.delays == b.delays
    }
}
