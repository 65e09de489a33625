/// The leaky integrate-and-fire neuron, with the membrane `v` and the last spike `s` as state and
/// `alpha = exp(-dt / tau)` as its decay. With spike timing ``SpikeTiming/previous`` (the seed
/// notebook's), one step is
///
///     y[t] = s                                   // emitted now, decided a step ago
///     v'   = (alpha v + I[t]) (1 - s)            // reset zero, or
///     v'   = alpha v + I[t] - threshold s        // reset subtract
///     s'   = H(v - threshold)                    // on the old membrane
///
/// and with ``SpikeTiming/current`` (the standard discrete LIF)
///
///     u    = alpha v + I[t]
///     y[t] = H(u - threshold)
///     v'   = u (1 - y[t])   or   u - threshold y[t]
///
/// `H` is differentiated with ``surrogate``; gradients flow through the reset too (nothing is
/// detached, as in the notebook).
public struct LIFNeuron: NeuronModel, Equatable {
    /// Firing threshold.
    public var threshold: Float
    /// When the spike is read from the membrane.
    public var timing: SpikeTiming
    /// What a spike does to the membrane.
    public var reset: ResetRule
    /// The pseudo-derivative of the spike function.
    public var surrogate: SigmoidSurrogate

    /// A neuron; the defaults are the seed notebook's.
    public init(threshold: Float = 1, timing: SpikeTiming = .previous, reset: ResetRule = .zero,
                surrogate: SigmoidSurrogate = SigmoidSurrogate()) {
        self.threshold = threshold
        self.timing = timing
        self.reset = reset
        self.surrogate = surrogate
    }

    /// Membrane and last spike.
    public struct State: NeuronState, Equatable {
        /// Membrane potential.
        public var v: Float
        /// Spike decided at the last step (``SpikeTiming/previous``; 0 otherwise).
        public var s: Float

        /// A state.
        @inlinable public init(v: Float, s: Float) { self.v = v; self.s = s }
        public static var zero: State { State(v: 0, s: 0) }
        @inlinable public static func + (a: State, b: State) -> State { State(v: a.v + b.v, s: a.s + b.s) }
        @inlinable public static func - (a: State, b: State) -> State { State(v: a.v - b.v, s: a.s - b.s) }
    }

    @inlinable
    public func step(_ state: inout State, current: Float, decay: Float) -> Float {
        switch timing {
        case .previous:
            let y = state.s
            let a = decay * state.v + current
            let v = reset == .zero ? a * (1 - y) : a - threshold * y
            state.s = surrogate.spike(state.v - threshold)
            state.v = v
            return y
        case .current:
            let u = decay * state.v + current
            let y = surrogate.spike(u - threshold)
            state.v = reset == .zero ? u * (1 - y) : u - threshold * y
            return y
        }
    }

    @inlinable
    public func adjoint(
        state: State, current: Float, decay: Float, gradientAfter g: State, gradientOfSpike gy: Float
    ) -> NeuronAdjoint<State> {
        switch timing {
        case .previous:
            let s = state.s
            let a = decay * state.v + current
            let gradA = reset == .zero ? g.v * (1 - s) : g.v
            let gradS = gy - g.v * (reset == .zero ? a : threshold)
            let gradV = gradA * decay + g.s * surrogate.derivative(state.v - threshold)
            return NeuronAdjoint(state: State(v: gradV, s: gradS), current: gradA, decay: gradA * state.v)
        case .current:
            let u = decay * state.v + current
            let y = surrogate.spike(u - threshold)
            let gradY = gy - g.v * (reset == .zero ? u : threshold)
            let gradU = (reset == .zero ? g.v * (1 - y) : g.v) + gradY * surrogate.derivative(u - threshold)
            return NeuronAdjoint(state: State(v: gradU * decay, s: 0), current: gradU, decay: gradU * state.v)
        }
    }

    public var summary: String {
        "LIF (spike from the \(timing == .previous ? "previous" : "current") membrane, \(reset == .zero ? "reset to zero" : "subtractive reset"), threshold \(threshold))"
    }
}
