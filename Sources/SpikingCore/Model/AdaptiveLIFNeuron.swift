/// A LIF neuron with an adaptive threshold (ALIF, as in the community's Dynamic_threshold
/// notebook after Yin et al. 2021): the threshold is `theta = threshold + beta a`, where `a` is a
/// leaky trace of the neuron's own spikes, `a' = rho a + (1 - rho) s`, `rho = exp(-dt / tau_a)`.
/// With spike timing ``SpikeTiming/previous`` one step is
///
///     y[t] = s
///     v'   = (alpha v + I[t]) (1 - s)   or   alpha v + I[t] - theta s     (theta of the old a)
///     s'   = H(v - theta)                                               (old v, old a)
///     a'   = rho a + (1 - rho) s'
///
/// and with ``SpikeTiming/current``: `u = alpha v + I[t]`, `y[t] = H(u - theta)`, the reset of
/// ``LIFNeuron``, and `a' = rho a + (1 - rho) y[t]`. The gradient flows through the trace too.
public struct AdaptiveLIFNeuron: NeuronModel, Equatable {
    /// Resting threshold.
    public var threshold: Float
    /// Strength of the adaptation (the community used 1).
    public var beta: Float
    /// Decay of the spike trace per step, `exp(-dt / tau_a)`.
    public var rho: Float
    /// When the spike is read from the membrane.
    public var timing: SpikeTiming
    /// What a spike does to the membrane.
    public var reset: ResetRule
    /// The pseudo-derivative of the spike function.
    public var surrogate: SigmoidSurrogate

    /// A neuron with the given adaptation.
    public init(threshold: Float = 1, beta: Float, rho: Float, timing: SpikeTiming = .previous, reset: ResetRule = .zero,
                surrogate: SigmoidSurrogate = SigmoidSurrogate()) {
        self.threshold = threshold
        self.beta = beta
        self.rho = rho
        self.timing = timing
        self.reset = reset
        self.surrogate = surrogate
    }

    /// Membrane, last spike and adaptation trace.
    public struct State: NeuronState, Equatable {
        /// Membrane potential.
        public var v: Float
        /// Spike decided at the last step (``SpikeTiming/previous``; 0 otherwise).
        public var s: Float
        /// Leaky trace of the neuron's spikes.
        public var a: Float

        /// A state.
        @inlinable public init(v: Float, s: Float, a: Float) { self.v = v; self.s = s; self.a = a }
        public static var zero: State { State(v: 0, s: 0, a: 0) }
        @inlinable public static func + (x: State, y: State) -> State { State(v: x.v + y.v, s: x.s + y.s, a: x.a + y.a) }
        @inlinable public static func - (x: State, y: State) -> State { State(v: x.v - y.v, s: x.s - y.s, a: x.a - y.a) }
    }

    @inlinable
    public func step(_ state: inout State, current: Float, decay: Float) -> Float {
        let theta = threshold + beta * state.a
        switch timing {
        case .previous:
            let y = state.s
            let u = decay * state.v + current
            let v = reset == .zero ? u * (1 - y) : u - theta * y
            let s = surrogate.spike(state.v - theta)
            state.a = rho * state.a + (1 - rho) * s
            state.s = s
            state.v = v
            return y
        case .current:
            let u = decay * state.v + current
            let y = surrogate.spike(u - theta)
            state.v = reset == .zero ? u * (1 - y) : u - theta * y
            state.a = rho * state.a + (1 - rho) * y
            return y
        }
    }

    @inlinable
    public func adjoint(
        state: State, current: Float, decay: Float, gradientAfter g: State, gradientOfSpike gy: Float
    ) -> NeuronAdjoint<State> {
        let theta = threshold + beta * state.a
        let u = decay * state.v + current
        switch timing {
        case .previous:
            let s = state.s
            let gradNewSpike = g.s + g.a * (1 - rho)
            let sigma = surrogate.derivative(state.v - theta)
            let gradU = reset == .zero ? g.v * (1 - s) : g.v
            let gradS = gy - g.v * (reset == .zero ? u : theta)
            var gradA = g.a * rho - gradNewSpike * sigma * beta
            if reset == .subtract { gradA -= g.v * s * beta }
            let gradV = gradU * decay + gradNewSpike * sigma
            return NeuronAdjoint(state: State(v: gradV, s: gradS, a: gradA), current: gradU, decay: gradU * state.v)
        case .current:
            let y = surrogate.spike(u - theta)
            let gradY = gy + g.a * (1 - rho) - g.v * (reset == .zero ? u : theta)
            let sigma = surrogate.derivative(u - theta)
            let gradU = (reset == .zero ? g.v * (1 - y) : g.v) + gradY * sigma
            var gradA = g.a * rho - gradY * sigma * beta
            if reset == .subtract { gradA -= g.v * y * beta }
            return NeuronAdjoint(state: State(v: gradU * decay, s: 0, a: gradA), current: gradU, decay: gradU * state.v)
        }
    }

    public var summary: String {
        "adaptive-threshold LIF (beta \(beta), spike from the \(timing == .previous ? "previous" : "current") membrane, \(reset == .zero ? "reset to zero" : "subtractive reset"), threshold \(threshold))"
    }
}
