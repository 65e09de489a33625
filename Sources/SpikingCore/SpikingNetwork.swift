/// A feed-forward spiking classifier: spike inputs, one hidden layer of ``LIFLayer`` neurons and a
/// ``LeakyIntegratorReadout`` whose time-summed membrane scores each class. A plain value: the
/// weights, the neuron parameters and, optionally, Dale's-law signs. ``NetworkEngine`` runs it.
public struct SpikingNetwork: Equatable, Sendable {
    /// Input-to-hidden parameters, `inputs x hidden` (input-major, as the notebook stores them).
    public var w1: Matrix
    /// Hidden-to-output parameters, `hidden x classes`.
    public var w2: Matrix
    /// Dale's-law signs, or `nil` for unconstrained weights.
    public var signs: DaleSigns?
    /// The hidden layer.
    public var hidden: LIFLayer
    /// The read-out layer; its `steps` is the number of time steps of every input.
    public var readout: LeakyIntegratorReadout

    /// A network over given weights and layers.
    public init(w1: Matrix, w2: Matrix, signs: DaleSigns? = nil, hidden: LIFLayer, readout: LeakyIntegratorReadout) {
        precondition(w1.columns == w2.rows, "SpikingNetwork: w1 has \(w1.columns) columns, w2 \(w2.rows) rows")
        self.w1 = w1
        self.w2 = w2
        self.signs = signs
        self.hidden = hidden
        self.readout = readout
    }

    /// Number of input channels.
    public var inputs: Int { w1.rows }
    /// Number of hidden neurons.
    public var hiddenCount: Int { w1.columns }
    /// Number of classes.
    public var classes: Int { w2.columns }
    /// Time steps per input.
    public var steps: Int { readout.steps }

    /// The input-to-hidden weights in use (`|w1| * sign` under Dale's law).
    public var effectiveW1: Matrix { signs.map { w1.signed(byRow: $0.inputSigns) } ?? w1 }
    /// The hidden-to-output weights in use (`|w2| * sign` under Dale's law).
    public var effectiveW2: Matrix { signs.map { w2.signed(byRow: $0.hiddenSigns) } ?? w2 }

    /// Gradients with respect to the raw parameters, from gradients with respect to the effective weights.
    public func parameterGradients(effectiveW1 g1: Matrix, effectiveW2 g2: Matrix) -> (w1: Matrix, w2: Matrix) {
        guard let signs else { return (g1, g2) }
        return (g1.chainThroughSigned(byRow: signs.inputSigns, weights: w1),
                g2.chainThroughSigned(byRow: signs.hiddenSigns, weights: w2))
    }

    /// True when every weight is finite.
    public var isFinite: Bool { w1.isFinite && w2.isFinite }
}
