import Foundation

/// A layer of leaky integrate-and-fire neurons with the update order of the sound-localisation
/// notebook. At every step `t`, with membrane `v` and the spike `s` of the previous step:
///
///     v(t+1) = (alpha * v(t) + I(t)) * (1 - s(t))     // leak, integrate, reset after a spike
///     s(t+1) = H(v(t) - threshold)                    // spike decided on the *old* membrane
///
/// so a spike is recorded one step after the crossing and the reset lands one step later still.
/// Gradients flow through the reset factor `(1 - s)` too, and the Heaviside step `H` is
/// differentiated with ``surrogate``.
public struct LIFLayer: Equatable, Sendable {
    /// Membrane decay per step, `exp(-dt / tau)`.
    public var alpha: Float
    /// Firing threshold (the notebook's 1).
    public var threshold: Float
    /// The pseudo-derivative of the spike function.
    public var surrogate: SigmoidSurrogate

    /// A layer with the given decay, threshold and surrogate.
    public init(alpha: Float, threshold: Float = 1, surrogate: SigmoidSurrogate = SigmoidSurrogate()) {
        self.alpha = alpha
        self.threshold = threshold
        self.surrogate = surrogate
    }

    /// A layer whose decay is `exp(-dt / tau)`, computed in double precision as the notebook does.
    public init(tau: Double, dt: Double, threshold: Float = 1, surrogate: SigmoidSurrogate = SigmoidSurrogate()) {
        self.init(alpha: Float(exp(-dt / tau)), threshold: threshold, surrogate: surrogate)
    }

    /// The state of the layer between steps.
    public struct State: Equatable, Sendable {
        /// Membrane potential of each neuron.
        public var v: [Float]
        /// Spike emitted at the last step (0 or 1).
        public var s: [Float]

        /// The resting state of `count` neurons.
        public init(count: Int) {
            v = [Float](repeating: 0, count: count)
            s = [Float](repeating: 0, count: count)
        }
    }

    /// One step of the layer: a pure function of the state and the input current.
    /// Returns the new state; its `s` is the spike emitted at this step.
    public func step(_ state: State, current: [Float]) -> State {
        var next = state
        for j in state.v.indices {
            next.v[j] = (alpha * state.v[j] + current[j]) * (1 - state.s[j])
            next.s[j] = surrogate.spike(state.v[j] - threshold)
        }
        return next
    }
}
