/// A feed-forward spiking classifier: input spikes, any number of ``SpikingLayer``s (each
/// optionally recurrent) and a ``Readout``, run for ``steps`` steps of ``dtMs``. A plain value;
/// ``NetworkEngine`` runs it. Its tensors are ``parameters``, named as in docs/core-model.md
/// (`w1`, `v1`, `tau1`, ..., the read-out last).
public struct SpikingNetwork: Equatable, Sendable {
    /// The hidden layers, from the input up.
    public private(set) var layers: [SpikingLayer]
    /// The output layer.
    public private(set) var readout: Readout
    /// Time steps per input.
    public let steps: Int
    /// Time step in ms (turns time constants into decays).
    public let dtMs: Double

    /// A network; every layer's inputs must match the size of the layer below.
    public init(inputs: Int, layers: [SpikingLayer], readout: Readout, steps: Int, dtMs: Double) {
        precondition(!layers.isEmpty, "SpikingNetwork: at least one hidden layer")
        precondition(steps >= 2, "SpikingNetwork: at least 2 steps, got \(steps)")
        precondition(dtMs > 0 && dtMs.isFinite, "SpikingNetwork: dt must be positive, got \(dtMs)")
        var below = inputs
        for (l, layer) in layers.enumerated() {
            precondition(layer.inputs == below, "SpikingNetwork: layer \(l + 1) has \(layer.inputs) inputs, the layer below \(below) units")
            below = layer.neurons
        }
        precondition(readout.inputs == below, "SpikingNetwork: the read-out has \(readout.inputs) inputs, the last layer \(below) neurons")
        self.layers = layers
        self.readout = readout
        self.steps = steps
        self.dtMs = dtMs
        nameParameters()
    }

    /// The seed notebook's network: one layer of notebook LIF neurons and a leaky-integrator
    /// read-out scored by the sum over time, both with time constant `tauMs`; optional Dale's-law
    /// row signs for `w1` and `w2`.
    public static func notebook(
        w1: Matrix, w2: Matrix, tauMs: Double = 5, dtMs: Double = 1, steps: Int, neuron: LIFNeuron = LIFNeuron(),
        signs: (w1: [Float], w2: [Float])? = nil
    ) -> SpikingNetwork {
        let layer = SpikingLayer(neuron: neuron, weights: w1, weightConstraint: signs.map { .signedRows($0.w1) } ?? .none,
                                 tauMs: [Float(tauMs)])
        let readout = Readout(kind: .sum, weights: w2, weightConstraint: signs.map { .signedRows($0.w2) } ?? .none,
                              tauMs: [Float(tauMs)])
        return SpikingNetwork(inputs: w1.rows, layers: [layer], readout: readout, steps: steps, dtMs: dtMs)
    }

    private mutating func nameParameters() {
        for l in layers.indices {
            layers[l].weights.name = "w\(l + 1)"
            layers[l].recurrent?.name = "v\(l + 1)"
            layers[l].delays?.positions.name = "p\(l + 1)"
            layers[l].tau.name = "tau\(l + 1)"
        }
        readout.weights.name = "w\(layers.count + 1)"
        readout.delays?.positions.name = "p\(layers.count + 1)"
        readout.tau.name = "tau\(layers.count + 1)"
    }

    /// Number of input channels.
    public var inputs: Int { layers[0].inputs }
    /// Number of classes.
    public var classes: Int { readout.classes }

    /// Every tensor, layer by layer (weights, recurrent weights, delay positions, time constants),
    /// the read-out last.
    /// Setting it replaces the values; names, shapes and constraints must stay the same.
    public var parameters: [Parameter] {
        get {
            var list: [Parameter] = []
            for layer in layers {
                list.append(layer.weights)
                if let v = layer.recurrent { list.append(v) }
                if let d = layer.delays { list.append(d.positions) }
                list.append(layer.tau)
            }
            list.append(readout.weights)
            if let d = readout.delays { list.append(d.positions) }
            list.append(readout.tau)
            return list
        }
        set {
            var index = 0
            func take(_ old: Parameter) -> Parameter {
                precondition(index < newValue.count, "SpikingNetwork.parameters: \(newValue.count) tensors, expected more")
                let p = newValue[index]
                index += 1
                precondition(p.name == old.name && p.shape == old.shape && p.constraint == old.constraint,
                             "SpikingNetwork.parameters: got \(p.name) \(p.shape) where \(old.name) \(old.shape) belongs")
                return p
            }
            for l in layers.indices {
                layers[l].weights = take(layers[l].weights)
                if let v = layers[l].recurrent { layers[l].recurrent = take(v) }
                if let d = layers[l].delays { layers[l].delays!.positions = take(d.positions) }
                layers[l].tau = take(layers[l].tau)
            }
            readout.weights = take(readout.weights)
            if let d = readout.delays { readout.delays!.positions = take(d.positions) }
            readout.tau = take(readout.tau)
            precondition(index == newValue.count, "SpikingNetwork.parameters: \(newValue.count) tensors, expected \(index)")
        }
    }

    /// The parameter called `name`, if there is one.
    public func parameter(_ name: String) -> Parameter? { parameters.first { $0.name == name } }

    /// The first layer's input weights (raw), `[inputs, neurons]`.
    public var inputWeights: Matrix { layers[0].weights.matrix }
    /// The read-out weights (raw), `[hidden, classes]`.
    public var readoutWeights: Matrix { readout.weights.matrix }

    /// True when every parameter is finite.
    public var isFinite: Bool { parameters.allSatisfy(\.isFinite) }

    /// Whether any connection has learned delays.
    public var hasDelays: Bool { layers.contains { $0.delays != nil } || readout.delays != nil }

    /// The same network with every delay synapse using `kernel` (``DelaySynapse/Kernel-swift.enum/max``
    /// to evaluate, as the notebook does).
    public func withDelayKernel(_ kernel: DelaySynapse.Kernel) -> SpikingNetwork {
        var copy = self
        for l in copy.layers.indices { copy.layers[l].delays?.kernel = kernel }
        copy.readout.delays?.kernel = kernel
        return copy
    }

    /// The Gaussian width of the delay synapses (the first one's), or `nil` without delays.
    public var delaySigma: Float? { layers.lazy.compactMap(\.delays).first?.sigma ?? readout.delays?.sigma }

    /// Sets the Gaussian width of every delay synapse (the training schedule's `sigma`).
    public mutating func setDelaySigma(_ sigma: Float) {
        precondition(sigma.isFinite, "SpikingNetwork: sigma must be finite")
        for l in layers.indices { layers[l].delays?.sigma = sigma }
        readout.delays?.sigma = sigma
    }

    /// The same network with every weight replaced by its effective value and the constraints
    /// dropped (what a saved model stores): it computes exactly what this network computes.
    public var withEffectiveWeights: SpikingNetwork {
        var copy = self
        for l in copy.layers.indices {
            copy.layers[l].weights = Parameter(name: copy.layers[l].weights.name, matrix: copy.layers[l].weights.effectiveMatrix)
            if let v = copy.layers[l].recurrent {
                copy.layers[l].recurrent = Parameter(name: v.name, matrix: v.effectiveMatrix)
            }
        }
        copy.readout.weights = Parameter(name: copy.readout.weights.name, matrix: copy.readout.weights.effectiveMatrix)
        return copy
    }
}
